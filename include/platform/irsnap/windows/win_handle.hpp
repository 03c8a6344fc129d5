// SPDX-License-Identifier: Apache-2.0
// RAII for kernel object handles.
#pragma once

#include <windows.h>

#include <utility>

namespace irsnap::win {

class UniqueHandle {
  public:
    UniqueHandle() = default;
    explicit UniqueHandle(HANDLE h) : m_h(h == INVALID_HANDLE_VALUE ? nullptr : h) {}
    ~UniqueHandle() { reset(); }
    UniqueHandle(UniqueHandle&& other) noexcept : m_h(std::exchange(other.m_h, nullptr)) {}
    UniqueHandle& operator=(UniqueHandle&& other) noexcept {
        if (this != &other) {
            reset();
            m_h = std::exchange(other.m_h, nullptr);
        }
        return *this;
    }
    UniqueHandle(const UniqueHandle&) = delete;
    UniqueHandle& operator=(const UniqueHandle&) = delete;

    HANDLE get() const { return m_h; }
    explicit operator bool() const { return m_h != nullptr; }
    HANDLE release() { return std::exchange(m_h, nullptr); }
    void reset() {
        if (m_h) CloseHandle(m_h);
        m_h = nullptr;
    }

  private:
    HANDLE m_h = nullptr;
};

}  // namespace irsnap::win
