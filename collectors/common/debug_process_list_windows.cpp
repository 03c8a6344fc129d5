// SPDX-License-Identifier: Apache-2.0
#include <windows.h>

#include <stdexcept>

#include <fmt/format.h>

#include "debug_process_list.hpp"

namespace irsnap::collectors {

std::vector<win::NtProcess> debug_process_list(RecordSink& sink) {
    if (!win::enable_privilege(L"SeDebugPrivilege")) {
        sink.coverage(
            "SeDebugPrivilege not held: other users' and service processes may be denied (run "
            "as an administrator for full coverage)");
    }
    long status = 0;
    auto processes = win::nt_process_list(status);
    if (!processes) {
        throw std::runtime_error(
            fmt::format("no process list: NtQuerySystemInformation NTSTATUS 0x{:08x}",
                        static_cast<unsigned long>(status)));
    }
    return std::move(*processes);
}

}  // namespace irsnap::collectors
