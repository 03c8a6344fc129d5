// SPDX-License-Identifier: Apache-2.0
// Programs the kernel itself starts, as root and with no unit or crontab to show for it: the
// core_pattern pipe (on every crash), kernel.modprobe (on request_module), the uevent helper (on
// every device event) and binfmt_misc interpreters (on exec of a matching file). An intruder who
// can write /proc/sys persists here without touching a file the other walkers read.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

#include "autoruns_walk.hpp"
#include "irsnap/linux/autoruns_parsers.hpp"
#include "irsnap/linux/fd_util.hpp"
#include "irsnap/linux/kernel_state.hpp"
#include "irsnap/linux/procfs.hpp"

namespace irsnap::collectors::autoruns_impl {
namespace {

using nlohmann::json;

/// A file under the proc root as a Source named as the host names it ("/proc/sys/..."). Missing
/// is silent (an older kernel, or no binfmt_misc mount); other failures are item errors.
std::optional<Source> read_proc(Walker& w, const std::string& relative) {
    const std::string real = (w.ctx().proc_root / relative).string();
    Source src;
    src.path = "/proc/" + relative;
    src.kernel_file = true;
    auto fail = [&](const char* stage, int error) -> std::optional<Source> {
        if (error != ENOENT && error != ENOTDIR) {
            w.sink().item_error(ItemError::from_errno(stage, error, real));
        }
        return std::nullopt;
    };
    if (::stat(real.c_str(), &src.st) != 0) return fail("stat", errno);
    if (!S_ISREG(src.st.st_mode)) return std::nullopt;
    auto text = posix::read_file_at(AT_FDCWD, real, 65536);
    if (!text) return fail("read", text.error().code);
    src.text = std::move(*text);
    return src;
}

/// A one-line value naming a program, e.g. /proc/sys/kernel/modprobe.
void one_program(Walker& w, const Source& src, const char* category) {
    const std::string value = procfs::parse_proc_sys_value(src.text);
    if (value.empty()) return;  // the kernel runs nothing
    Entry e;
    e.category = category;
    e.line = 1;
    e.user = "root";
    e.command = value;
    e.program = value;
    e.target = TargetRule::path_only;  // the kernel execs it as written, with no PATH search
    w.add(src, std::move(e));
}

void core_pattern(Walker& w) {
    auto src = read_proc(w, "sys/kernel/core_pattern");
    if (!src) return;
    auto command = autoruns::core_pattern_pipe_command(src->text);
    if (!command) return;  // a file name pattern: the kernel writes, it runs nothing
    Entry e;
    e.category = "core_pattern";
    e.line = 1;
    e.user = "root";
    e.command = *command;
    e.program = autoruns::command_program(*command);
    e.target = TargetRule::path_only;
    w.add(*src, std::move(e));
}

void uevent_helper(Walker& w) {
    // Two names for one kernel variable: sysfs first, the sysctl when sysfs is not there.
    auto src = w.read("/sys/kernel/uevent_helper");
    if (src) src->kernel_file = true;
    if (!src) src = read_proc(w, "sys/kernel/hotplug");
    if (src) one_program(w, *src, "uevent_helper");
}

/// systemd mounts binfmt_misc on demand: /proc/sys/fs/binfmt_misc is an autofs trigger until
/// then, and opening it would mount the file system, a change on the host. True when the newest
/// mount there is that trigger (no entry can be registered before the mount). A tree without a
/// mount table (a fixture) is read as it is.
bool binfmt_misc_is_untriggered_automount(Walker& w) {
    const auto path = w.ctx().proc_root / "self/mountinfo";
    auto text = posix::read_file_at(AT_FDCWD, path.string(), 16u << 20);
    if (!text) return false;
    std::string top;
    for (const auto& m : procfs::parse_proc_pid_mountinfo(*text)) {
        if (m.mount_point == "/proc/sys/fs/binfmt_misc") top = m.fs_type;
    }
    return top == "autofs";
}

void binfmt_misc(Walker& w) {
    if (binfmt_misc_is_untriggered_automount(w)) {
        w.sink().coverage(
            "binfmt_misc not read: /proc/sys/fs/binfmt_misc is an automount not yet "
            "triggered (opening it would mount binfmt_misc); no interpreter is registered "
            "until it is mounted");
        return;
    }
    const std::string dir = (w.ctx().proc_root / "sys/fs/binfmt_misc").string();
    auto opened = posix::open_dir_at(AT_FDCWD, dir);
    if (!opened) {
        if (opened.error().code != ENOENT) w.sink().item_error(opened.error().at(dir));
        return;
    }
    DIR* d = ::fdopendir(opened->release());
    if (!d) return;
    std::vector<std::string> names;
    while (dirent* entry = ::readdir(d)) {
        const std::string name = entry->d_name;
        // register is the write-only control file, status the global switch.
        if (name != "." && name != ".." && name != "register" && name != "status")
            names.push_back(name);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    std::optional<bool> all_enabled;
    if (auto status = read_proc(w, "sys/fs/binfmt_misc/status"))
        all_enabled = procfs::parse_proc_sys_value(status->text) == "enabled";
    for (const auto& name : names) {
        if (w.ctx().should_stop()) return;
        auto src = read_proc(w, "sys/fs/binfmt_misc/" + name);
        if (!src) continue;
        const auto entry = autoruns::parse_binfmt_misc_entry(src->text);
        w.malformed(*src, entry.malformed);
        Entry e;
        e.category = "binfmt_misc";
        e.command = entry.interpreter;  // run as whoever executes a matching file
        e.program = entry.interpreter;
        e.target = TargetRule::path_only;
        if (entry.enabled) e.enabled = *entry.enabled && all_enabled.value_or(true);
        e.details = {{"name", name}, {"flags", entry.flags}};
        if (entry.offset) e.details["offset"] = *entry.offset;
        if (!entry.magic.empty()) e.details["magic"] = entry.magic;
        if (!entry.mask.empty()) e.details["mask"] = entry.mask;
        if (!entry.extension.empty()) e.details["extension"] = entry.extension;
        if (all_enabled) e.details["binfmt_misc_enabled"] = *all_enabled;
        w.add(*src, std::move(e));
    }
}

}  // namespace

void walk_kernel_helpers(Walker& w) {
    core_pattern(w);
    if (auto src = read_proc(w, "sys/kernel/modprobe")) one_program(w, *src, "kernel_modprobe");
    uevent_helper(w);
    binfmt_misc(w);
}

}  // namespace irsnap::collectors::autoruns_impl
