// SPDX-License-Identifier: Apache-2.0
// The package verdicts (docs/package-trust.md): a system file that is not what its package
// shipped, or an executable no package installed where only packages install them.
#include <algorithm>
#include <array>
#include <map>

#include <fmt/format.h>

#include "irsnap/package_index.hpp"
#include "rules.hpp"

namespace irsnap::triage {
namespace {

/// Programs and libraries a responder's tools or a rootkit rely on: a modified one is the
/// oldest trick (a trojaned ps or ls hides the rest), so it is critical. Matched on the file
/// name; libraries by prefix up to ".so".
constexpr std::array<std::string_view, 34> k_responder_programs = {
    "ps",   "ls",    "top",  "htop", "netstat",  "ss",     "lsof",   "find",  "du",
    "df",   "login", "su",   "sudo", "sshd",     "ssh",    "crond",  "cron",  "systemd",
    "init", "bash",  "sh",   "dash", "busybox",  "pstree", "pgrep",  "pidof", "kill",
    "w",    "who",   "last", "ip",   "ifconfig", "strace", "passwd",
};
constexpr std::array<std::string_view, 9> k_responder_libraries = {
    "libc.so",      "libc-",       "libpam.so",   "ld-linux",      "ld-musl",
    "libprocps.so", "libproc2.so", "libaudit.so", "libselinux.so",
};

std::string text_at(const nlohmann::json& r, const std::string& key) {
    return text_of(r, key.c_str());
}

std::string_view file_name(std::string_view path) {
    const size_t slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool is_responder_tool(std::string_view path) {
    const std::string_view name = file_name(path);
    if (std::find(k_responder_programs.begin(), k_responder_programs.end(), name) !=
        k_responder_programs.end()) {
        return true;
    }
    if (name.starts_with("pam_") && name.ends_with(".so")) return true;  // PAM modules
    return std::any_of(k_responder_libraries.begin(), k_responder_libraries.end(),
                       [&](std::string_view lib) { return name.starts_with(lib); });
}

/// The package fields of a record, whichever collector wrote it.
struct PackageFields {
    std::string prefix;
    std::string path;
    std::string verdict;
};

PackageFields package_fields(std::string_view collector, const nlohmann::json& r) {
    PackageFields f;
    if (collector == "processes") {
        f.prefix = "exe_";
        f.path = text_of(r, "exe_path");
    } else if (collector == "modules") {
        if (text_of(r, "kind") != "file") return f;
        f.path = text_of(r, "path");
    } else if (collector == "kernel_modules") {
        f.prefix = "file_";
        f.path = text_of(r, "file_path");
    } else if (collector == "autoruns") {
        f.prefix = "target_";
        f.path = text_of(r, "target_path");
    } else {
        return f;
    }
    f.verdict = text_at(r, f.prefix + "package_verdict");
    return f;
}

nlohmann::json evidence_fields(std::string_view collector, const nlohmann::json& r,
                               const std::string& prefix) {
    std::vector<std::string> keys{"pid", "name", "process_name", "category", "source_path"};
    for (const char* k : {"path", "sha256"}) {
        keys.push_back(collector == "processes" ? std::string("exe_") + k
                       : collector == "modules" ? k
                                                : prefix + k);
    }
    for (const char* k : {"package", "package_version", "package_verdict", "package_algorithm",
                          "package_digest", "package_file_digest", "package_note"}) {
        keys.push_back(prefix + k);
    }
    nlohmann::json out = nlohmann::json::object();
    for (const auto& k : keys) {
        auto it = r.find(k);
        if (it != r.end() && !it->is_null()) out[k] = *it;
    }
    return out;
}

/// One finding per file (path and content), however many processes map it: a modified libc
/// is one finding with the first records as evidence, not one per process.
class PackageFilePass : public RulePass {
  public:
    explicit PackageFilePass(const Rule& rule) : m_rule(rule) {}

    void see(std::string_view collector, const Record& r, FindingSink& out) override {
        const PackageFields f = package_fields(collector, r.value);
        if (f.path.empty() || !wanted(collector, r.value, f)) return;
        const std::string digest = text_at(r.value, f.prefix + "package_file_digest");
        const std::string key = f.path + '\n' + digest;
        auto it = m_files.find(key);
        if (it == m_files.end()) {
            if (m_files.size() >= k_max_findings_per_rule) {
                out.omit();
                return;
            }
            it = m_files.emplace(key, Pending{make(collector, r, f), 0}).first;
        }
        Pending& p = it->second;
        ++p.records;
        if (p.finding.evidence.size() < k_max_evidence_kept) {
            p.finding.evidence.push_back(r.evidence(evidence_fields(collector, r.value, f.prefix)));
        }
    }

    void finish(const Context&, FindingSink& out) override {
        for (auto& [key, p] : m_files) {
            if (p.records > p.finding.evidence.size()) {
                p.finding.why += fmt::format(" ({} records; the first {} are listed)", p.records,
                                             p.finding.evidence.size());
            }
            out.add(std::move(p.finding));
        }
    }

  protected:
    virtual bool wanted(std::string_view collector, const nlohmann::json& r,
                        const PackageFields& f) const = 0;
    virtual Finding make(std::string_view collector, const Record& r,
                         const PackageFields& f) const = 0;
    const Rule& m_rule;

  private:
    static constexpr size_t k_max_evidence_kept = 5;
    struct Pending {
        Finding finding;
        uint64_t records = 0;
    };
    std::map<std::string, Pending> m_files;
};

/// IRS-PKG-001: a package's executable, library, module file or autorun target differs.
class ModifiedPass final : public PackageFilePass {
  public:
    using PackageFilePass::PackageFilePass;

  protected:
    bool wanted(std::string_view, const nlohmann::json&, const PackageFields& f) const override {
        return f.verdict == "modified";
    }
    Finding make(std::string_view, const Record& r, const PackageFields& f) const override {
        const auto& v = r.value;
        const std::string& p = f.prefix;
        Finding finding = m_rule.finding(
            fmt::format("{} differs from what package {} {} installed ({} {} recorded, the file "
                        "has {})",
                        f.path, text_at(v, p + "package"), text_at(v, p + "package_version"),
                        text_at(v, p + "package_algorithm"), text_at(v, p + "package_digest"),
                        text_at(v, p + "package_file_digest")),
            {});
        if (is_responder_tool(f.path)) {
            finding.urgency = Urgency::critical;
            finding.why += ": a tool responders and rootkits rely on";
        }
        return finding;
    }
};

/// IRS-PKG-002: an executable or library in a system directory that no package installed.
class UnownedPass final : public PackageFilePass {
  public:
    using PackageFilePass::PackageFilePass;

  protected:
    bool wanted(std::string_view collector, const nlohmann::json& r,
                const PackageFields& f) const override {
        if (f.verdict != "unowned" || !in_system_directory(f.path)) return false;
        // Data files mapped read-only (locale-archive, caches) are not code.
        if (collector == "modules") return flag_of(r, "executable");
        return collector == "processes" || collector == "autoruns";
    }
    Finding make(std::string_view collector, const Record&, const PackageFields& f) const override {
        return m_rule.finding(
            fmt::format("{} {} in a system directory and no package installed it", f.path,
                        collector == "processes" ? "runs"
                        : collector == "modules" ? "is mapped as code"
                                                 : "is started at boot or login"),
            {});
    }
};

/// IRS-PKG-003: a loaded kernel module whose file no package installed.
class UnownedModulePass final : public PackageFilePass {
  public:
    using PackageFilePass::PackageFilePass;

  protected:
    bool wanted(std::string_view collector, const nlohmann::json&,
                const PackageFields& f) const override {
        return collector == "kernel_modules" && f.verdict == "unowned";
    }
    Finding make(std::string_view, const Record& r, const PackageFields& f) const override {
        Finding finding = m_rule.finding(
            fmt::format("kernel module {} is loaded from {}, which no package installed",
                        text_of(r.value, "name"), f.path),
            {});
        // DKMS builds vendor modules (VirtualBox, NVIDIA, ZFS) on the host: unowned by design.
        if (f.path.find("/updates/dkms/") != std::string::npos) {
            finding.urgency = Urgency::medium;
            finding.why += " (built by DKMS: check which source package it came from)";
        }
        return finding;
    }
};

constexpr Rule k_package_rules[] = {
    {"IRS-PKG-001", "System file differs from its package", Urgency::high, Confidence::high,
     "T1036.005", "processes,modules,kernel_modules,autoruns",
     "The host's package database records a digest for every file a package installed; a "
     "running executable, mapped library, loaded module file or autorun target whose content "
     "differs was replaced or patched after installation (a trojaned ps, ls, sshd or libc is "
     "the oldest rootkit). Critical for the tools responders and rootkits rely on. The "
     "database can itself be tampered with: stack the bundles of several hosts to compare.",
     pass_of<ModifiedPass>},
    {"IRS-PKG-002", "Unowned executable in a system directory", Urgency::high, Confidence::medium,
     "T1036.005", "processes,modules,autoruns",
     "Only packages install into /usr/bin, /usr/sbin, /usr/lib* (and /bin, /sbin, /lib* on "
     "hosts without usr-merge); a program or library there that no package lists was put there "
     "by hand, an installer script, or an intruder hiding among system files.",
     pass_of<UnownedPass>},
    {"IRS-PKG-003", "Kernel module file from no package", Urgency::high, Confidence::medium,
     "T1547.006", "kernel_modules",
     "A loaded module whose file no package installed was built or copied on the host: a "
     "rootkit, or a DKMS-built vendor driver (medium then).",
     pass_of<UnownedModulePass>},
};

}  // namespace

std::span<const Rule> package_rules() {
    return k_package_rules;
}

}  // namespace irsnap::triage
