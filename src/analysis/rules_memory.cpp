// SPDX-License-Identifier: Apache-2.0
// What is mapped into processes: injected code (anonymous writable and executable memory),
// libraries loaded from memory or from temporary places, unsigned code in signed programs.
#include <map>

#include <fmt/format.h>

#include "rules.hpp"

namespace irsnap::triage {
namespace {

nlohmann::json module_fields(const nlohmann::json& m) {
    return pick(m, {"pid", "process_name", "kind", "path", "sha256", "deleted", "memfd",
                    "writable_executable_count"});
}

void writable_executable_memory(const Rule& self, const Input& in, std::vector<Finding>& out) {
    for (const Record& r : in.of("modules")) {
        if (text_of(r.value, "kind") != "anonymous_executable") continue;
        const int64_t wx = number_of(r.value, "writable_executable_count", 0);
        if (wx <= 0) continue;
        out.push_back(
            self.finding(fmt::format("pid {} ({}) has {} writable and executable anonymous range{}",
                                     number_of(r.value, "pid"), text_of(r.value, "process_name"),
                                     wx, wx == 1 ? "" : "s"),
                         {r.evidence(module_fields(r.value))}));
    }
}

void code_from_memory_or_temporary_place(const Rule& self, const Input& in,
                                         std::vector<Finding>& out) {
    // A program's own file is IRS-EXE-002/003's business; here: code loaded into programs.
    std::map<int64_t, std::string> programs;
    for (const Record& p : in.of("processes")) {
        programs[number_of(p.value, "pid")] = text_of(p.value, "exe_path");
    }
    for (const Record& r : in.of("modules")) {
        if (text_of(r.value, "kind") != "file" || !flag_of(r.value, "executable")) continue;
        const std::string path = text_of(r.value, "path");
        const bool memfd = flag_of(r.value, "memfd");
        if (!memfd && !is_temporary_place(path)) continue;
        auto program = programs.find(number_of(r.value, "pid"));
        if (program != programs.end() && program->second == path) continue;
        Finding f =
            self.finding(fmt::format("pid {} ({}) executes code mapped from {}{}",
                                     number_of(r.value, "pid"), text_of(r.value, "process_name"),
                                     path, memfd ? " (memory only)" : " (a temporary place)"),
                         {r.evidence(module_fields(r.value))});
        if (!memfd) {
            f.urgency = Urgency::high;
            f.confidence = Confidence::medium;
        }
        out.push_back(std::move(f));
    }
}

void unsigned_module_in_signed_process(const Rule& self, const Input& in,
                                       std::vector<Finding>& out) {
    std::map<int64_t, const Record*> signed_programs;
    for (const Record& p : in.of("processes")) {
        if (flag_of(p.value, "signed")) signed_programs[number_of(p.value, "pid")] = &p;
    }
    if (signed_programs.empty()) return;
    for (const Record& r : in.of("modules")) {
        if (!r.value.contains("signed") || !r.value["signed"].is_boolean() ||
            r.value["signed"].get<bool>()) {
            continue;
        }
        auto program = signed_programs.find(number_of(r.value, "pid"));
        if (program == signed_programs.end()) continue;
        out.push_back(self.finding(
            fmt::format("signed program pid {} ({}) loaded unsigned {}", program->first,
                        text_of(r.value, "process_name"), text_of(r.value, "path")),
            {r.evidence(module_fields(r.value)),
             program->second->evidence(
                 pick(program->second->value, {"pid", "name", "exe_path", "signed"}))}));
    }
}

constexpr Rule k_memory_rules[] = {
    {"IRS-MEM-001", "Writable and executable anonymous memory", Urgency::medium, Confidence::low,
     "T1055", "modules",
     "Injected shellcode and reflectively loaded libraries live in anonymous memory that is "
     "writable and executable. JIT compilers (Java, JavaScript engines) make such ranges too: "
     "weigh it by the process.",
     writable_executable_memory},
    {"IRS-MEM-002", "Code mapped from memory or a temporary place", Urgency::critical,
     Confidence::high, "T1620", "modules,processes",
     "An executable mapping of a memfd inside an ordinary program is a library loaded without a "
     "file (reflective loading); one from /tmp or /dev/shm is a dropped library, typically "
     "injected with LD_PRELOAD or ptrace.",
     code_from_memory_or_temporary_place},
    {"IRS-MEM-003", "Unsigned module in a signed process (Windows)", Urgency::high,
     Confidence::medium, "T1574.002", "modules,processes",
     "A signed program loading an unsigned DLL is how DLL side-loading and search-order "
     "hijacking run attacker code under a trusted name. Reads the 'signed' fields of the Windows "
     "collectors; silent on Linux bundles.",
     unsigned_module_in_signed_process},
};

}  // namespace

std::span<const Rule> memory_rules() {
    return k_memory_rules;
}

}  // namespace irsnap::triage
