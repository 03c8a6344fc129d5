// SPDX-License-Identifier: Apache-2.0
// The kernel's own account of foreign code: the taint mask and per-module taint letters.
#include <fmt/format.h>

#include "rules.hpp"

namespace irsnap::triage {
namespace {

std::string taint_letters(const nlohmann::json& kernel) {
    std::string letters;
    if (!kernel.contains("taint_flags") || !kernel["taint_flags"].is_array()) return letters;
    for (const auto& flag : kernel["taint_flags"]) letters += text_of(flag, "letter");
    return letters;
}

void tainted_kernel(const Rule& self, std::string_view, const Record& r, FindingSink& out) {
    if (text_of(r.value, "kind") != "kernel" || number_of(r.value, "tainted", 0) == 0) return;
    const std::string letters = taint_letters(r.value);
    Finding f = self.finding(
        fmt::format("kernel taint mask {} ({})", number_text(r.value, "tainted"), letters),
        {r.evidence(pick(r.value, {"kernel_release", "tainted", "taint_flags"}))});
    // O: out-of-tree module, E: unsigned module; the rest are warnings and oopses.
    if (letters.find_first_of("OE") != std::string::npos) f.urgency = Urgency::medium;
    out.add(std::move(f));
}

void foreign_module(const Rule& self, std::string_view, const Record& r, FindingSink& out) {
    if (text_of(r.value, "kind") != "module") return;
    const std::string taint = text_of(r.value, "taint");
    if (taint.find_first_of("OE") == std::string::npos) return;
    const bool unsigned_module = taint.find('E') != std::string::npos;
    const bool no_file = text_of(r.value, "file_path").empty();
    Finding f = self.finding(
        fmt::format("module {} is {}{}", text_of(r.value, "name"),
                    unsigned_module ? "unsigned" : "out-of-tree",
                    no_file ? ", and no file in modules.dep provides it" : ""),
        {r.evidence(pick(r.value, {"name", "taint", "file_path", "sha256", "address"}))});
    if (no_file) f.urgency = Urgency::critical;
    out.add(std::move(f));
}

constexpr Rule k_kernel_rules[] = {
    {"IRS-KRN-001", "Tainted kernel", Urgency::low, Confidence::low, "T1547.006", "kernel_modules",
     "The kernel marks itself tainted when foreign code is loaded (O out-of-tree, E unsigned "
     "module) or after warnings and oopses. Medium when a module caused it; see IRS-KRN-002 for "
     "which.",
     per_record<tainted_kernel>},
    {"IRS-KRN-002", "Unsigned or out-of-tree kernel module", Urgency::high, Confidence::medium,
     "T1547.006", "kernel_modules",
     "Kernel rootkits are out-of-tree modules, usually unsigned. So are some vendor drivers "
     "(GPU, virtualisation): critical when no installed file provides the module.",
     per_record<foreign_module>},
};

}  // namespace

std::span<const Rule> kernel_rules() {
    return k_kernel_rules;
}

}  // namespace irsnap::triage
