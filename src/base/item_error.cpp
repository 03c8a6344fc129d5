// SPDX-License-Identifier: Apache-2.0
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "irsnap/result.hpp"

namespace irsnap {
namespace {

constexpr std::pair<ErrorDomain, std::string_view> k_domain_names[] = {
    {ErrorDomain::none, "none"},
    {ErrorDomain::errno_value, "errno"},
    {ErrorDomain::win32, "win32"},
    {ErrorDomain::ntstatus, "ntstatus"},
};

}  // namespace

std::string_view error_domain_name(ErrorDomain domain) {
    for (const auto& [value, name] : k_domain_names) {
        if (value == domain) return name;
    }
    return "unknown";  // not reached: every domain is in the table
}

std::optional<ErrorDomain> error_domain_from_name(std::string_view name) {
    for (const auto& [value, text] : k_domain_names) {
        if (text == name) return value;
    }
    return std::nullopt;
}

ItemError::ItemError(ErrorDomain domain_, std::string stage_, int code_, std::string path_,
                     std::string message_)
    : stage(std::move(stage_)),
      code(code_),
      domain(domain_),
      path(std::move(path_)),
      message(std::move(message_)) {}

ItemError ItemError::from_errno(std::string_view stage, int err, std::string_view path,
                                std::string message) {
    return {ErrorDomain::errno_value, std::string(stage), err, std::string(path),
            std::move(message)};
}

ItemError ItemError::from_errno(std::string_view stage, int err, std::string_view path) {
    ItemError e{ErrorDomain::errno_value, std::string(stage), err, std::string(path), {}};
    e.message = e.text();
    return e;
}

ItemError ItemError::from_win32(std::string_view stage, unsigned long error, std::string_view path,
                                std::string message) {
    return {ErrorDomain::win32, std::string(stage), static_cast<int>(error), std::string(path),
            std::move(message)};
}

ItemError ItemError::from_ntstatus(std::string_view stage, long status, std::string_view path,
                                   std::string message) {
    return {ErrorDomain::ntstatus, std::string(stage), static_cast<int>(status), std::string(path),
            std::move(message)};
}

ItemError ItemError::without_code(std::string_view stage, std::string_view path,
                                  std::string message) {
    return {ErrorDomain::none, std::string(stage), 0, std::string(path), std::move(message)};
}

ItemError ItemError::at(std::string other_path) const {
    ItemError e = *this;
    e.path = std::move(other_path);
    return e;
}

std::string ItemError::text() const {
    switch (domain) {
        case ErrorDomain::errno_value:
            // strerror's text, without strerror's shared buffer (workers report errors too).
            return std::generic_category().message(code);
        case ErrorDomain::win32:
            return fmt::format("Win32 error {}", static_cast<unsigned long>(code));
        case ErrorDomain::ntstatus:
            return fmt::format("NTSTATUS 0x{:08x}", static_cast<uint32_t>(code));
        case ErrorDomain::none:
            break;
    }
    return {};
}

}  // namespace irsnap
