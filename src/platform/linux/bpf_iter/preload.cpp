// SPDX-License-Identifier: Apache-2.0
// The run's preloaded iterator programs: loaded at the start (KernelViewPrograms), taken by the
// readers, unloaded at the end of the run.
#include <malloc.h>

#include <map>
#include <mutex>

#include "irsnap/kernel_view_programs.hpp"
#include "irsnap/linux/kernel_tasks.hpp"
#include "iterator.hpp"

namespace irsnap {
namespace bpf_iter {
namespace {

std::mutex g_mutex;
std::map<std::string, std::shared_ptr<void>>& loaded_programs() {
    static std::map<std::string, std::shared_ptr<void>> programs;
    return programs;
}

}  // namespace

std::shared_ptr<void> preloaded(const std::string& name) {
    std::lock_guard lock(g_mutex);
    auto it = loaded_programs().find(name);
    return it == loaded_programs().end() ? nullptr : it->second;
}

void keep_preloaded(const std::string& name, std::shared_ptr<void> skeleton) {
    std::lock_guard lock(g_mutex);
    loaded_programs()[name] = std::move(skeleton);
}

void drop_preloaded() {
    std::lock_guard lock(g_mutex);
    loaded_programs().clear();
}

}  // namespace bpf_iter

KernelViewPrograms::KernelViewPrograms(bool wanted,
                                       const std::function<bool(const std::string&)>& selected) {
    if (!wanted || !kernel_view::kernel_views_unavailable().empty()) return;
    // libbpf reads the kernel's BTF into two 5.5 MB buffers per load. glibc maps such blocks
    // and unmaps them at free, but after the first free it raises its threshold to their size,
    // and the next loads' buffers then come from the heap and stay in the peak. A fixed 1 MiB
    // threshold keeps every large block mapped (and the spooled buffers of other collectors too).
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
    // The shared descriptor walk's users (Context::open_handles).
    if (selected("network") || selected("handles") || selected("bpf") || selected("samples")) {
        bpf_iter::preload_task_file_program();
    }
    if (selected("network")) bpf_iter::preload_socket_programs();
    if (selected("processes") || selected("hidden_processes")) bpf_iter::preload_task_program();
    if (selected("kernel_modules")) bpf_iter::preload_ksym_program();
}

KernelViewPrograms::~KernelViewPrograms() {
    bpf_iter::drop_preloaded();
}

}  // namespace irsnap
