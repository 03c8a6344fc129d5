// SPDX-License-Identifier: Apache-2.0
// kind "ftrace_hook": every kernel function ftrace has a hook on, with the callbacks and the
// modules they belong to, from tracefs's enabled_functions. A rootkit that hooks getdents64
// through ftrace and then unlinks itself from the module list, sysfs and the symbol table is
// still named here by its callback's module (docs/kernel-lab.md, scenario module-hide-notrace).
#include <fcntl.h>

#include <cerrno>

#include <fmt/format.h>

#include "irsnap/linux/fd_util.hpp"
#include "irsnap/linux/ftrace_hooks.hpp"
#include "irsnap/linux/procfs.hpp"
#include "kernel_state_walk.hpp"

namespace irsnap::collectors::kernel_state_impl {
namespace {

using nlohmann::json;

/// Every hook is a line; a host tracing every function has tens of thousands.
constexpr size_t k_max_enabled_functions_bytes = size_t{16} << 20;

/// Where the host has tracefs mounted, from our own mountinfo; "" when nowhere. Only a mounted
/// instance is read through its path: touching /sys/kernel/debug/tracing while tracefs is not
/// mounted makes the kernel automount it there, a change to the host's mount table.
std::string mounted_tracefs() {
    auto text = posix::read_file_at(AT_FDCWD, "/proc/self/mountinfo");
    if (!text) return {};
    for (const auto& m : procfs::parse_proc_pid_mountinfo(*text)) {
        if (m.fs_type == "tracefs") return m.mount_point;
    }
    return {};
}

/// enabled_functions from the host's tracefs mount, else from a private instance. `source`
/// names what was read; the error says why nothing could be.
Result<std::string> read_enabled_functions(std::string& source, bool& truncated) {
    const std::string mounted = mounted_tracefs();
    if (!mounted.empty()) {
        source = mounted + "/enabled_functions";
        auto text =
            posix::read_file_at(AT_FDCWD, source, k_max_enabled_functions_bytes, &truncated);
        if (!text) return text.error().at(source);
        return text;
    }
    auto tracefs = ftrace::private_tracefs();
    if (!tracefs) return tracefs.error();
    source = "tracefs (a private instance: the host has not mounted it)";
    auto text = posix::read_file_at(tracefs->get(), "enabled_functions",
                                    k_max_enabled_functions_bytes, &truncated);
    if (!text) return text.error().at("enabled_functions");
    return text;
}

}  // namespace

void collect_ftrace_hooks(const Context& ctx, RecordSink& sink) {
    if (!ctx.live_proc()) return;  // the running kernel's hooks: nothing to read for an image
    std::string source;
    bool truncated = false;
    auto text = read_enabled_functions(source, truncated);
    if (!text) {
        const auto& e = text.error();
        // EPERM on open: kernel lockdown (confidentiality) or an LSM closes tracefs even to root.
        sink.coverage(fmt::format(
            "ftrace hooks not read ({}: {}{}): hooks on kernel functions are not listed", e.stage,
            e.message.empty() ? e.text() : e.message,
            e.code == EPERM ? "; kernel lockdown or an LSM refuses tracefs reads" : ""));
        return;
    }
    sink.view("ftrace");
    if (truncated) {
        sink.coverage(fmt::format("ftrace hooks: {} is longer than {} MiB; the rest is not listed",
                                  source, k_max_enabled_functions_bytes >> 20));
    }
    size_t malformed = 0;
    for (auto& hook : ftrace::parse_enabled_functions(*text, &malformed)) {
        if (ctx.should_stop()) break;
        json r = {
            {"kind", "ftrace_hook"},       {"name", hook.function},    {"path", source},
            {"status", "present"},         {"hook_count", hook.count}, {"hook_flags", hook.flags},
            {"callbacks", hook.callbacks}, {"modules", hook.modules}};
        emit(ctx, sink, std::move(r), {"name"});
    }
    if (malformed > 0) {
        sink.item_error(ItemError::without_code("parse", source,
                                                fmt::format("{} malformed line(s)", malformed)));
    }
}

}  // namespace irsnap::collectors::kernel_state_impl
