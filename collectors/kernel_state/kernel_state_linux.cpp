// SPDX-License-Identifier: Apache-2.0
// kind "setting": the security sysctls, the taint mask and the lockdown mode. Each is one small
// file; a missing one is a fact about the kernel (older, or built without the feature), so it
// is a record with status "absent", never an error.
#include <fcntl.h>

#include <cerrno>

#include "irsnap/linux/fd_util.hpp"
#include "irsnap/linux/kernel_state.hpp"
#include "irsnap/linux/proc_modules.hpp"
#include "irsnap/text.hpp"
#include "kernel_state.hpp"
#include "kernel_state_walk.hpp"

namespace irsnap::collectors {
namespace kernel_state_impl {

using nlohmann::json;

void emit(const Context&, RecordSink& sink, json r, std::initializer_list<const char*> fields) {
    json escaped = json::array();
    for (const char* field : fields) {
        if (!r.contains(field) || !r[field].is_string()) continue;
        bool was_escaped = false;
        r[field] = escape_bytes(r[field].get_ref<const std::string&>(), was_escaped);
        if (was_escaped) escaped.push_back(field);
    }
    if (!escaped.empty()) r["escaped_fields"] = std::move(escaped);
    null_missing_fields(r, kernel_state_spec(), "linux");
    sink.emit(r);
}

namespace {

struct Setting {
    const char* name;  ///< sysctl name; its file is /proc/sys/ with '.' as '/'
    const char* why;
};

// Each is a switch an intruder turns to load code, hide it or read kernel memory.
constexpr Setting k_settings[] = {
    {"kernel.tainted", "taint mask: set when foreign code loaded or the kernel warned"},
    {"kernel.modules_disabled", "1: no module can load until reboot"},
    {"kernel.kptr_restrict", "0: kernel addresses shown to every user (helps exploits)"},
    {"kernel.dmesg_restrict", "0: every user reads the kernel log"},
    {"kernel.unprivileged_bpf_disabled", "0: any user may load BPF programs"},
    {"kernel.yama.ptrace_scope", "0: any process may trace another of the same user"},
    {"kernel.kexec_load_disabled", "1: no new kernel can be loaded with kexec"},
    {"kernel.perf_event_paranoid", "below 2: users profile the kernel"},
    {"kernel.randomize_va_space", "below 2: address space layout randomisation weakened"},
    {"kernel.sysrq", "magic SysRq functions allowed (bit mask; 1 all)"},
    {"net.core.bpf_jit_enable", "BPF JIT on (1) or off (0)"},
    {"net.core.bpf_jit_harden", "0: JIT spraying not mitigated"},
};

std::string sysctl_path(std::string_view name) {
    std::string path = "sys/";
    for (char c : name) path += c == '.' ? '/' : c;
    return path;
}

/// The common part of a setting record; `text` unset: `error` says why (ENOENT: absent).
json setting_record(const std::string& name, const std::string& host_path, const char* why,
                    const Result<std::string>& text) {
    json r = {{"kind", "setting"}, {"name", name}, {"path", host_path}, {"note", why}};
    if (text) {
        r["status"] = "present";
        return r;
    }
    const int code = text.error().code;
    r["status"] = code == ENOENT || code == ENOTDIR ? "absent"
                  : posix::is_denied_errno(code)    ? "denied"
                                                    : "error";
    r["note"] =
        std::string(why) + (r["status"] == "absent" ? "; absent: this kernel has no such setting"
                                                    : "; not read: " + text.error().message);
    return r;
}

void collect_sysctls(const Context& ctx, RecordSink& sink) {
    for (const auto& s : k_settings) {
        if (ctx.should_stop()) return;
        const std::string rel = sysctl_path(s.name);
        const auto text = posix::read_file_at(AT_FDCWD, (ctx.proc_root / rel).string(), 4096);
        json r = setting_record(s.name, "/proc/" + rel, s.why, text);
        if (text) {
            r["value"] = procfs::parse_proc_sys_value(*text);
            if (auto n = procfs::parse_proc_sys_integer(*text)) r["value_int"] = *n;
            if (std::string_view(s.name) == "kernel.tainted") {
                json flags = json::array();
                if (auto mask = procfs::parse_proc_sys_kernel_tainted(*text)) {
                    for (const auto& f : procfs::decode_kernel_taint(*mask)) {
                        flags.push_back({{"bit", f.bit},
                                         {"letter", std::string(1, f.letter)},
                                         {"meaning", f.meaning}});
                    }
                }
                r["taint_flags"] = std::move(flags);
            }
        } else if (r["status"] == "denied" || r["status"] == "error") {
            sink.item_error(text.error().at((ctx.proc_root / rel).string()));
        }
        emit(ctx, sink, std::move(r), {"value"});
    }
}

void collect_lockdown(const Context& ctx, RecordSink& sink) {
    const auto path = ctx.host_path("sys/kernel/security/lockdown");
    const auto text = posix::read_file_at(AT_FDCWD, path.string(), 4096);
    json r =
        setting_record("security.lockdown", "/sys/kernel/security/lockdown",
                       "integrity or confidentiality: root cannot change the running kernel", text);
    if (text) {
        std::vector<std::string> modes;
        auto current = procfs::parse_sys_kernel_security_lockdown(*text, &modes);
        r["value"] = current ? json(*current) : json(nullptr);
        r["lockdown_modes"] = modes;
        if (!current) r["note"] = "no bracketed mode in the file";
    } else if (r["status"] == "absent") {
        r["note"] = "securityfs not mounted, or a kernel without the lockdown LSM";
    } else {
        sink.item_error(text.error().at(path.string()));
    }
    emit(ctx, sink, std::move(r), {"value"});
}

}  // namespace
}  // namespace kernel_state_impl

void collect_kernel_state(const Context& ctx, RecordSink& sink) {
    using namespace kernel_state_impl;
    collect_sysctls(ctx, sink);
    if (!ctx.should_stop()) collect_lockdown(ctx, sink);
    if (!ctx.should_stop()) collect_ftrace_hooks(ctx, sink);
    if (!ctx.should_stop()) collect_kernel_log(ctx, sink);
}

}  // namespace irsnap::collectors
