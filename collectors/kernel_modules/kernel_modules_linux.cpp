// SPDX-License-Identifier: Apache-2.0
// Kernel modules, two views compared: the module list (/proc/modules) and sysfs (/sys/module).
// A rootkit that unlinks itself from the list usually forgets its kobject, and the reverse.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/hash_window.hpp"
#include "irsnap/hash_cache.hpp"
#include "irsnap/linux/fd_util.hpp"
#include "irsnap/linux/hash_open.hpp"
#include "irsnap/linux/kernel_symbols.hpp"
#include "irsnap/linux/kernel_tasks.hpp"
#include "irsnap/linux/proc_modules.hpp"
#include "irsnap/text.hpp"
#include "kernel_modules.hpp"

namespace irsnap::collectors {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr size_t k_module_hash_window = 64;

/// A small sysfs or proc value without its trailing newline; nullopt when unreadable.
std::optional<std::string> read_value(const fs::path& path) {
    auto text = posix::read_file_at(AT_FDCWD, path.string(), 4096);
    if (!text) return std::nullopt;
    std::string value = std::move(*text);
    while (!value.empty() && (value.back() == '\n' || value.back() == ' ')) value.pop_back();
    return value;
}

json value_or_null(const std::optional<std::string>& value) {
    return value ? json(*value) : json(nullptr);
}

/// What the kernel says about modules, as the kernel record's module_support.
constexpr const char* k_no_module_support = "kernel built without module support";

/// /proc/modules as a list; `present` false when the file does not exist.
struct ProcView {
    bool present = false;
    std::vector<procfs::ProcModule> modules;
};

/// Problems are reported only when `report` (the re-read must not report them twice).
ProcView read_proc_modules(const Context& ctx, RecordSink& sink, bool report) {
    ProcView view;
    const std::string path = (ctx.proc_root / "modules").string();
    auto text = posix::read_file_at(AT_FDCWD, path, 64u << 20);
    if (!text) {
        // Absent is decided by the caller (no module support, or a hidden list); anything else
        // (denied, a FIFO or device in a copied tree, a read error) is an error.
        if (text.error().code != ENOENT) {
            view.present = true;
            if (report) sink.item_error(text.error().at(path));
        }
        return view;
    }
    view.present = true;
    size_t malformed = 0;
    view.modules = procfs::parse_proc_modules(*text, &malformed);
    if (malformed > 0 && report) {
        sink.item_error(ItemError::without_code(
            "parse", path, fmt::format("{} malformed line(s) skipped", malformed)));
    }
    return view;
}

/// Names under /sys/module that are loadable modules (they have `initstate`; built-in code
/// with parameters has a directory too, without it). nullopt when sysfs is not readable.
std::optional<std::set<std::string>> read_sys_modules(const fs::path& sys_module) {
    auto opened = posix::open_dir_at(AT_FDCWD, sys_module.string());
    if (!opened) return std::nullopt;
    DIR* dir = fdopendir(opened->release());
    if (!dir) return std::nullopt;
    std::set<std::string> names;
    while (dirent* entry = readdir(dir)) {
        std::string name = entry->d_name;
        if (name == "." || name == "..") continue;
        if (::faccessat(::dirfd(dir), (name + "/initstate").c_str(), F_OK, 0) == 0) {
            names.insert(name);
        }
    }
    closedir(dir);
    return names;
}

class KernelModulesCollector {
  public:
    KernelModulesCollector(const Context& ctx, RecordSink& sink)
        : m_ctx(ctx),
          m_sink(sink),
          m_window(sink, k_module_hash_window, "sha256", "hash_note"),
          m_sys_module(ctx.host_path("sys/module")) {
        m_window.check_packages(ctx, "file_");
    }

    void run() {
        const auto release = read_value(m_ctx.proc_root / "sys/kernel/osrelease");
        ProcView proc = read_proc_modules(m_ctx, m_sink, true);
        const std::string support = module_support(proc.present);
        emit_kernel_record(release, support);
        if (support.empty()) {
            const std::string path = (m_ctx.proc_root / "modules").string();
            m_sink.item_error(ItemError::from_errno(
                "open", ENOENT, path,
                "absent, yet the kernel has module support (" +
                    (m_ctx.proc_root / "sys/kernel/modules_disabled").string() +
                    " exists): the module list is hidden or the proc root is "
                    "not a kernel's"));
        }
        const auto sys = read_sys_modules(m_sys_module);
        // Without module support no loadable module can exist: no cross-view is missing.
        if (!sys && support != k_no_module_support) {
            m_sink.coverage("sysfs module view not readable (" + m_sys_module.string() +
                            "): the cross-view check was skipped");
        }
        m_sink.view("proc");
        if (sys) m_sink.view("sysfs");
        // The running kernel's table: nothing to ask for a copied or mounted proc tree. Read even
        // without module support (a few ms: a check that the table names no module), but then
        // its absence is no missing coverage.
        if (m_ctx.live_proc()) m_symbols = read_symbol_modules(support != k_no_module_support);
        // Wanted when there is a module to locate: an empty list needs no modules.dep.
        load_modules_dep(release, !proc.modules.empty() || (sys && !sys->empty()) ||
                                      (m_symbols && !m_symbols->empty()));

        std::set<std::string> in_proc;
        for (const auto& m : proc.modules) in_proc.insert(m.name);
        for (const auto& m : proc.modules) {
            if (m_ctx.should_stop()) break;
            emit_listed(m, sys);
        }
        if (sys) {
            // Re-read the list before calling a sysfs-only module hidden: it may just have loaded.
            std::set<std::string> again = in_proc;
            if (proc.present) {
                for (const auto& m : read_proc_modules(m_ctx, m_sink, false).modules)
                    again.insert(m.name);
            }
            for (const auto& name : *sys) {
                if (m_ctx.should_stop()) break;
                if (!again.count(name)) emit_sysfs_only(name);
            }
            m_relisted = std::move(again);
        }
        if (m_symbols) {
            // The list read again after the symbol table, so a module loaded in between is not
            // taken for one hidden from the list (done above when sysfs was read).
            if (!m_relisted) {
                m_relisted = in_proc;
                if (proc.present) {
                    for (const auto& m : read_proc_modules(m_ctx, m_sink, false).modules)
                        m_relisted->insert(m.name);
                }
            }
            emit_symbols_only(*m_relisted, sys);
        }
        m_window.flush();
    }

  private:
    /// The kernel's module support as a fact: /proc/modules and
    /// /proc/sys/kernel/modules_disabled both exist exactly when the kernel was built with
    /// CONFIG_MODULES. Neither: a kernel without modules, nothing missing (status stays ok).
    /// The list alone gone: "" (the caller reports it, it is not a fact about the kernel).
    std::string module_support(bool list_present) const {
        const auto disabled = read_value(m_ctx.proc_root / "sys/kernel/modules_disabled");
        const bool knob =
            disabled.has_value() ||
            ::access((m_ctx.proc_root / "sys/kernel/modules_disabled").c_str(), F_OK) == 0;
        if (!list_present && !knob) return k_no_module_support;
        if (!list_present) return {};
        if (disabled == "1")
            return "loadable modules; loading disabled until reboot "
                   "(modules_disabled = 1)";
        return "loadable modules";
    }

    void emit_kernel_record(const std::optional<std::string>& release, const std::string& support) {
        json r = json::object();
        r["kind"] = "kernel";
        bool release_escaped = false;
        r["kernel_release"] =
            release ? json(escape_bytes(*release, release_escaped)) : json(nullptr);
        if (release_escaped) r["escaped_fields"] = json::array({"kernel_release"});
        r["loadable_modules"] = support != k_no_module_support;
        r["module_support"] = support.empty() ? json(nullptr) : json(support);
        r["tainted"] = nullptr;
        r["taint_flags"] = nullptr;
        const auto path = m_ctx.proc_root / "sys/kernel/tainted";
        auto text = posix::read_file_at(AT_FDCWD, path.string(), 4096);
        auto mask = text ? procfs::parse_proc_sys_kernel_tainted(*text) : std::nullopt;
        if (mask) {
            r["tainted"] = *mask;
            json flags = json::array();
            for (const auto& f : procfs::decode_kernel_taint(*mask)) {
                flags.push_back(
                    {{"bit", f.bit}, {"letter", std::string(1, f.letter)}, {"meaning", f.meaning}});
            }
            r["taint_flags"] = std::move(flags);
        } else if (text) {
            m_sink.item_error(ItemError::without_code("parse", path.string(), "not a taint mask"));
        }
        // Every declared field in every record: the module fields are null in the kernel record
        // (there is no module), never absent.
        null_missing_fields(r, kernel_modules_spec(), "linux");
        m_sink.emit(r);
    }

    void load_modules_dep(const std::optional<std::string>& release, bool wanted) {
        if (!release || release->empty() || release->find('/') != std::string::npos) return;
        m_modules_dir = "/lib/modules/" + *release;
        const auto path = m_ctx.host_path(m_modules_dir.substr(1) + "/modules.dep");
        auto text = posix::read_file_at(AT_FDCWD, path.string(), 64u << 20);
        if (!text) {
            if (wanted) {
                m_sink.coverage("modules.dep not readable (" + path.string() +
                                "): module files are not located or hashed");
            }
            return;
        }
        size_t malformed = 0;
        m_dep = procfs::parse_modules_dep(*text, &malformed);
        if (malformed > 0) {
            m_sink.item_error(ItemError::without_code(
                "parse", path.string(), fmt::format("{} malformed line(s) skipped", malformed)));
        }
    }

    json base_record(const std::string& name) {
        json r = json::object();
        r["kind"] = "module";
        r["name"] = name;
        r["in_kernel_symbols"] = m_symbols ? json(m_symbols->count(name) > 0) : json(nullptr);
        return r;
    }

    /// The modules the kernel's symbol table names (iter/ksym), or nullopt with the reason in
    /// coverage (when `wanted`): --no-bpf, no BTF, not root, a kernel before 6.0.
    std::optional<std::set<std::string>> read_symbol_modules(bool wanted) {
        std::string why = m_ctx.params.bpf ? kernel_view::kernel_views_unavailable() : "--no-bpf";
        if (why.empty()) {
            auto modules = kernel_view::read_kernel_symbol_modules();
            if (modules) {
                m_sink.view("iter/ksym");
                return std::move(*modules);
            }
            why =
                modules.error().message.empty() ? modules.error().text() : modules.error().message;
        }
        if (wanted) {
            m_sink.coverage("kernel symbol table (iter/ksym) not read (" + why +
                            "): modules compared between /proc/modules and /sys/module only");
        }
        return std::nullopt;
    }

    /// Modules whose symbols the kernel holds that neither the (re-read) module list nor sysfs
    /// shows: a module that unlinked itself from both still has its code in the symbol table.
    void emit_symbols_only(const std::set<std::string>& listed,
                           const std::optional<std::set<std::string>>& sys) {
        for (const auto& name : *m_symbols) {
            if (m_ctx.should_stop()) break;
            if (listed.count(name) || (sys && sys->count(name))) continue;
            if (::access((m_sys_module / name).c_str(), F_OK) == 0) continue;  // just loaded
            json r = base_record(name);
            for (const char* field : {"size", "refcount", "used_by", "permanent", "state",
                                      "address", "taint", "srcversion", "version"}) {
                r[field] = nullptr;
            }
            r["in_proc_modules"] = false;
            r["in_sys_module"] = sys ? json(false) : json(nullptr);
            r["cross_view_discrepancy"] = true;
            r["discrepancy"] =
                "symbols in the kernel's symbol table (iter/ksym) but in neither /proc/modules "
                "nor /sys/module";
            queue_with_file(name, std::move(r));
        }
    }

    void emit_listed(const procfs::ProcModule& m, const std::optional<std::set<std::string>>& sys) {
        json r = base_record(m.name);
        r["size"] = m.size;
        r["refcount"] = m.refcount ? json(*m.refcount) : json(nullptr);
        r["used_by"] = m.used_by;
        r["permanent"] = m.permanent;
        r["state"] = m.state;
        r["address"] = m.address ? json(*m.address) : json(nullptr);
        r["taint"] = m.taint;
        r["in_proc_modules"] = true;
        r["in_sys_module"] = nullptr;
        r["cross_view_discrepancy"] = false;
        r["discrepancy"] = nullptr;
        if (sys) {
            // Re-check one directory before calling it missing: the module may be mid-load.
            const bool present =
                sys->count(m.name) || ::access((m_sys_module / m.name).c_str(), F_OK) == 0;
            r["in_sys_module"] = present;
            if (!present) {
                r["cross_view_discrepancy"] = true;
                r["discrepancy"] = "in /proc/modules but not in /sys/module";
            }
        }
        add_sysfs_details(m.name, r);
        queue_with_file(m.name, std::move(r));
    }

    void emit_sysfs_only(const std::string& name) {
        const fs::path dir = m_sys_module / name;
        json r = base_record(name);
        auto size = read_value(dir / "coresize");
        auto refcnt = read_value(dir / "refcnt");
        r["size"] = size ? json(std::strtoull(size->c_str(), nullptr, 10)) : json(nullptr);
        r["refcount"] = refcnt ? json(std::strtoll(refcnt->c_str(), nullptr, 10)) : json(nullptr);
        r["used_by"] = nullptr;
        r["permanent"] = nullptr;  // only the module list says so
        r["state"] = value_or_null(read_value(dir / "initstate"));
        r["address"] = nullptr;
        r["taint"] = value_or_null(read_value(dir / "taint"));
        r["in_proc_modules"] = false;
        r["in_sys_module"] = true;
        r["cross_view_discrepancy"] = true;
        r["discrepancy"] =
            "in /sys/module (a loadable module: it has initstate) but not in /proc/modules";
        if (m_symbols && !m_symbols->count(name)) {
            r["discrepancy"] = r["discrepancy"].get<std::string>() +
                               ", nor in the kernel's symbol table (iter/ksym)";
        }
        add_sysfs_details(name, r);
        queue_with_file(name, std::move(r));
    }

    void add_sysfs_details(const std::string& name, json& r) {
        r["srcversion"] = value_or_null(read_value(m_sys_module / name / "srcversion"));
        r["version"] = value_or_null(read_value(m_sys_module / name / "version"));
    }

    /// A module's name, version strings and dependency list are whatever bytes its author (a
    /// rootkit's, say) chose, and the file path comes from the host's modules.dep: escaped like
    /// any host text, the record then names them in escaped_fields.
    void push(json r, std::optional<std::shared_future<FileHash>> hash,
              std::optional<HashWindow::PackageLookup> lookup = std::nullopt) {
        json escaped = json::array();
        for (const char* field : {"name", "state", "taint", "srcversion", "version", "file_path"}) {
            if (!r.contains(field) || !r[field].is_string()) continue;
            bool was_escaped = false;
            r[field] = escape_bytes(r[field].get_ref<const std::string&>(), was_escaped);
            if (was_escaped) escaped.push_back(field);
        }
        if (r.contains("used_by") && r["used_by"].is_array()) {
            const bool all_valid = std::all_of(
                r["used_by"].begin(), r["used_by"].end(),
                [](const json& v) { return is_valid_utf8(v.get_ref<const std::string&>()); });
            if (!all_valid) {
                // One rule for the whole list, as argv: every element escaped.
                for (auto& v : r["used_by"])
                    v = escape_bytes_always(v.get_ref<const std::string&>());
                escaped.push_back("used_by");
            }
        }
        if (!escaped.empty()) r["escaped_fields"] = std::move(escaped);
        if (!lookup) {
            put_package_nulls(r, "file_");
        }
        m_window.push(std::move(r), std::move(hash), std::move(lookup));
    }

    void queue_with_file(const std::string& name, json r) {
        r["file_path"] = nullptr;
        r["sha256"] = nullptr;
        r["hash_note"] = nullptr;
        auto it = m_dep.find(procfs::normalise_module_name(name));
        if (it == m_dep.end()) {
            r["hash_note"] = "module file not listed in modules.dep";
            push(std::move(r), std::nullopt);
            return;
        }
        // depmod writes paths relative to the release directory, or absolute for extra dirs.
        const std::string file =
            it->second.front() == '/' ? it->second : m_modules_dir + "/" + it->second;
        r["file_path"] = file;
        const HashWindow::PackageLookup lookup{file, {}};
        if (!m_ctx.hashes) {
            r["hash_note"] = "hashing disabled (--no-hash)";
            push(std::move(r), std::nullopt, lookup);
            return;
        }
        struct stat st {};
        const std::string full = m_ctx.host_path(file.substr(1)).string();
        auto fd = posix::open_regular_for_hash(AT_FDCWD, full, true, st);
        if (!fd) {
            r["hash_note"] = "cannot read the module file: " + fd.error().message;
            if (fd.error().code != ENOENT) {
                m_sink.item_error(fd.error().at(full));
            }
            push(std::move(r), std::nullopt, lookup);
            return;
        }
        push(std::move(r), m_ctx.hashes->submit(fd->release(), posix::file_key(st)), lookup);
    }

    const Context& m_ctx;
    RecordSink& m_sink;
    HashWindow m_window;
    fs::path m_sys_module;
    std::optional<std::set<std::string>> m_symbols;   ///< iter/ksym's modules, when read
    std::optional<std::set<std::string>> m_relisted;  ///< the module list read a second time
    std::string m_modules_dir;
    std::map<std::string, std::string> m_dep;
};

}  // namespace

void collect_kernel_modules(const Context& ctx, RecordSink& sink) {
    KernelModulesCollector(ctx, sink).run();
}

}  // namespace irsnap::collectors
