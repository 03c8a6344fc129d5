// SPDX-License-Identifier: Apache-2.0
#include "irsnap/linux/proc_maps.hpp"

#include "irsnap/linux/text_table.hpp"

#include <array>
#include <charconv>
#include <optional>

namespace irsnap::procfs {
namespace {

using table::to_number;

/// The next space-delimited field; `rest` moves past it and its single separating space.
std::string_view next_field(std::string_view& rest) {
    size_t space = rest.find(' ');
    std::string_view field = rest.substr(0, space);
    rest.remove_prefix(space == std::string_view::npos ? rest.size() : space + 1);
    return field;
}

bool valid_perms(std::string_view perms) {
    return perms.size() == 4 && (perms[0] == 'r' || perms[0] == '-') &&
           (perms[1] == 'w' || perms[1] == '-') && (perms[2] == 'x' || perms[2] == '-') &&
           (perms[3] == 'p' || perms[3] == 's');
}

std::optional<MapsEntry> parse_line(std::string_view line) {
    MapsEntry e;
    std::string_view rest = line;
    std::string_view range = next_field(rest);
    size_t dash = range.find('-');
    if (dash == std::string_view::npos) return std::nullopt;
    auto start = to_number<uint64_t>(range.substr(0, dash), 16);
    auto end = to_number<uint64_t>(range.substr(dash + 1), 16);
    if (!start || !end || *end < *start) return std::nullopt;
    e.start = *start;
    e.end = *end;

    std::string_view perms = next_field(rest);
    if (!valid_perms(perms)) return std::nullopt;
    e.perms = std::string(perms);

    auto offset = to_number<uint64_t>(next_field(rest), 16);
    if (!offset) return std::nullopt;
    e.offset = *offset;

    std::string_view dev = next_field(rest);
    size_t colon = dev.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    auto major = to_number<uint32_t>(dev.substr(0, colon), 16);
    auto minor = to_number<uint32_t>(dev.substr(colon + 1), 16);
    if (!major || !minor) return std::nullopt;
    e.dev_major = *major;
    e.dev_minor = *minor;

    auto inode = to_number<uint64_t>(next_field(rest), 10);
    if (!inode) return std::nullopt;
    e.inode = *inode;

    // The kernel pads to a column before the name; names start with '/' or '[', so the padding
    // never eats part of one. Trailing spaces belong to the name (a file may end in a space).
    size_t name = rest.find_first_not_of(' ');
    if (name != std::string_view::npos) e.pathname = std::string(rest.substr(name));
    return e;
}

}  // namespace

bool is_memfd_pathname(std::string_view pathname) {
    return pathname.rfind("/memfd:", 0) == 0;
}

MapsBacking maps_backing(std::string_view pathname) {
    if (pathname.empty()) return MapsBacking::anonymous;
    if (pathname.front() != '[') return MapsBacking::file;
    // Regions the kernel itself maps into every process (or for uprobes / ARM signal return).
    static constexpr std::array<std::string_view, 7> k_kernel = {
        "[vdso]", "[vvar]", "[vvar_vclock]", "[vsyscall]", "[vectors]", "[sigpage]", "[uprobes]"};
    for (auto name : k_kernel) {
        if (pathname == name) return MapsBacking::kernel;
    }
    // [heap], [stack], [stack:TID] (old kernels), [anon:NAME] and [anon_shmem:NAME] (names set
    // by the process with prctl, so they prove nothing): memory without a file.
    return MapsBacking::anonymous;
}

std::vector<MapsEntry> parse_proc_pid_maps(std::string_view text, size_t* malformed) {
    std::vector<MapsEntry> out;
    size_t bad = 0;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        if (line.empty()) continue;
        if (auto entry = parse_line(line)) {
            out.push_back(std::move(*entry));
        } else {
            ++bad;
        }
    }
    if (malformed) *malformed = bad;
    return out;
}

std::map<uint64_t, std::string> parse_proc_pid_smaps_flags(std::string_view text) {
    std::map<uint64_t, std::string> out;
    std::optional<uint64_t> current;
    constexpr std::string_view k_flags = "VmFlags:";
    while (!text.empty()) {
        const size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        if (line.substr(0, k_flags.size()) == k_flags) {
            if (!current) continue;
            std::string_view flags = line.substr(k_flags.size());
            while (!flags.empty() && flags.front() == ' ') flags.remove_prefix(1);
            while (!flags.empty() && (flags.back() == ' ' || flags.back() == '\r')) {
                flags.remove_suffix(1);
            }
            out[*current] = std::string(flags);
            current.reset();
            continue;
        }
        // A mapping header is a maps line; "Rss:   4 kB" and the like are not.
        if (auto entry = parse_line(line)) current = entry->start;
    }
    return out;
}

bool has_vm_flag(std::string_view flags, std::string_view flag) {
    while (!flags.empty()) {
        const size_t space = flags.find(' ');
        if (flags.substr(0, space) == flag) return true;
        if (space == std::string_view::npos) break;
        flags.remove_prefix(space + 1);
    }
    return false;
}

}  // namespace irsnap::procfs
