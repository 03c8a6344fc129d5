// SPDX-License-Identifier: Apache-2.0
// ld.so.preload, kernel module loading and modprobe hooks, udev rules, XDG autostart entries and
// SSH authorized_keys.
#include <fcntl.h>

#include <system_error>

#include "autoruns_walk.hpp"
#include "irsnap/linux/autoruns_parsers.hpp"

namespace irsnap::collectors::autoruns_impl {
namespace {

using nlohmann::json;

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

/// Calls `fn(source)` for every `*<suffix>` file of `dirs`, in order, once per canonical dir.
template <typename Fn>
void for_each_file(Walker& w, std::initializer_list<const char*> dirs, const char* tag,
                   std::string_view suffix, Fn&& fn) {
    for (const char* dir : dirs) {
        std::string canonical;
        for (const auto& name : w.list(dir, tag, canonical)) {
            if (w.ctx().should_stop()) return;
            if (!ends_with(name, suffix)) continue;
            if (auto src = w.read(child_path(canonical, name))) fn(*src);
        }
    }
}

/// What a library /etc/ld.so.preload names hooks, read inside the host root. The loader
/// searches for a name that is not a path; irsnap does not guess where it would find it.
PreloadScan scan_preload(Walker& w, PreloadScanCache& libraries, const std::string& name) {
    if (name.empty() || name.front() != '/') {
        return {.note = "not read: not an absolute path (the loader searches for it)"};
    }
    int error = 0;
    auto resolved = w.fs().resolve(name, error);
    if (!resolved) return {.note = "not read: " + std::generic_category().message(error)};
    return libraries.scan_at(AT_FDCWD, w.fs().real(*resolved));
}

void emit_modules(Walker& w, const Source& src) {
    for (auto& m : autoruns::parse_modules_list(src.text)) {
        Entry e;
        e.category = "kernel_module";
        e.line = m.line;
        e.user = "root";
        e.command = m.rest.empty() ? m.value : m.value + " " + m.rest;
        e.details = {{"module", m.value}};
        if (!m.rest.empty()) e.details["arguments"] = m.rest;
        w.add(src, std::move(e));
    }
}

}  // namespace

void walk_preload_and_modules(Walker& w) {
    if (auto src = w.read("/etc/ld.so.preload")) {
        PreloadScanCache libraries;  // a library listed twice is read once
        for (auto& lib : autoruns::parse_ld_so_preload(src->text)) {
            Entry e;
            e.preload = scan_preload(w, libraries, lib.value);
            e.category = "ld_so_preload";
            e.line = lib.line;
            e.command = lib.value;  // loaded into every dynamically linked process, any user
            e.target = TargetRule::path_only;
            w.add(*src, std::move(e));
        }
    }
    if (auto src = w.read("/etc/modules")) emit_modules(w, *src);
    for_each_file(w,
                  {"/etc/modules-load.d", "/run/modules-load.d", "/usr/local/lib/modules-load.d",
                   "/usr/lib/modules-load.d", "/lib/modules-load.d"},
                  "modules-load.d", ".conf", [&](const Source& src) { emit_modules(w, src); });
    for_each_file(w,
                  {"/etc/modprobe.d", "/run/modprobe.d", "/usr/lib/modprobe.d", "/lib/modprobe.d"},
                  "modprobe.d", ".conf", [&](const Source& src) {
                      auto conf = autoruns::parse_modprobe_conf(src.text);
                      w.malformed(src, conf.malformed);
                      for (auto& h : conf.hooks) {
                          Entry e;
                          e.category = "modprobe_hook";
                          e.line = h.line;
                          e.user = "root";
                          e.command = h.command;
                          e.details = {{"hook", h.hook}, {"module", h.module}};
                          e.target = TargetRule::command;
                          w.add(src, std::move(e));
                      }
                  });
}

void walk_udev(Walker& w) {
    for_each_file(
        w, {"/etc/udev/rules.d", "/run/udev/rules.d", "/usr/lib/udev/rules.d", "/lib/udev/rules.d"},
        "udev", ".rules", [&](const Source& src) {
            auto rules = autoruns::parse_udev_rules(src.text);
            w.malformed(src, rules.malformed);
            for (const auto& rule : rules.rules) {
                std::string match;
                for (const auto& p : rule.pairs) {
                    if (p.op != "==" && p.op != "!=") continue;
                    if (!match.empty()) match += ", ";
                    match += p.key + p.op + "\"" + p.value + "\"";
                }
                for (const auto& p : rule.pairs) {
                    if (!autoruns::udev_key_executes(p.key)) continue;
                    Entry e;
                    e.category = "udev_rule";
                    e.line = rule.line;
                    e.user = "root";
                    e.command = p.value;
                    e.details = {{"key", p.key}, {"operator", p.op}, {"match", match}};
                    // RUN{builtin} names udevd's own code, not a file.
                    e.target = p.key == "RUN{builtin}" ? TargetRule::none : TargetRule::udev;
                    w.add(src, std::move(e));
                }
            }
        });
}

void walk_xdg_autostart(Walker& w) {
    auto walk_dir = [&](const std::string& dir, const Account* account) {
        std::string canonical;
        for (const auto& name : w.list(dir, "autostart", canonical)) {
            if (w.ctx().should_stop()) return;
            if (!ends_with(name, ".desktop")) continue;
            auto src = w.read(child_path(canonical, name));
            if (!src) continue;
            auto entry = autoruns::parse_desktop_entry(src->text);
            w.malformed(*src, entry.malformed + (entry.has_group ? 0 : 1));
            auto value = [&](const char* key) -> std::optional<std::string> {
                auto it = entry.keys.find(key);
                if (it == entry.keys.end()) return std::nullopt;
                return it->second;
            };
            Entry e;
            e.category = "xdg_autostart";
            if (auto it = entry.lines.find("Exec"); it != entry.lines.end()) e.line = it->second;
            if (account) {
                e.user = account->name;
                e.uid = account->uid;
            }
            e.command = value("Exec");
            const bool hidden = value("Hidden") == "true";
            const bool gnome_off = value("X-GNOME-Autostart-enabled") == "false";
            e.enabled = !hidden && !gnome_off;
            for (const char* key : {"Name", "Hidden", "X-GNOME-Autostart-enabled", "OnlyShowIn",
                                    "NotShowIn", "TryExec"}) {
                if (auto v = value(key)) e.details[key] = *v;
            }
            e.target = TargetRule::command;
            w.add(*src, std::move(e));
        }
    };
    walk_dir("/etc/xdg/autostart", nullptr);
    for (const auto& account : w.accounts())
        walk_dir(account.home + "/.config/autostart", &account);
}

void walk_ssh_keys(Walker& w) {
    for (const auto& account : w.accounts()) {
        for (const char* file : {"authorized_keys", "authorized_keys2"}) {
            if (w.ctx().should_stop()) return;
            auto src = w.read(account.home + "/.ssh/" + file);
            if (!src) continue;
            auto keys = autoruns::parse_authorized_keys(src->text);
            w.malformed(*src, keys.malformed);
            for (const auto& k : keys.keys) {
                Entry e;
                e.category = "ssh_authorized_key";
                e.line = k.line;
                e.user = account.name;
                e.uid = account.uid;
                e.command = k.text;
                json options = json::object();
                for (const auto& [name, value] : k.options) {
                    if (value) {
                        options[name] = *value;
                    } else {
                        options[name] = true;
                    }
                    // A forced command is what runs when this key logs in.
                    if (name == "command" && value) {
                        e.program = autoruns::command_program(*value);
                        e.target = TargetRule::command;
                    }
                }
                const std::string fp = autoruns::ssh_key_fingerprint(k.key_base64);
                e.details = {{"key_type", k.key_type},
                             {"comment", k.comment},
                             {"options", options},
                             {"fingerprint", fp.empty() ? json(nullptr) : json(fp)}};
                w.add(*src, std::move(e));
            }
        }
    }
}

}  // namespace irsnap::collectors::autoruns_impl
