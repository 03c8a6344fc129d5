// SPDX-License-Identifier: Apache-2.0
#include <linux/types.h>

#include <cstring>

#include <fmt/format.h>

#include "irsnap/linux/bpf_iter_records.h"
#include "irsnap/linux/kernel_tasks.hpp"

namespace irsnap::kernel_view {

Result<std::vector<KernelTask>> parse_task_records(std::string_view bytes) {
    constexpr size_t k_size = sizeof(irsnap_task_record);
    if (bytes.size() % k_size != 0) {
        return ItemError::without_code(
            "parse", "iter/task",
            fmt::format("{} bytes are not a whole number of {}-byte records", bytes.size(),
                        k_size));
    }
    std::vector<KernelTask> tasks;
    tasks.reserve(bytes.size() / k_size);
    for (size_t at = 0; at < bytes.size(); at += k_size) {
        irsnap_task_record r;
        std::memcpy(&r, bytes.data() + at, k_size);  // the stream has no alignment guarantee
        if (r.size != k_size || r.kind != IRSNAP_ITER_TASK) {
            return ItemError::without_code(
                "parse", "iter/task",
                fmt::format("record {} says size {} kind {}: not this build's iter/task",
                            at / k_size, r.size, r.kind));
        }
        KernelTask t;
        t.pid = r.pid;
        t.tgid = r.tgid;
        t.ppid = r.ppid;
        t.flags = r.flags;
        t.exit_state = r.exit_state;
        t.uid = r.uid;
        t.gid = r.gid;
        t.euid = r.euid;
        t.egid = r.egid;
        t.pid_ns = r.pid_ns;
        t.mnt_ns = r.mnt_ns;
        t.net_ns = r.net_ns;
        t.uts_ns = r.uts_ns;
        t.start_time_ns = r.start_time;
        t.start_boottime_ns = r.start_boottime;
        t.comm.assign(r.comm, strnlen(r.comm, sizeof(r.comm)));
        tasks.push_back(std::move(t));
    }
    return tasks;
}

}  // namespace irsnap::kernel_view
