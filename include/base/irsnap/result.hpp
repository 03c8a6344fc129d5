// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace irsnap {

/// A failure that concerns one item (a file, a pid, a line), recorded in the manifest as data.
/// `code` is an errno on POSIX and an NTSTATUS/Win32 code on Windows; 0 when not applicable.
struct ItemError {
    std::string stage;    ///< what we were doing: "open", "read", "parse", "hash", ...
    int code = 0;         ///< errno / NTSTATUS, 0 when none
    std::string path;     ///< the object concerned, e.g. /proc/123/status
    std::string message;  ///< human-readable detail
};

/// Minimal `Result<T>`: a value or an ItemError. std::expected is C++23; this keeps C++20.
template <typename T>
class Result {
  public:
    Result(T value) : m_v(std::move(value)) {}          // NOLINT: implicit by design
    Result(ItemError error) : m_v(std::move(error)) {}  // NOLINT: implicit by design

    bool ok() const { return std::holds_alternative<T>(m_v); }
    explicit operator bool() const { return ok(); }
    T& value() { return std::get<T>(m_v); }
    const T& value() const { return std::get<T>(m_v); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() { return value(); }
    const T& operator*() const { return value(); }
    const ItemError& error() const { return std::get<ItemError>(m_v); }

  private:
    std::variant<T, ItemError> m_v;
};

}  // namespace irsnap
