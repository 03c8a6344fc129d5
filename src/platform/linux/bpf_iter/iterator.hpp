// SPDX-License-Identifier: Apache-2.0
// Running one embedded BPF iterator: attach, create the iterator, read it to the end, close
// everything. Shared by the iterator readers in this folder.
#pragma once

#include <cstddef>
#include <string>

#include "irsnap/result.hpp"

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

/// Reads the whole output of the iterator program `program` (already loaded), at most
/// `max_bytes`: more is an error, not a silent cut. The link and the iterator's descriptor
/// are closed before it returns.
Result<std::string> read_iterator(bpf_program* program, const char* name, size_t max_bytes);

/// Reads the iterator descriptor `iter_fd` to its end, at most `max_bytes` (more is an error);
/// closes it.
Result<std::string> read_iterator_fd(int iter_fd, const char* name, size_t max_bytes);

/// An ItemError for a failed open/load of skeleton `name`, with errno `err` and libbpf's words.
ItemError load_error(const char* name, int err);

}  // namespace irsnap::bpf_iter
