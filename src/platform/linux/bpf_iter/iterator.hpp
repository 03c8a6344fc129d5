// SPDX-License-Identifier: Apache-2.0
// Running one embedded BPF iterator: attach, create the iterator, read it to the end, close
// everything. Shared by the iterator readers in this folder.
#pragma once

#include <cerrno>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "irsnap/result.hpp"

struct bpf_object;
struct bpf_program;

namespace irsnap::bpf_iter {

/// The level of irsnap's own pid namespace (0: the initial one), from /proc/self/status NSpid:
/// the iterators number tasks as irsnap's namespace does.
unsigned own_pid_ns_level();

/// libbpf's last messages of this thread (it reports why a load failed only through its print
/// callback), one line, for the error a failed load becomes.
std::string libbpf_messages();

/// Routes libbpf's printing into libbpf_messages() instead of stderr: nothing from libbpf
/// reaches the responder's terminal.
void capture_libbpf_output();

/// Feeds the output of the iterator program `program` (already loaded) to `take` chunk by chunk
/// (a record may be split between two chunks) until the end or until `take` returns false: the
/// memory stays one buffer however much the kernel lists. The link and the iterator's descriptor
/// are closed before it returns; nullopt when the iterator ran to the end or was stopped.
std::optional<ItemError> stream_iterator(bpf_program* program, const char* name,
                                         const std::function<bool(std::string_view)>& take);

/// Reads the whole output of the iterator program `program` (already loaded), at most
/// `max_bytes`: more is an error, not a silent cut. The link and the iterator's descriptor
/// are closed before it returns.
Result<std::string> read_iterator(bpf_program* program, const char* name, size_t max_bytes);

/// Reads the iterator descriptor `iter_fd` to its end, at most `max_bytes` (more is an error);
/// closes it.
Result<std::string> read_iterator_fd(int iter_fd, const char* name, size_t max_bytes);

/// An ItemError for a failed open/load of skeleton `name`, with errno `err` and libbpf's words.
ItemError load_error(const char* name, int err);

/// The run's loaded programs by iterator name ("iter/task" ...): kept by KernelViewPrograms,
/// taken by the readers (preload.cpp).
std::shared_ptr<void> preloaded(const std::string& name);
void keep_preloaded(const std::string& name, std::shared_ptr<void> skeleton, bpf_object* object);
void drop_preloaded();

/// A skeleton of type S opened, configured and loaded, or the run's preloaded one; destroyed
/// when the last holder lets go. `configure` runs between open and load (read-only data).
template <class S>
Result<std::shared_ptr<S>> load_skeleton(const char* name, S* (*open)(), int (*load)(S*),
                                         void (*destroy)(S*),
                                         const std::function<void(S*)>& configure = {}) {
    if (auto kept = preloaded(name)) return std::static_pointer_cast<S>(kept);
    capture_libbpf_output();
    S* skeleton = open();
    if (!skeleton) return load_error(name, errno);
    if (configure) configure(skeleton);
    if (load(skeleton) != 0) {
        const int err = errno;
        destroy(skeleton);
        return load_error(name, err);
    }
    return std::shared_ptr<S>(skeleton, destroy);
}

/// Load each program into the run's preloaded set (task_iter.cpp, handles_iter.cpp,
/// ksym_iter.cpp, sockets_iter.cpp); a failure leaves it out.
void preload_task_program();
void preload_task_file_program();
void preload_ksym_program();
void preload_socket_programs();

}  // namespace irsnap::bpf_iter
