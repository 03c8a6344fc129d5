// SPDX-License-Identifier: Apache-2.0
// The modules the kernel's symbol table names, read through a BPF iterator (iter/ksym, Linux
// 6.0 and later): a third module view beside /proc/modules and /sys/module. Parsing is pure
// (tested and fuzzed over bytes); running the iterator is src/platform/linux/bpf_iter/.
#pragma once

#include <cstddef>
#include <functional>
#include <set>
#include <string>
#include <string_view>

#include "irsnap/result.hpp"

namespace irsnap::kernel_view {

/// Parses the whole iter/ksym records at the start of `bytes`, calling `take` with each
/// record's module name, and returns the bytes used (a record cut at a chunk's end is left for
/// the next). A record of another size or kind is an error.
Result<size_t> parse_ksym_records(std::string_view bytes,
                                  const std::function<void(std::string_view module)>& take);

/// The symbol table's names for what is not a loadable module: BPF programs ("bpf"), ftrace
/// and kprobe trampolines ("__builtin__ftrace", "__builtin__kprobes").
bool is_pseudo_module(std::string_view name);

/// The loadable modules that own at least one symbol, from one iter/ksym read. Nothing stays
/// loaded. An error when the kernel has no iter/ksym (before 6.0) or refuses the program.
Result<std::set<std::string>> read_kernel_symbol_modules();

}  // namespace irsnap::kernel_view
