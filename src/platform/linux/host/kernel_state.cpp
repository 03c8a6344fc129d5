// SPDX-License-Identifier: Apache-2.0
#include "irsnap/linux/kernel_state.hpp"

#include <charconv>

namespace irsnap::procfs {
namespace {

template <typename T>
bool parse_decimal(std::string_view s, T& out) {
    if (s.empty()) return false;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size();
}

/// Splits `s` at the first `sep`; `s` keeps the rest (empty when there is no `sep`).
std::string_view take(std::string_view& s, char sep) {
    const size_t at = s.find(sep);
    std::string_view head = s.substr(0, at);
    s = at == std::string_view::npos ? std::string_view() : s.substr(at + 1);
    return head;
}

}  // namespace

std::optional<KmsgRecord> parse_dev_kmsg_record(std::string_view text) {
    const size_t semicolon = text.find(';');
    if (semicolon == std::string_view::npos) return std::nullopt;
    std::string_view prefix = text.substr(0, semicolon);
    // The message ends at the first newline; the kernel escapes newlines inside it as \x0a.
    std::string_view rest = text.substr(semicolon + 1);
    const size_t newline = rest.find('\n');
    KmsgRecord r;
    r.message = std::string(rest.substr(0, newline));
    rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);

    unsigned pri = 0;
    if (!parse_decimal(take(prefix, ','), pri)) return std::nullopt;
    if (!parse_decimal(take(prefix, ','), r.seq)) return std::nullopt;
    if (!parse_decimal(take(prefix, ','), r.usec)) return std::nullopt;
    r.flag = std::string(take(prefix, ','));
    if (r.flag.empty()) return std::nullopt;
    r.facility = pri >> 3;
    r.level = pri & 7;

    while (!rest.empty()) {
        std::string_view line = take(rest, '\n');
        // Continuation lines start with one space; anything else is not part of the ABI.
        if (line.size() < 2 || line.front() != ' ') continue;
        line.remove_prefix(1);
        const size_t eq = line.find('=');
        if (eq == std::string_view::npos || eq == 0) continue;
        r.properties.emplace_back(std::string(line.substr(0, eq)),
                                  std::string(line.substr(eq + 1)));
    }
    return r;
}

std::vector<std::string> kmsg_markers(std::string_view message) {
    // Substrings of the kernel's own messages (kernel/module, kernel/panic.c, kernel/trace,
    // security/lockdown, kernel/bpf): what loading foreign code or hooking with BPF prints.
    struct Marker {
        std::string_view needle;
        const char* name;
    };
    static constexpr Marker k_markers[] = {
        {"module verification failed", "module_verification_failed"},
        {"taints kernel", "taints_kernel"},
        {"bpf_probe_write_user", "bpf_probe_write_user"},
        {"Lockdown:", "lockdown"},
        {"trace_printk()", "bpf_trace_printk"},
        {"unprivileged eBPF", "unprivileged_bpf"},
    };
    std::vector<std::string> out;
    for (const auto& m : k_markers) {
        if (message.find(m.needle) != std::string_view::npos) out.emplace_back(m.name);
    }
    return out;
}

std::optional<std::string> parse_sys_kernel_security_lockdown(std::string_view text,
                                                              std::vector<std::string>* modes) {
    std::optional<std::string> current;
    size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t')) ++i;
        const size_t begin = i;
        while (i < text.size() && text[i] != ' ' && text[i] != '\n' && text[i] != '\t') ++i;
        std::string_view word = text.substr(begin, i - begin);
        if (word.empty()) continue;
        if (word.size() > 2 && word.front() == '[' && word.back() == ']') {
            word = word.substr(1, word.size() - 2);
            if (!current) current = std::string(word);
        }
        if (modes) modes->emplace_back(word);
    }
    return current;
}

std::string parse_proc_sys_value(std::string_view text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\t'))
        text.remove_suffix(1);
    return std::string(text);
}

std::optional<int64_t> parse_proc_sys_integer(std::string_view text) {
    const std::string value = parse_proc_sys_value(text);
    int64_t out = 0;
    if (!parse_decimal(std::string_view(value), out)) return std::nullopt;
    return out;
}

}  // namespace irsnap::procfs
