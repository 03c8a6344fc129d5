// SPDX-License-Identifier: Apache-2.0
// /proc/iomem's top-level System RAM ranges (physical_memory_map.hpp). Lines look like
// "00100000-bffdffff : System RAM"; nested resources (kernel code, reserved parts) are indented
// and are not RAM ranges of their own.
#include <algorithm>
#include <charconv>

#include "irsnap/linux/physical_memory_map.hpp"

namespace irsnap::physmem {
namespace {

std::optional<uint64_t> hex(std::string_view text) {
    uint64_t value = 0;
    if (text.empty() || text.size() > 16) return std::nullopt;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

}  // namespace

IomemRam parse_iomem_system_ram(std::string_view text) {
    IomemRam out;
    bool any_line = false;
    bool any_nonzero = false;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        const std::string_view line = text.substr(start, end - start);
        start = end + 1;
        if (line.empty() || line.front() == ' ') continue;  // nested, or blank
        const size_t dash = line.find('-');
        const size_t colon = line.find(" : ");
        if (dash == std::string_view::npos || colon == std::string_view::npos || dash > colon) {
            ++out.malformed;
            continue;
        }
        const auto first = hex(line.substr(0, dash));
        const auto last = hex(line.substr(dash + 1, colon - dash - 1));
        if (!first || !last || *last < *first) {
            ++out.malformed;
            continue;
        }
        any_line = true;
        any_nonzero = any_nonzero || *first != 0 || *last != 0;
        if (line.substr(colon + 3) != "System RAM") continue;
        // The inclusive last address of the whole address space has no exclusive end.
        if (*last == UINT64_MAX) {
            ++out.malformed;
            continue;
        }
        out.ranges.push_back({*first, *last + 1});
    }
    out.addresses_hidden = any_line && !any_nonzero;
    if (out.addresses_hidden) out.ranges.clear();
    std::sort(out.ranges.begin(), out.ranges.end(),
              [](const PhysicalRange& a, const PhysicalRange& b) { return a.start < b.start; });
    // Top-level resources never overlap on a real kernel; a text where they do is not trusted
    // twice over the same bytes.
    std::vector<PhysicalRange> kept;
    for (const auto& r : out.ranges) {
        if (!kept.empty() && r.start < kept.back().end) {
            ++out.malformed;
            continue;
        }
        kept.push_back(r);
    }
    out.ranges = std::move(kept);
    return out;
}

}  // namespace irsnap::physmem
