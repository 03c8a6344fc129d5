// SPDX-License-Identifier: Apache-2.0
// What is mapped into processes: injected code (anonymous writable and executable memory),
// libraries loaded from memory or from temporary places, unsigned code in signed programs; and
// the memory dumps the bundle should hold but does not.
#include <array>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "irsnap/hash.hpp"
#include "rules.hpp"

namespace irsnap::triage {
namespace {

nlohmann::json module_fields(const nlohmann::json& m) {
    return pick(m, {"pid", "process_name", "kind", "path", "sha256", "deleted", "memfd",
                    "writable_executable_count"});
}

void writable_executable_memory(const Rule& self, std::string_view, const Record& r,
                                FindingSink& out) {
    if (text_of(r.value, "kind") != "anonymous_executable") return;
    const int64_t wx = number_of(r.value, "writable_executable_count", 0);
    if (wx <= 0) return;
    out.add(self.finding(fmt::format("pid {} ({}) has {} writable and executable anonymous range{}",
                                     number_text(r.value, "pid"), text_of(r.value, "process_name"),
                                     wx, wx == 1 ? "" : "s"),
                         {r.evidence(module_fields(r.value))}));
}

/// IRS-MEM-004: a process the memory collector chose to dump (asked for, or suspicious) whose
/// memory is not in the bundle: a dump refused, denied or over a budget is evidence that is gone
/// once the process exits. dumped, partial and exited dumps hold memory (partial: with holes).
void memory_not_captured(const Rule& self, std::string_view, const Record& r, FindingSink& out) {
    if (text_of(r.value, "kind") != "dump") return;
    const std::string status = text_of(r.value, "status");
    if (status.empty() || status == "dumped" || status == "partial" || status == "exited") return;
    std::string reasons;
    auto listed = r.value.find("reasons");
    if (listed != r.value.end() && listed->is_array()) {
        for (const auto& reason : *listed) {
            if (reason.is_string()) {
                reasons += (reasons.empty() ? "" : ", ") + reason.get<std::string>();
            }
        }
    }
    std::string why = fmt::format("memory of pid {} ({}, chosen for: {}) was not captured: {}",
                                  number_text(r.value, "pid"), text_of(r.value, "process_name"),
                                  reasons.empty() ? "no reason recorded" : reasons, status);
    const std::string note = text_of(r.value, "status_note");
    if (!note.empty()) why += " (" + note + ")";
    // irsnap never dumps itself or a kernel thread: said, not worth the analyst's hurry.
    const bool refused = status == "refused";
    if (refused) why += " (low: irsnap itself or a kernel thread, never dumped)";
    // finding() cuts `why` to its bound.
    Finding f = self.finding(
        std::move(why), {r.evidence(pick(r.value, {"pid", "process_name", "exe_path", "reasons",
                                                   "format", "size", "status", "status_note"}))});
    if (refused) f.urgency = Urgency::low;
    out.add(std::move(f));
}

/// 128 bits of a path's SHA-256: what the joins below compare instead of keeping the path. A
/// plain std::hash could be collided on purpose by a crafted bundle to silence a finding.
using PathKey = std::array<uint64_t, 2>;

PathKey path_key(std::string_view path) {
    const std::string hex = sha256_hex(path);
    PathKey key{};
    for (size_t i = 0; i < 32; ++i) {
        const char c = hex[i];
        key[i / 16] = (key[i / 16] << 4) | static_cast<uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    return key;
}

/// An executable mapping of a memfd or of a temporary place is a finding unless it is the
/// process's own program. Processes and modules may come in any order, so modules wait until
/// the end; of the processes only those whose program could be such a mapping are kept (a
/// temporary place, or memfd), as a pid and a path digest: the join costs nothing per ordinary
/// process.
class CodeFromMemory final : public RulePass {
  public:
    explicit CodeFromMemory(const Rule& self) : m_self(self) {}

    void see(std::string_view collector, const Record& r, FindingSink& out) override {
        const auto& v = r.value;
        if (collector == "processes") {
            m_seen_processes = true;
            const std::string exe = text_of(v, "exe_path");
            const int64_t pid = number_of(v, "pid");
            if (is_temporary_place(exe) || flag_of(v, "exe_memfd") ||
                exe.find("memfd:") != std::string::npos) {
                m_programs[pid] = path_key(exe);
            } else {
                m_programs.erase(pid);  // a later record of the pid wins, as it always did
            }
            return;
        }
        if (text_of(v, "kind") != "file" || !flag_of(v, "executable")) return;
        const std::string path = text_of(v, "path");
        const bool memfd = flag_of(v, "memfd");
        if (!memfd && !is_temporary_place(path)) return;
        Waiting w{number_of(v, "pid"), path_key(path), std::nullopt};
        // Artifacts are read one after another, so a module after any process means every
        // process is known: decide now, and only what is really a finding meets the cap.
        const bool decide_now = m_seen_processes;
        if (decide_now) {
            auto program = m_programs.find(w.pid);
            if (program != m_programs.end() && program->second == w.path) return;
        }
        if (decide_now || m_whole < k_max_findings_per_rule) {
            if (!decide_now) ++m_whole;
            Finding f =
                m_self.finding(fmt::format("pid {} ({}) executes code mapped from {}{}",
                                           number_text(v, "pid"), text_of(v, "process_name"), path,
                                           memfd ? " (memory only)" : " (a temporary place)"),
                               {r.evidence(module_fields(v))});
            if (!memfd) {
                f.urgency = Urgency::high;
                f.confidence = Confidence::medium;
            }
            if (decide_now) {
                out.add(std::move(f));
                return;
            }
            w.finding = std::move(f);
        }
        m_waiting.push_back(std::move(w));
    }

    void finish(const Context&, FindingSink& out) override {
        for (Waiting& w : m_waiting) {
            auto program = m_programs.find(w.pid);
            if (program != m_programs.end() && program->second == w.path) continue;
            if (w.finding) {
                out.add(std::move(*w.finding));
            } else {
                out.omit();
            }
        }
    }

  private:
    struct Waiting {
        int64_t pid;
        PathKey path;
        std::optional<Finding> finding;  ///< the first ones only; the rest are counted
    };
    const Rule& m_self;
    std::map<int64_t, PathKey> m_programs;
    std::vector<Waiting> m_waiting;  ///< modules read before any process (an odd bundle)
    size_t m_whole = 0;
    bool m_seen_processes = false;
};

/// Unsigned modules wait for the end, when every signed program (Windows bundles only) is known.
class UnsignedModuleInSignedProcess final : public RulePass {
  public:
    explicit UnsignedModuleInSignedProcess(const Rule& self) : m_self(self) {}

    void see(std::string_view collector, const Record& r, FindingSink& out) override {
        const auto& v = r.value;
        if (collector == "processes") {
            m_seen_processes = true;
            if (flag_of(v, "signed")) {
                m_signed.insert_or_assign(
                    number_of(v, "pid"),
                    r.evidence(pick(v, {"pid", "name", "exe_path", "signed"})));
            }
            return;
        }
        if (!v.contains("signed") || !v["signed"].is_boolean() || v["signed"].get<bool>()) return;
        if (m_seen_processes) {
            // Every process is known (artifacts are read one after another): decide now, so
            // unsigned modules of unsigned programs never use up the cap.
            auto program = m_signed.find(number_of(v, "pid"));
            if (program == m_signed.end()) return;
            out.add(m_self.finding(
                fmt::format("signed program pid {} ({}) loaded unsigned {}", number_text(v, "pid"),
                            text_of(v, "process_name"), text_of(v, "path")),
                {r.evidence(module_fields(v)), program->second}));
            return;
        }
        Waiting w{number_of(v, "pid"), std::nullopt, {}, {}};
        if (m_whole < k_max_findings_per_rule) {
            ++m_whole;
            w.module = r.evidence(module_fields(v));
            w.pid_text = number_text(v, "pid");
            w.why = fmt::format("({}) loaded unsigned {}", text_of(v, "process_name"),
                                text_of(v, "path"));
        }
        m_waiting.push_back(std::move(w));
    }

    void finish(const Context&, FindingSink& out) override {
        if (m_signed.empty()) return;
        for (Waiting& w : m_waiting) {
            auto program = m_signed.find(w.pid);
            if (program == m_signed.end()) continue;
            if (!w.module) {
                out.omit();
                continue;
            }
            out.add(m_self.finding(fmt::format("signed program pid {} {}", w.pid_text, w.why),
                                   {std::move(*w.module), program->second}));
        }
    }

  private:
    struct Waiting {
        int64_t pid;
        std::optional<Evidence> module;
        std::string why;
        std::string pid_text;
    };
    const Rule& m_self;
    std::map<int64_t, Evidence> m_signed;
    std::vector<Waiting> m_waiting;  ///< modules read before any process (an odd bundle)
    size_t m_whole = 0;
    bool m_seen_processes = false;
};

constexpr Rule k_memory_rules[] = {
    {"IRS-MEM-001", "Writable and executable anonymous memory", Urgency::medium, Confidence::low,
     "T1055", "modules",
     "Injected shellcode and reflectively loaded libraries live in anonymous memory that is "
     "writable and executable. JIT compilers (Java, JavaScript engines) make such ranges too: "
     "weigh it by the process.",
     per_record<writable_executable_memory>},
    {"IRS-MEM-002", "Code mapped from memory or a temporary place", Urgency::critical,
     Confidence::high, "T1620", "modules,processes",
     "An executable mapping of a memfd inside an ordinary program is a library loaded without a "
     "file (reflective loading); one from /tmp or /dev/shm is a dropped library, typically "
     "injected with LD_PRELOAD or ptrace.",
     pass_of<CodeFromMemory>},
    {"IRS-MEM-003", "Unsigned module in a signed process (Windows)", Urgency::high,
     Confidence::medium, "T1574.002", "modules,processes",
     "A signed program loading an unsigned DLL is how DLL side-loading and search-order "
     "hijacking run attacker code under a trusted name. Reads the 'signed' fields of the Windows "
     "collectors; silent on Linux bundles.",
     pass_of<UnsignedModuleInSignedProcess>},
    {"IRS-MEM-004", "Suspicious process memory not captured", Urgency::medium, Confidence::high, "",
     "memory",
     "The memory collector dumps the processes asked for (--dump-pid) and, with "
     "--dump-suspicious, hidden, memfd, deleted, preloaded and temporary-place programs. A dump "
     "it chose but could not take (over --max-dump-bytes or --max-dump-total-bytes, the disk "
     "nearly full, denied, vanished, not stored) is memory the bundle lacks, and it is gone once "
     "the process exits: collect again while it runs. Low for a refused dump (irsnap itself, a "
     "kernel thread).",
     per_record<memory_not_captured>},
};

}  // namespace

std::span<const Rule> memory_rules() {
    return k_memory_rules;
}

}  // namespace irsnap::triage
