// SPDX-License-Identifier: Apache-2.0
// Internals of the Linux kernel_state collector, shared by its files.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "irsnap/collector.hpp"

namespace irsnap::collectors::kernel_state_impl {

/// Most kernel log records kept, and most bytes of message text: a ring buffer is a few MiB at
/// most, but a kernel built with a huge one (log_buf_len=) must not fill the bundle.
inline constexpr uint64_t k_max_log_records = 100000;
inline constexpr uint64_t k_max_log_bytes = uint64_t{64} << 20;

/// Escapes the record's host text, fills every undeclared field with null and emits it.
void emit(const Context& ctx, RecordSink& sink, nlohmann::json r,
          std::initializer_list<const char*> text_fields);

/// kind "ftrace_hook": tracefs's enabled_functions (kernel_state_ftrace_linux.cpp).
void collect_ftrace_hooks(const Context& ctx, RecordSink& sink);

/// kind "log": /dev/kmsg from its first record to its last (kernel_state_kmsg_linux.cpp).
void collect_kernel_log(const Context& ctx, RecordSink& sink);

}  // namespace irsnap::collectors::kernel_state_impl
