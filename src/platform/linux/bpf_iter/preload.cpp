// SPDX-License-Identifier: Apache-2.0
// The run's preloaded iterator programs: loaded at the start (KernelViewPrograms), taken by the
// readers, unloaded at the end of the run.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <malloc.h>

#include <map>
#include <mutex>

#include "irsnap/kernel_view_programs.hpp"
#include "irsnap/linux/bpf_objects.hpp"
#include "irsnap/linux/kernel_tasks.hpp"
#include "iterator.hpp"

namespace irsnap {
namespace bpf_iter {
namespace {

struct Kept {
    std::shared_ptr<void> skeleton;
    bpf_object* object = nullptr;  ///< owned by the skeleton
};

std::mutex g_mutex;
std::map<std::string, Kept>& loaded_programs() {
    static std::map<std::string, Kept> programs;
    return programs;
}

}  // namespace

std::shared_ptr<void> preloaded(const std::string& name) {
    std::lock_guard lock(g_mutex);
    auto it = loaded_programs().find(name);
    return it == loaded_programs().end() ? nullptr : it->second.skeleton;
}

void keep_preloaded(const std::string& name, std::shared_ptr<void> skeleton, bpf_object* object) {
    std::lock_guard lock(g_mutex);
    loaded_programs()[name] = Kept{std::move(skeleton), object};
}

void drop_preloaded() {
    std::lock_guard lock(g_mutex);
    loaded_programs().clear();
}

}  // namespace bpf_iter

bpf::OwnIds bpf::own_ids() {
    OwnIds out;
    std::lock_guard lock(bpf_iter::g_mutex);
    for (const auto& [name, kept] : bpf_iter::loaded_programs()) {
        bpf_program* program = nullptr;
        bpf_object__for_each_program(program, kept.object) {
            bpf_prog_info info{};
            __u32 length = sizeof(info);
            const int fd = bpf_program__fd(program);
            if (fd >= 0 && bpf_obj_get_info_by_fd(fd, &info, &length) == 0) {
                out.programs.insert(info.id);
            }
        }
        bpf_map* map = nullptr;
        bpf_object__for_each_map(map, kept.object) {
            bpf_map_info info{};
            __u32 length = sizeof(info);
            const int fd = bpf_map__fd(map);
            if (fd >= 0 && bpf_obj_get_info_by_fd(fd, &info, &length) == 0)
                out.maps.insert(info.id);
        }
    }
    return out;
}

KernelViewPrograms::KernelViewPrograms(bool wanted,
                                       const std::function<bool(const std::string&)>& selected) {
    if (!wanted || !kernel_view::kernel_views_unavailable().empty()) return;
    // libbpf reads the kernel's BTF into two 5.5 MB buffers per load. glibc maps such blocks
    // and unmaps them at free, but after the first free it raises its threshold to their size,
    // and the next loads' buffers then come from the heap and stay in the peak. A fixed 1 MiB
    // threshold keeps every large block mapped (and the spooled buffers of other collectors too).
    // It stays for the rest of the process: one run, and a bounded peak is what irsnap wants.
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
