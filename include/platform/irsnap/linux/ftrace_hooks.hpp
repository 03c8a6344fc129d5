// SPDX-License-Identifier: Apache-2.0
// The kernel functions ftrace has hooks on, and whose callbacks they are, from tracefs's
// enabled_functions: a module that hooks a system call through ftrace (to hide processes, files
// or sockets) is listed there with its callback's module, even after it unlinked itself from
// the module list and sysfs. Parsing is pure; reading the file is kernel_state's collector.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "irsnap/result.hpp"
#include "irsnap/unique_fd.hpp"

namespace irsnap::ftrace {

struct Hook {
    std::string function;                ///< the hooked kernel function
    uint32_t count = 0;                  ///< how many callbacks ("(N)")
    std::vector<std::string> flags;      ///< R (saves regs), I (may change the IP), D, O, M
    std::vector<std::string> callbacks;  ///< the symbols the line names (trampoline, callback)
    std::vector<std::string> modules;    ///< the modules named in brackets, once each
};

/// One line per hooked function, e.g.
/// "__x64_sys_getdents64 (1) R I   \ttramp: 0xffffffffc0201000 (hp_thunk+0x0/0x60 [hide_pid])
///  ->ftrace_ops_assist_func+0x0/0x110". A line without "(N)" is counted in `malformed`.
std::vector<Hook> parse_enabled_functions(std::string_view text, size_t* malformed = nullptr);

/// A tracefs instance of our own, attached nowhere (fsopen("tracefs") + fsmount), for a host
/// that has not mounted tracefs: nothing appears in any mount table, and it is gone when the
/// descriptor is closed. Needs CAP_SYS_ADMIN.
Result<UniqueFd> private_tracefs();

}  // namespace irsnap::ftrace
