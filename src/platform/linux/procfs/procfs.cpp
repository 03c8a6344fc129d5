// SPDX-License-Identifier: Apache-2.0
#include "irsnap/linux/procfs.hpp"

#include "irsnap/linux/text_table.hpp"

#include <charconv>
#include <cstdlib>

namespace irsnap::procfs {
namespace {

using table::for_each_line;
using table::to_number;

/// Fields of one /proc line or of a whole small file: newlines separate like blanks.
std::vector<std::string_view> split_proc_fields(std::string_view text) {
    return table::split_ws(text, " \t\n");
}

std::optional<double> to_double(std::string_view text) {
    // from_chars for double is in libstdc++ 11+, locale-independent: what /proc needs.
    double value{};
    if (text.empty()) return std::nullopt;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

std::vector<std::string> split_nul(std::string_view bytes) {
    std::vector<std::string> out;
    if (bytes.empty()) return out;
    if (bytes.back() == '\0') bytes.remove_suffix(1);
    size_t start = 0;
    while (true) {
        size_t nul = bytes.find('\0', start);
        out.emplace_back(bytes.substr(start, nul - start));
        if (nul == std::string_view::npos) break;
        start = nul + 1;
    }
    return out;
}

/// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string decode_octal_escapes(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 3 < text.size()) {
            std::string_view oct = text.substr(i + 1, 3);
            bool ok = oct.size() == 3;
            for (char c : oct) ok = ok && c >= '0' && c <= '7';
            if (ok) {
                out.push_back(static_cast<char>(std::strtol(std::string(oct).c_str(), nullptr, 8)));
                i += 3;
                continue;
            }
        }
        out.push_back(text[i]);
    }
    return out;
}

std::optional<std::array<int64_t, 4>> parse_id_quad(std::string_view value) {
    auto parts = split_proc_fields(value);
    if (parts.size() != 4) return std::nullopt;
    std::array<int64_t, 4> ids{};
    for (size_t i = 0; i < 4; ++i) {
        auto n = to_number<int64_t>(parts[i]);
        if (!n) return std::nullopt;
        ids[i] = *n;
    }
    return ids;
}

}  // namespace

std::optional<PidStat> parse_proc_pid_stat(std::string_view text) {
    size_t open = text.find('(');
    size_t close = text.rfind(')');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
        return std::nullopt;
    }
    PidStat st;
    auto head = split_proc_fields(text.substr(0, open));
    if (head.size() != 1) return std::nullopt;
    auto pid = to_number<int64_t>(head[0]);
    if (!pid) return std::nullopt;
    st.pid = *pid;
    st.comm = std::string(text.substr(open + 1, close - open - 1));
    // Fields after comm, numbered from 3 (state) as in proc(5).
    auto rest = split_proc_fields(text.substr(close + 1));
    if (rest.size() < 22) return std::nullopt;  // need up to rss (field 24)
    auto field = [&](int number) { return rest[static_cast<size_t>(number - 3)]; };
    if (field(3).size() != 1) return std::nullopt;
    st.state = field(3)[0];
    auto ppid = to_number<int64_t>(field(4));
    auto pgrp = to_number<int64_t>(field(5));
    auto session = to_number<int64_t>(field(6));
    auto tty = to_number<int64_t>(field(7));
    auto tpgid = to_number<int64_t>(field(8));
    auto flags = to_number<uint64_t>(field(9));
    auto priority = to_number<int64_t>(field(18));
    auto nice = to_number<int64_t>(field(19));
    auto threads = to_number<int64_t>(field(20));
    auto start = to_number<uint64_t>(field(22));
    auto vsize = to_number<uint64_t>(field(23));
    auto rss = to_number<int64_t>(field(24));
    if (!ppid || !pgrp || !session || !tty || !tpgid || !flags || !priority || !nice || !threads ||
        !start || !vsize || !rss) {
        return std::nullopt;
    }
    st.ppid = *ppid;
    st.pgrp = *pgrp;
    st.session = *session;
    st.tty_nr = *tty;
    st.tpgid = *tpgid;
    st.flags = *flags;
    st.priority = *priority;
    st.nice = *nice;
    st.num_threads = *threads;
    st.starttime_ticks = *start;
    st.vsize_bytes = *vsize;
    st.rss_pages = *rss;
    return st;
}

PidStatus parse_proc_pid_status(std::string_view text) {
    PidStatus status;
    for_each_line(text, [&](std::string_view line) {
        size_t colon = line.find(':');
        if (colon == std::string_view::npos) return;
        std::string_view key = line.substr(0, colon);
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
            value.remove_prefix(1);
        }
        if (key == "Name") {
            status.name = std::string(value);
        } else if (key == "Tgid") {
            status.tgid = to_number<int64_t>(value);
        } else if (key == "Uid") {
            status.uid = parse_id_quad(value);
        } else if (key == "Gid") {
            status.gid = parse_id_quad(value);
        } else if (key == "PPid") {
            status.ppid = to_number<int64_t>(value);
        } else if (key == "Threads") {
            status.threads = to_number<int64_t>(value);
        } else if (key == "CapEff") {
            status.cap_eff = to_number<uint64_t>(value, 16);
        } else if (key == "VmRSS") {
            auto parts = split_proc_fields(value);
            if (!parts.empty()) status.vm_rss_kb = to_number<int64_t>(parts[0]);
        }
    });
    return status;
}

std::vector<std::string> parse_proc_pid_cmdline(std::string_view bytes) {
    return split_nul(bytes);
}

std::vector<std::pair<std::string, std::string>> parse_proc_pid_environ(std::string_view bytes) {
    std::vector<std::pair<std::string, std::string>> out;
    for (auto& entry : split_nul(bytes)) {
        if (entry.empty()) continue;
        size_t eq = entry.find('=');
        if (eq == std::string::npos) {
            out.emplace_back(entry, std::string{});
        } else {
            out.emplace_back(entry.substr(0, eq), entry.substr(eq + 1));
        }
    }
    return out;
}

std::optional<int64_t> parse_proc_stat_btime(std::string_view text) {
    std::optional<int64_t> btime;
    for_each_line(text, [&](std::string_view line) {
        auto parts = split_proc_fields(line);
        if (parts.size() == 2 && parts[0] == "btime") btime = to_number<int64_t>(parts[1]);
    });
    return btime;
}

std::vector<MountInfo> parse_proc_pid_mountinfo(std::string_view text, size_t* malformed) {
    std::vector<MountInfo> out;
    size_t bad = 0;
    for_each_line(text, [&](std::string_view line) {
        if (line.empty()) return;
        // Exactly one space separates fields (spaces inside are \040), and a field may be empty:
        // an empty mount source prints as two spaces, which a whitespace split would swallow.
        std::vector<std::string_view> parts;
        for (size_t start = 0;;) {
            size_t space = line.find(' ', start);
            parts.push_back(line.substr(start, space - start));
            if (space == std::string_view::npos) break;
            start = space + 1;
        }
        size_t sep = 0;
        for (size_t i = 6; i < parts.size(); ++i) {
            if (parts[i] == "-") {
                sep = i;
                break;
            }
        }
        // At least: id parent dev root mountpoint options - fstype source.
        if (sep == 0 || sep + 2 >= parts.size()) {
            ++bad;
            return;
        }
        MountInfo m;
        auto id = to_number<int64_t>(parts[0]);
        auto parent = to_number<int64_t>(parts[1]);
        size_t colon = parts[2].find(':');
        if (!id || !parent || colon == std::string_view::npos) {
            ++bad;
            return;
        }
        auto major = to_number<uint32_t>(parts[2].substr(0, colon));
        auto minor = to_number<uint32_t>(parts[2].substr(colon + 1));
        if (!major || !minor) {
            ++bad;
            return;
        }
        m.mount_id = *id;
        m.parent_id = *parent;
        m.major = *major;
        m.minor = *minor;
        m.root = decode_octal_escapes(parts[3]);
        m.mount_point = decode_octal_escapes(parts[4]);
        m.mount_options = std::string(parts[5]);
        for (size_t i = 6; i < sep; ++i) m.optional_fields.emplace_back(parts[i]);
        m.fs_type = std::string(parts[sep + 1]);
        m.source = decode_octal_escapes(parts[sep + 2]);
        if (sep + 3 < parts.size()) m.super_options = std::string(parts[sep + 3]);
        out.push_back(std::move(m));
    });
    if (malformed) *malformed = bad;
    return out;
}

std::vector<CgroupEntry> parse_proc_pid_cgroup(std::string_view text) {
    std::vector<CgroupEntry> out;
    for_each_line(text, [&](std::string_view line) {
        size_t first = line.find(':');
        if (first == std::string_view::npos) return;
        size_t second = line.find(':', first + 1);
        if (second == std::string_view::npos) return;
        auto id = to_number<int64_t>(line.substr(0, first));
        if (!id) return;
        // The path is everything after the second colon: it may itself contain ':'.
        out.push_back({*id, std::string(line.substr(first + 1, second - first - 1)),
                       std::string(line.substr(second + 1))});
    });
    return out;
}

std::optional<uint64_t> parse_proc_pid_ns_link(std::string_view target) {
    size_t open = target.find(":[");
    if (open == std::string_view::npos || target.empty() || target.back() != ']') {
        return std::nullopt;
    }
    return to_number<uint64_t>(target.substr(open + 2, target.size() - open - 3));
}

std::optional<std::pair<double, double>> parse_proc_uptime(std::string_view text) {
    auto parts = split_proc_fields(text);
    if (parts.size() != 2) return std::nullopt;
    auto up = to_double(parts[0]);
    auto idle = to_double(parts[1]);
    if (!up || !idle) return std::nullopt;
    return std::make_pair(*up, *idle);
}

std::optional<LoadAvg> parse_proc_loadavg(std::string_view text) {
    auto parts = split_proc_fields(text);
    if (parts.size() != 5) return std::nullopt;
    size_t slash = parts[3].find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    auto one = to_double(parts[0]);
    auto five = to_double(parts[1]);
    auto fifteen = to_double(parts[2]);
    auto runnable = to_number<int64_t>(parts[3].substr(0, slash));
    auto total = to_number<int64_t>(parts[3].substr(slash + 1));
    auto last = to_number<int64_t>(parts[4]);
    if (!one || !five || !fifteen || !runnable || !total || !last) return std::nullopt;
    return LoadAvg{*one, *five, *fifteen, *runnable, *total, *last};
}

std::map<std::string, uint64_t> parse_proc_meminfo(std::string_view text) {
    std::map<std::string, uint64_t> out;
    for_each_line(text, [&](std::string_view line) {
        size_t colon = line.find(':');
        if (colon == std::string_view::npos) return;
        auto parts = split_proc_fields(line.substr(colon + 1));
        if (parts.empty()) return;
        auto value = to_number<uint64_t>(parts[0]);
        if (!value) return;
        bool kb = parts.size() > 1 && parts[1] == "kB";
        out[std::string(line.substr(0, colon))] = kb ? *value * 1024 : *value;
    });
    return out;
}

std::vector<std::string> capability_names(uint64_t mask) {
    // Order is the kernel's capability numbering (include/uapi/linux/capability.h).
    static constexpr const char* k_names[] = {"cap_chown",
                                              "cap_dac_override",
                                              "cap_dac_read_search",
                                              "cap_fowner",
                                              "cap_fsetid",
                                              "cap_kill",
                                              "cap_setgid",
                                              "cap_setuid",
                                              "cap_setpcap",
                                              "cap_linux_immutable",
                                              "cap_net_bind_service",
                                              "cap_net_broadcast",
                                              "cap_net_admin",
                                              "cap_net_raw",
                                              "cap_ipc_lock",
                                              "cap_ipc_owner",
                                              "cap_sys_module",
                                              "cap_sys_rawio",
                                              "cap_sys_chroot",
                                              "cap_sys_ptrace",
                                              "cap_sys_pacct",
                                              "cap_sys_admin",
                                              "cap_sys_boot",
                                              "cap_sys_nice",
                                              "cap_sys_resource",
                                              "cap_sys_time",
                                              "cap_sys_tty_config",
                                              "cap_mknod",
                                              "cap_lease",
                                              "cap_audit_write",
                                              "cap_audit_control",
                                              "cap_setfcap",
                                              "cap_mac_override",
                                              "cap_mac_admin",
                                              "cap_syslog",
                                              "cap_wake_alarm",
                                              "cap_block_suspend",
                                              "cap_audit_read",
                                              "cap_perfmon",
                                              "cap_bpf",
                                              "cap_checkpoint_restore"};
    std::vector<std::string> out;
    for (unsigned bit = 0; bit < 64; ++bit) {
        if (!(mask & (uint64_t{1} << bit))) continue;
        if (bit < std::size(k_names)) {
            out.emplace_back(k_names[bit]);
        } else {
            out.push_back("cap_" + std::to_string(bit));
        }
    }
    return out;
}

std::string tty_name(int64_t tty_nr) {
    if (tty_nr == 0) return {};
    // dev_t encoding used by the kernel for tty_nr: major in bits 8-15, minor in 0-7 and 20-31.
    auto major = static_cast<uint32_t>((tty_nr >> 8) & 0xfff);
    auto minor = static_cast<uint32_t>((tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00));
    if (major >= 136 && major <= 143) return "pts/" + std::to_string((major - 136) * 256 + minor);
    if (major == 4 && minor < 64) return "tty" + std::to_string(minor);
    if (major == 4) return "ttyS" + std::to_string(minor - 64);
    if (major == 5 && minor == 1) return "console";
    return std::to_string(major) + ":" + std::to_string(minor);
}

std::string_view strip_deleted_suffix(std::string_view target, bool* had_suffix) {
    constexpr std::string_view k_suffix = " (deleted)";
    bool has = target.size() >= k_suffix.size() &&
               target.substr(target.size() - k_suffix.size()) == k_suffix;
    if (had_suffix) *had_suffix = has;
    return has ? target.substr(0, target.size() - k_suffix.size()) : target;
}

}  // namespace irsnap::procfs
