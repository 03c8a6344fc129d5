// SPDX-License-Identifier: Apache-2.0
// The run's one descriptor walk: the kernel's tables through BPF when it can (bpf_iter/
// handles_iter.cpp), else /proc/*/fd (fd_walker.cpp) split over threads by pid range.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "../bpf_iter/handles_iter.hpp"
#include "fd_walker.hpp"
#include "irsnap/linux/fd_util.hpp"
#include "irsnap/open_handles.hpp"

namespace irsnap {
namespace {

/// Appends `part` to `out`, moving descriptors out chunk by chunk so memory does not double.
void append(HandleSnapshot& out, HandleSnapshot& part) {
    const auto offset = static_cast<uint32_t>(out.process_names.size());
    const auto content_offset = static_cast<int32_t>(out.contents.size());
    for (auto& name : part.process_names) out.process_names.push_back(std::move(name));
    for (auto& content : part.contents) out.contents.push_back(std::move(content));
    out.handles.append_from(part.handles, offset, content_offset);
    out.processes += part.processes;
    out.processes_denied += part.processes_denied;
    out.races += part.races;
    out.complete = out.complete && part.complete;
}

}  // namespace

HandleSnapshot walk_open_handles(const HostView& ctx, unsigned max_threads, bool kernel_view) {
    std::string why_not;
    if (kernel_view && ctx.live_proc()) {
        if (auto fast = bpf_iter::walk_open_handles_in_kernel(ctx, why_not)) {
            if (!fast->complete) (void)ctx.should_stop();
            return std::move(*fast);
        }
    }
    HandleSnapshot out;
    out.kernel_view_note = why_not;
    auto proc = posix::open_dir_at(AT_FDCWD, ctx.proc_root.string());
    if (!proc) {
        out.complete = false;
        return out;
    }
    const std::vector<int32_t> pids = posix::numeric_entries(proc->get());
    // Contiguous pid ranges per thread keep the merged result ordered by pid.
    const size_t threads = worker_threads_for(max_threads, pids.size());
    std::vector<HandleSnapshot> parts(threads);
    auto walk_range = [&](size_t part) {
        fd_walk::Walker walker(parts[part], ctx.hashes);
        const size_t begin = pids.size() * part / threads;
        const size_t end = pids.size() * (part + 1) / threads;
        for (size_t i = begin; i < end; ++i) {
            if (fd_walk::stop_requested(ctx)) {
                parts[part].complete = false;
                return;
            }
            walker.walk_process(proc->get(), pids[i]);
        }
    };
    std::vector<std::thread> workers;
    for (size_t t = 1; t < threads; ++t) workers.emplace_back(walk_range, t);
    walk_range(0);
    for (auto& w : workers) w.join();
    for (auto& part : parts) append(out, part);
    if (!out.complete) (void)ctx.should_stop();  // remembered as an early stop by the runner
    return out;
}

}  // namespace irsnap
