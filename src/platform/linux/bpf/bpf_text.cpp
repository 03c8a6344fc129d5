// SPDX-License-Identifier: Apache-2.0
// The pure parts of the bpf collector's view: fdinfo ids, kallsyms names, helper calls, the
// attach points of perf links.
#include <algorithm>
#include <cstring>
#include <set>

#include "irsnap/linux/bpf_objects.hpp"
#include "irsnap/linux/text_table.hpp"

namespace irsnap::bpf {
namespace {

using procfs::table::to_number;

/// The number after `key` on its line ("prog_id:\t131"); 0 when absent or not a number.
uint32_t field_number(std::string_view text, std::string_view key) {
    uint32_t found = 0;
    procfs::table::for_each_line(text, [&](std::string_view line) {
        if (found || line.substr(0, key.size()) != key) return;
        line.remove_prefix(key.size());
        while (!line.empty() && (line.front() == ' ' || line.front() == '\t'))
            line.remove_prefix(1);
        found = to_number<uint32_t>(line).value_or(0);
    });
    return found;
}

}  // namespace

FdinfoIds parse_bpf_fdinfo(std::string_view text) {
    FdinfoIds ids;
    ids.prog_id = field_number(text, "prog_id:");
    ids.map_id = field_number(text, "map_id:");
    ids.link_id = field_number(text, "link_id:");
    return ids;
}

std::string_view bpf_fd_kind(std::string_view link_text) {
    if (link_text == "anon_inode:bpf-prog") return "prog";
    if (link_text == "anon_inode:bpf-map") return "map";
    if (link_text == "anon_inode:bpf_link") return "link";
    return {};
}

std::vector<int32_t> helper_call_immediates(std::string_view xlated) {
    std::vector<int32_t> out;
    for (size_t at = 0; at + 8 <= xlated.size(); at += 8) {
        const auto code = static_cast<uint8_t>(xlated[at]);
        const auto regs = static_cast<uint8_t>(xlated[at + 1]);
        if (code != 0x85 || (regs >> 4) != 0) continue;  // BPF_JMP|BPF_CALL, src_reg 0: helper
        int32_t imm;
        std::memcpy(&imm, xlated.data() + at + 4, sizeof(imm));
        bool seen = false;
        for (int32_t x : out) seen = seen || x == imm;
        if (!seen) out.push_back(imm);
    }
    return out;
}

std::string KallsymsLookup::helper(int32_t immediate) const {
    if (call_base == 0 || immediate == 0) return {};
    const auto found =
        names.find(call_base + static_cast<uint64_t>(static_cast<int64_t>(immediate)));
    if (found == names.end()) return {};
    return found->second.substr(4);
}

KallsymsLookup read_bpf_symbols(std::string_view text) {
    KallsymsLookup out;
    size_t at = 0;
    while (at < text.size()) {
        const size_t end = std::min(text.find('\n', at), text.size());
        const std::string_view line = text.substr(at, end - at);
        at = end + 1;
        // "ffffffff81000000 T _stext" [module]
        const size_t space = line.find(' ');
        if (space == std::string_view::npos || space + 3 > line.size()) continue;
        const auto address = to_number<uint64_t>(line.substr(0, space), 16);
        if (!address || *address == 0) continue;
        std::string_view name = line.substr(space + 3);
        name = name.substr(0, name.find_first_of(" \t"));
        if (name == "__bpf_call_base") out.call_base = *address;
        if (name.substr(0, 4) == "bpf_" && out.names.size() < 65536) {
            out.names.emplace(*address, std::string(name.substr(0, 256)));
        }
    }
    return out;
}

bool is_dangerous_helper(std::string_view name) {
    return name == "probe_write_user" || name == "override_return" || name == "send_signal" ||
           name == "send_signal_thread";
}

void fill_perf_link_points(std::vector<Link>& links, const std::vector<TaskFdAttachment>& perf) {
    for (auto& link : links) {
        if (link.type != "perf_event" || !link.attach_point.empty()) continue;
        const bool alone = std::count_if(links.begin(), links.end(), [&](const Link& l) {
                               return l.prog_id == link.prog_id && l.type == "perf_event" &&
                                      l.attach_point.empty();
                           }) == 1;
        // Several holders of one perf event (a forked loader) name the same point once.
        std::set<std::pair<std::string, std::string>> points;
        for (const auto& a : perf) {
            if (a.prog_id == link.prog_id && !a.point.empty()) points.emplace(a.kind, a.point);
        }
        if (!alone || points.size() != 1) continue;
        link.attach_type = points.begin()->first;
        link.attach_point = points.begin()->second;
    }
}

}  // namespace irsnap::bpf
