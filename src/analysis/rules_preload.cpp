// SPDX-License-Identifier: Apache-2.0
// What a preloaded library hooks: the libc functions it exports over libc's own, as the
// autoruns (ld.so.preload) and processes (LD_PRELOAD) collectors read them from its ELF dynamic
// symbol table. The names are matched against irsnap's own list (preload_hooks.hpp), so a
// finding never repeats an arbitrary string of the bundle as a function name.
#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "irsnap/preload_hooks.hpp"
#include "rules.hpp"

namespace irsnap::triage {
namespace {

/// Most hook names looked at per record: the list has about 80, a crafted record may have more.
constexpr size_t k_max_hooks_read = 128;

/// Techniques that give a rootkit away on their own; the others (file hiding, exec hooks ...)
/// are also what fakeroot-style tools do, so they are high, not critical.
bool is_critical(std::string_view technique) {
    return technique == "process_hiding" || technique == "backdoor" ||
           technique == "credential_theft";
}

struct Summary {
    std::string text;  ///< "process hiding (readdir, readdir64 hooks); backdoor (accept hook)"
    bool critical = false;
};

/// The listed hooks of `field`, grouped by technique; empty text when there are none.
Summary summarize(const nlohmann::json& record, const char* field) {
    Summary out;
    auto it = record.find(field);
    if (it == record.end() || !it->is_array()) return out;
    std::vector<std::vector<std::string>> by_technique(preload::techniques().size());
    size_t seen = 0;
    for (const auto& v : *it) {
        if (++seen > k_max_hooks_read) break;
        if (!v.is_string()) continue;
        const std::string& name = v.get_ref<const std::string&>();
        const preload::Technique* t = preload::technique_of(name);
        if (!t) continue;
        auto& names = by_technique[static_cast<size_t>(t - preload::techniques().data())];
        if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
    for (size_t i = 0; i < by_technique.size(); ++i) {
        const auto& names = by_technique[i];
        if (names.empty()) continue;
        const auto& t = preload::techniques()[i];
        if (!out.text.empty()) out.text += "; ";
        out.text += fmt::format("{} ({} hook{})", t.title, fmt::join(names, ", "),
                                names.size() > 1 ? "s" : "");
        out.critical = out.critical || is_critical(t.name);
    }
    return out;
}

void preload_hooks(const Rule& self, std::string_view collector, const Record& r,
                   FindingSink& out) {
    const auto& v = r.value;
    if (collector == "autoruns") {
        if (text_of(v, "category") != "ld_so_preload") return;
        const Summary s = summarize(v, "preload_hooks");
        if (s.text.empty()) return;
        auto fields = autorun_fields(v);
        fields.update(pick(v, {"preload_hooks", "preload_techniques"}));
        Finding f = self.finding(fmt::format("{} makes every dynamic program load {}, which hooks "
                                             "libc: {}",
                                             autorun_where(v), text_of(v, "command"), s.text),
                                 {r.evidence(std::move(fields))});
        if (!s.critical) f.urgency = Urgency::high;
        out.add(std::move(f));
        return;
    }
    const Summary s = summarize(v, "ld_preload_hooks");
    if (s.text.empty()) return;
    Finding f = self.finding(
        fmt::format("pid {} ({}) has LD_PRELOAD={}, which hooks libc: {}", number_text(v, "pid"),
                    text_of(v, "name"), text_of(v, "ld_preload"), s.text),
        {r.evidence(pick(v, {"pid", "name", "exe_path", "ld_preload", "ld_preload_hooks",
                             "ld_preload_techniques"}))});
    if (!s.critical) f.urgency = Urgency::high;
    out.add(std::move(f));
}

constexpr Rule k_preload_rules[] = {
    {"IRS-HID-005", "Preloaded library hooks libc functions that rootkits hook", Urgency::critical,
     Confidence::high, "T1574.006", "autoruns,processes",
     "A library in /etc/ld.so.preload or LD_PRELOAD that defines readdir or opendir hides "
     "processes from ps and top (critical); accept, pam_authenticate or PAM's password items "
     "open a backdoor or steal credentials (critical); fopen, open and stat hide files and "
     "sockets, execve, unlink, ptrace and utmp hooks hide the rootkit from checkers and logs "
     "(high: fakeroot, fakechroot and test wrappers hook some of them too). The functions are "
     "read from the library's dynamic symbol table, never by loading it.",
     per_record<preload_hooks>},
};

}  // namespace

std::span<const Rule> preload_rules() {
    return k_preload_rules;
}

}  // namespace irsnap::triage
