// SPDX-License-Identifier: Apache-2.0
#include "irsnap/linux/proc_modules.hpp"

#include "irsnap/linux/text_table.hpp"

#include <array>
#include <charconv>

namespace irsnap::procfs {
namespace {

using table::for_each_line;
using table::to_number;

/// /proc/modules fields; a stray CR (a file copied through Windows) separates like a blank.
std::vector<std::string_view> split_module_fields(std::string_view text) {
    return table::split_ws(text, " \t\r");
}

std::optional<ProcModule> parse_module_line(std::string_view line) {
    auto f = split_module_fields(line);
    if (f.size() != 6 && f.size() != 7) return std::nullopt;
    ProcModule m;
    m.name = std::string(f[0]);
    auto size = to_number<uint64_t>(f[1]);
    if (!size) return std::nullopt;
    m.size = *size;
    if (f[2] != "-") {
        m.refcount = to_number<int64_t>(f[2]);
        if (!m.refcount) return std::nullopt;
    }
    if (f[3] != "-") {
        std::string_view users = f[3];
        while (!users.empty()) {
            size_t comma = users.find(',');
            std::string_view user = users.substr(0, comma);
            users.remove_prefix(comma == std::string_view::npos ? users.size() : comma + 1);
            if (user == "[permanent]") {
                m.permanent = true;
            } else if (!user.empty()) {
                m.used_by.emplace_back(user);
            }
        }
    }
    m.state = std::string(f[4]);
    std::string_view address = f[5];
    if (address.size() < 3 || address.substr(0, 2) != "0x" ||
        !to_number<uint64_t>(address.substr(2), 16)) {
        return std::nullopt;
    }
    if (*to_number<uint64_t>(address.substr(2), 16) != 0) m.address = std::string(address);
    if (f.size() == 7) {
        std::string_view taint = f[6];
        if (taint.size() < 2 || taint.front() != '(' || taint.back() != ')') return std::nullopt;
        m.taint = std::string(taint.substr(1, taint.size() - 2));
    }
    return m;
}

struct TaintBit {
    char letter;
    const char* meaning;
};

// Documentation/admin-guide/tainted-kernels.rst, bits 0..19 in order.
constexpr std::array<TaintBit, 20> k_taint_bits = {{
    {'P', "proprietary module was loaded"},
    {'F', "module was force loaded"},
    {'S', "kernel running on an out of specification system"},
    {'R', "module was force unloaded"},
    {'M', "processor reported a Machine Check Exception (MCE)"},
    {'B', "bad page referenced or some unexpected page flags"},
    {'U', "taint requested by userspace application"},
    {'D', "kernel died recently, i.e. there was an OOPS or BUG"},
    {'A', "an ACPI table was overridden by user"},
    {'W', "kernel issued warning"},
    {'C', "staging driver was loaded"},
    {'I', "workaround for bug in platform firmware applied"},
    {'O', "externally-built (\"out-of-tree\") module was loaded"},
    {'E', "unsigned module was loaded"},
    {'L', "soft lockup occurred"},
    {'K', "kernel has been live patched"},
    {'X', "auxiliary taint, defined for and used by distros"},
    {'T', "kernel was built with the struct randomization plugin"},
    {'N', "an in-kernel test has been run"},
    {'J', "userspace used a mutating debug operation in fwctl"},
}};

}  // namespace

std::vector<ProcModule> parse_proc_modules(std::string_view text, size_t* malformed) {
    std::vector<ProcModule> out;
    size_t bad = 0;
    for_each_line(text, [&](std::string_view line) {
        if (split_module_fields(line).empty()) return;
        if (auto m = parse_module_line(line)) {
            out.push_back(std::move(*m));
        } else {
            ++bad;
        }
    });
    if (malformed) *malformed = bad;
    return out;
}

std::vector<TaintFlag> decode_kernel_taint(uint64_t mask) {
    std::vector<TaintFlag> out;
    for (unsigned bit = 0; bit < 64; ++bit) {
        if ((mask & (uint64_t{1} << bit)) == 0) continue;
        if (bit < k_taint_bits.size()) {
            out.push_back({bit, k_taint_bits[bit].letter, k_taint_bits[bit].meaning});
        } else {
            out.push_back({bit, '?', "unknown taint bit (newer kernel than this build knows)"});
        }
    }
    return out;
}

std::optional<uint64_t> parse_proc_sys_kernel_tainted(std::string_view text) {
    auto f = split_module_fields(text.substr(0, text.find('\n')));
    if (f.size() != 1) return std::nullopt;
    return to_number<uint64_t>(f[0]);
}

std::string normalise_module_name(std::string_view name) {
    std::string out(name);
    for (char& c : out) {
        if (c == '-') c = '_';
    }
    return out;
}

std::map<std::string, std::string> parse_modules_dep(std::string_view text, size_t* malformed) {
    std::map<std::string, std::string> out;
    size_t bad = 0;
    for_each_line(text, [&](std::string_view line) {
        if (split_module_fields(line).empty()) return;
        size_t colon = line.find(':');
        std::string_view path = line.substr(0, colon);
        size_t slash = path.rfind('/');
        std::string_view base = path.substr(slash == std::string_view::npos ? 0 : slash + 1);
        size_t ko = base.find(".ko");
        // The name ends at ".ko", followed by nothing or a compression suffix (.xz, .zst, .gz).
        if (colon == std::string_view::npos || ko == std::string_view::npos || ko == 0 ||
            (ko + 3 != base.size() && base[ko + 3] != '.')) {
            ++bad;
            return;
        }
        out.emplace(normalise_module_name(base.substr(0, ko)), std::string(path));
    });
    if (malformed) *malformed = bad;
    return out;
}

}  // namespace irsnap::procfs
