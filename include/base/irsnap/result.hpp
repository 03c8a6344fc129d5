// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace irsnap {

/// What kind of number an ItemError's `code` is. The manifest spells it in lower case:
/// "none", "errno", "win32", "ntstatus" (see error_domain_name).
enum class ErrorDomain : uint8_t {
    none,         ///< no code (a parse failure, a refusal by policy): code is 0
    errno_value,  ///< a POSIX errno, also a netlink reply's error (a negated errno, made positive)
    win32,        ///< a Win32 error: GetLastError(), or a DWORD/LSTATUS/NETIO_STATUS return
    ntstatus,     ///< an NTSTATUS from the native API
};

/// The manifest's spelling of `domain`: "none", "errno", "win32", "ntstatus".
std::string_view error_domain_name(ErrorDomain domain);
/// The domain a manifest spells `name`; nullopt for a name this build does not know.
std::optional<ErrorDomain> error_domain_from_name(std::string_view name);

/// A failure that concerns one item (a file, a pid, a line), recorded in the manifest as data.
/// Made through the factories, which name the kind of `code` they are given: a bare number
/// cannot be told apart (errno 5 is EIO, Win32 error 5 is access denied).
struct ItemError {
    std::string stage;  ///< what we were doing: "open", "read", "parse", "hash", ...
    int code = 0;       ///< in `domain`; 0 when none
    ErrorDomain domain = ErrorDomain::none;
    std::string path;     ///< the object concerned, e.g. /proc/123/status
    std::string message;  ///< human-readable detail

    ItemError(ErrorDomain domain, std::string stage, int code, std::string path,
              std::string message);

    /// `err` is an errno value (errno itself, or one chosen, e.g. EFBIG for a capped read).
    static ItemError from_errno(std::string_view stage, int err, std::string_view path,
                                std::string message);
    /// The same with the errno's own text (strerror) as the message.
    static ItemError from_errno(std::string_view stage, int err, std::string_view path);
    /// `error` is a Win32 error code: GetLastError(), or a function's DWORD/LSTATUS result.
    static ItemError from_win32(std::string_view stage, unsigned long error, std::string_view path,
                                std::string message);
    /// `status` is an NTSTATUS.
    static ItemError from_ntstatus(std::string_view stage, long status, std::string_view path,
                                   std::string message);
    /// A failure with no code: malformed input, a refusal by policy.
    static ItemError without_code(std::string_view stage, std::string_view path,
                                  std::string message);

    /// The same error about another object (a path made more precise by the caller).
    ItemError at(std::string other_path) const;
    /// What the code means where the domain knows: strerror's text for an errno, "Win32 error
    /// N", "NTSTATUS 0x...". Empty for none.
    std::string text() const;
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
