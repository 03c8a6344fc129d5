// SPDX-License-Identifier: Apache-2.0
// Process memory in triage: the join that gives every finding the dumps and captured regions of
// the processes its evidence names, and IRS-MEM-001 the regions that overlap its ranges.
#include <algorithm>
#include <charconv>
#include <optional>
#include <tuple>

#include <fmt/format.h>

#include "rules.hpp"

namespace irsnap::triage {
namespace {

/// Longest text of a memory record the index keeps per field: a crafted record's longer values
/// are cut, never held whole. A member name is at most 255 bytes (what extract accepts).
constexpr size_t k_memory_short_text = 64;
constexpr size_t k_memory_name_text = 256;
/// Regions looked at per finding while matching its ranges: a crafted bundle of overlapping
/// ranges and regions costs no more per finding than this.
constexpr size_t k_max_range_visits = 4096;

std::string cut_of(const nlohmann::json& record, const char* key, size_t max_bytes) {
    return cut_text(text_of(record, key), max_bytes);
}

/// "0x7f00" (what the collectors write) as a number; nothing for anything else.
std::optional<uint64_t> parse_address(std::string_view text) {
    if (text.size() < 3 || text.size() > 18 || text[0] != '0' ||
        (text[1] != 'x' && text[1] != 'X')) {
        return std::nullopt;
    }
    uint64_t value = 0;
    const char* begin = text.data() + 2;
    const char* end = text.data() + text.size();
    auto [p, ec] = std::from_chars(begin, end, value, 16);
    if (ec != std::errc() || p != end) return std::nullopt;
    return value;
}

bool is_writable_executable(std::string_view perms) {
    return perms.size() > 2 && perms[1] == 'w' && perms[2] == 'x';
}

}  // namespace

void MemoryIndex::add(const Record& r) {
    const nlohmann::json& v = r.value;
    const std::string kind = text_of(v, "kind");
    const int64_t pid = number_of(v, "pid");
    if ((kind != "dump" && kind != "region") || pid <= 0) return;
    if (m_items.size() >= k_max_memory_indexed || m_bytes >= k_max_memory_index_bytes) {
        ++m_not_indexed;
        return;
    }
    const auto id = static_cast<uint32_t>(m_items.size());
    Item item;
    MemoryRef& m = item.ref;
    m.kind = kind;
    m.pid = pid;
    m.format = cut_of(v, "format", k_memory_short_text);
    m.archive = cut_of(v, "archive", k_memory_name_text);
    m.member = cut_of(v, "member", k_memory_name_text);
    m.sha256 = cut_of(v, "sha256", k_memory_short_text + 64);
    m.status = cut_of(v, "status", k_memory_short_text);
    m.artifact = r.artifact;
    m.line = r.line;
    item.stored = !m.archive.empty() && !m.member.empty();
    OfProcess& of_pid = m_by_pid[pid];
    if (kind == "dump") {
        of_pid.dumps.push_back(id);
    } else {
        m.start = cut_of(v, "start", k_memory_short_text);
        m.end = cut_of(v, "end", k_memory_short_text);
        m.permissions = cut_of(v, "permissions", k_memory_short_text);
        const auto start = parse_address(m.start);
        const auto end = parse_address(m.end);
        if (start && end && *start < *end) {
            item.start = *start;
            item.end = *end;
        }
        of_pid.regions.push_back(id);
        if (item.stored) of_pid.captured.push_back(id);
        m_sorted = false;
    }
    m_bytes += 256 + m.kind.size() + m.format.size() + m.archive.size() + m.member.size() +
               m.sha256.size() + m.status.size() + m.artifact.size() + m.start.size() +
               m.end.size() + m.permissions.size();
    m_items.push_back(std::move(item));
}

void MemoryIndex::add_module(const Record& r) {
    const nlohmann::json& v = r.value;
    if (text_of(v, "kind") != "anonymous_executable") return;
    if (number_of(v, "writable_executable_count", 0) <= 0) return;
    auto ranges = v.find("ranges");
    if (ranges == v.end() || !ranges->is_array()) return;
    if (m_ranges_kept >= k_max_ranges_kept || m_bytes >= k_max_memory_index_bytes) {
        ++m_not_indexed;
        return;
    }
    // Writable and executable ranges first: they are what IRS-MEM-001 is about, and what is
    // kept of a record with more ranges than the cap.
    std::vector<Range> wx, other;
    for (const auto& range : *ranges) {
        if (wx.size() >= k_max_ranges_per_record) break;
        const auto start = parse_address(text_of(range, "start"));
        const auto end = parse_address(text_of(range, "end"));
        if (!start || !end || *start >= *end) continue;
        const bool both = is_writable_executable(text_of(range, "perms"));
        auto& into = both ? wx : other;
        if (into.size() < k_max_ranges_per_record) into.push_back({*start, *end, both});
    }
    wx.insert(wx.end(), other.begin(), other.end());
    wx.resize(std::min(wx.size(), k_max_ranges_per_record));
    if (wx.empty()) return;
    m_ranges_kept += wx.size();
    m_bytes += 128 + r.artifact.size() + wx.size() * sizeof(Range);
    m_ranges.insert_or_assign(std::pair{r.artifact, r.line}, std::move(wx));
}

void MemoryIndex::sort_regions() {
    if (m_sorted) return;
    for (auto& [pid, of_pid] : m_by_pid) {
        std::stable_sort(of_pid.regions.begin(), of_pid.regions.end(), [&](uint32_t a, uint32_t b) {
            return m_items[a].start < m_items[b].start;
        });
    }
    m_sorted = true;
}

void MemoryIndex::attach(std::vector<Finding>& findings) {
    if (m_items.empty()) return;
    sort_regions();
    for (Finding& f : findings) {
        std::vector<uint32_t> seen;
        auto full = [&] { return f.memory.size() >= k_max_memory_per_finding; };
        // As SpecimenIndex: every list is walked only until the finding is full.
        auto take = [&](uint32_t id, std::string_view match) {
            if (full() || std::find(seen.begin(), seen.end(), id) != seen.end()) return;
            seen.push_back(id);
            MemoryRef ref = m_items[id].ref;
            ref.match = match;
            f.memory.push_back(std::move(ref));
        };

        // Regions overlapping the ranges of the evidence (IRS-MEM-001's anonymous executable
        // record): overlapping a writable and executable range first, captured before not,
        // then by address.
        struct Candidate {
            int rank;
            uint64_t start;
            uint32_t id;
        };
        std::vector<Candidate> candidates;
        size_t visits = 0;
        bool ranged = false;
        for (const Evidence& e : f.evidence) {
            auto ranges = m_ranges.find(std::pair{e.artifact, e.line});
            if (ranges == m_ranges.end()) continue;
            ranged = true;
            for (int64_t pid : evidence_pids(e.fields)) {
                auto of_pid = m_by_pid.find(pid);
                if (of_pid == m_by_pid.end()) continue;
                const auto& regions = of_pid->second.regions;
                for (const Range& range : ranges->second) {
                    // Regions do not overlap one another (one per mapping): only the one
                    // before the first that starts inside the range can reach into it.
                    auto it = std::lower_bound(
                        regions.begin(), regions.end(), range.start,
                        [&](uint32_t id, uint64_t at) { return m_items[id].start < at; });
                    if (it != regions.begin()) --it;
                    for (; it != regions.end() && visits < k_max_range_visits; ++it, ++visits) {
                        const Item& item = m_items[*it];
                        if (item.start >= range.end) break;
                        if (item.end <= range.start) continue;
                        const int rank =
                            (range.writable_executable ? 0 : 2) + (item.stored ? 0 : 1);
                        candidates.push_back({rank, item.start, *it});
                    }
                }
            }
        }
        std::stable_sort(
            candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
                return std::tie(a.rank, a.start, a.id) < std::tie(b.rank, b.start, b.id);
            });
        for (const Candidate& c : candidates) take(c.id, "range");

        // Then whole-process dumps of the processes named, whatever their status (a dump that
        // failed says why), then their captured regions: not for ranged evidence, whose
        // regions are the overlapping ones above.
        auto by_pid = [&](bool dumps) {
            for (const Evidence& e : f.evidence) {
                if (full()) return;
                for (int64_t pid : evidence_pids(e.fields)) {
                    auto of_pid = m_by_pid.find(pid);
                    if (of_pid == m_by_pid.end()) continue;
                    const auto& ids = dumps ? of_pid->second.dumps : of_pid->second.captured;
                    for (uint32_t id : ids) {
                        if (full()) return;
                        take(id, dumps ? "dump" : "pid");
                    }
                }
            }
        };
        by_pid(true);
        if (!ranged) by_pid(false);
    }
}

std::string memory_text(const MemoryRef& m) {
    std::string what = m.kind == "dump" ? "dump" : "region " + m.start + "-" + m.end;
    if (m.kind != "dump" && !m.permissions.empty()) what += " " + m.permissions;
    std::string where =
        !m.archive.empty() && !m.member.empty() ? m.member + " in " + m.archive : "not stored";
    std::string details = m.kind == "dump" && !m.format.empty() ? m.format + ", " : "";
    details += m.status.empty() ? "status unknown" : m.status;
    if (!m.sha256.empty()) details += ", sha256 " + m.sha256;
    return fmt::format("{} of pid {} {} ({})", what, m.pid, where, details);
}

}  // namespace irsnap::triage
