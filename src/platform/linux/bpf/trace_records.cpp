// SPDX-License-Identifier: Apache-2.0
// Decoding the activity tracepoints' ring-buffer records (bpf_trace_records.h): pure, so it is
// tested over literal bytes and fuzzed; the loader lives in ../bpf_iter/activity_trace.cpp.
#include <linux/types.h>

#include <array>
#include <cstring>

#include "irsnap/ip_text.hpp"
#include "irsnap/linux/activity_trace.hpp"
#include "irsnap/linux/bpf_trace_records.h"

namespace irsnap::trace {
namespace {

constexpr int k_trace_af_inet = 2;
constexpr int k_trace_af_inet6 = 10;

std::string trace_fixed_text(const char* bytes, size_t size) {
    return std::string(bytes, strnlen(bytes, size));
}

/// The record as struct R when `bytes` is exactly one: the ring buffer has no alignment
/// guarantee for a copy held elsewhere, so the struct is copied out.
template <class R>
std::optional<R> trace_exactly(std::string_view bytes) {
    if (bytes.size() != sizeof(R)) return std::nullopt;
    R r;
    std::memcpy(&r, bytes.data(), sizeof(R));
    if (r.h.size != sizeof(R)) return std::nullopt;
    return r;
}

TraceEvent trace_from_header(const irsnap_trace_header& h, EventKind kind) {
    TraceEvent e;
    e.kind = kind;
    e.monotonic_ns = h.monotonic_ns;
    e.pid = h.tgid;
    e.tid = h.pid;
    e.comm = trace_fixed_text(h.comm, sizeof(h.comm));
    return e;
}

/// NUL-separated arguments as /proc/PID/cmdline holds them; the final NUL ends the last one.
std::vector<std::string> trace_split_argv(std::string_view area) {
    std::vector<std::string> args;
    while (!area.empty()) {
        const size_t nul = area.find('\0');
        args.emplace_back(area.substr(0, nul));
        if (nul == std::string_view::npos) break;
        area.remove_prefix(nul + 1);
    }
    return args;
}

std::optional<TraceEvent> trace_decode_exec(std::string_view bytes) {
    auto r = trace_exactly<irsnap_trace_exec>(bytes);
    if (!r) return std::nullopt;
    if (r->filename_len >= static_cast<int32_t>(sizeof(r->filename))) return std::nullopt;
    if (r->argv_len > sizeof(r->argv)) return std::nullopt;
    TraceEvent e = trace_from_header(r->h, EventKind::exec);
    e.ppid = r->ppid;
    e.uid = r->uid;
    if (r->filename_len > 0) e.filename.assign(r->filename, static_cast<size_t>(r->filename_len));
    e.argv = trace_split_argv(std::string_view(r->argv, r->argv_len));
    e.argv_truncated = r->argv_truncated != 0;
    return e;
}

std::optional<TraceEvent> trace_decode_fork(std::string_view bytes) {
    auto r = trace_exactly<irsnap_trace_fork>(bytes);
    if (!r) return std::nullopt;
    TraceEvent e = trace_from_header(r->h, EventKind::fork);
    e.child_pid = r->child_tgid;
    return e;
}

std::optional<TraceEvent> trace_decode_exit(std::string_view bytes) {
    auto r = trace_exactly<irsnap_trace_exit>(bytes);
    if (!r) return std::nullopt;
    TraceEvent e = trace_from_header(r->h, EventKind::exit);
    e.exit_code = r->exit_code;
    return e;
}

std::optional<TraceEvent> trace_decode_sock(std::string_view bytes, EventKind kind) {
    auto r = trace_exactly<irsnap_trace_sock>(bytes);
    if (!r) return std::nullopt;
    if (r->family != k_trace_af_inet && r->family != k_trace_af_inet6) return std::nullopt;
    TraceEvent e = trace_from_header(r->h, kind);
    e.sock = r->skaddr;
    e.family = r->family;
    const bool v6 = r->family == k_trace_af_inet6;
    e.saddr = v6 ? ip::format_ipv6(r->saddr) : ip::format_ipv4(r->saddr);
    e.daddr = v6 ? ip::format_ipv6(r->daddr) : ip::format_ipv4(r->daddr);
    e.sport = r->sport;
    e.dport = r->dport;
    e.old_state = r->old_state;
    e.new_state = r->new_state;
    return e;
}

}  // namespace

std::string tcp_state_name(int state) {
    // include/net/tcp_states.h, numbered from 1.
    static constexpr std::array<const char*, 13> k_names = {
        "ESTABLISHED", "SYN_SENT",     "SYN_RECV",      "FIN_WAIT1", "FIN_WAIT2",
        "TIME_WAIT",   "CLOSE",        "CLOSE_WAIT",    "LAST_ACK",  "LISTEN",
        "CLOSING",     "NEW_SYN_RECV", "BOUND_INACTIVE"};
    if (state >= 1 && state <= static_cast<int>(k_names.size())) return k_names[state - 1];
    return "STATE_" + std::to_string(state);
}

std::optional<TraceEvent> decode_trace_record(std::string_view bytes) {
    if (bytes.size() < sizeof(irsnap_trace_header)) return std::nullopt;
    irsnap_trace_header h;
    std::memcpy(&h, bytes.data(), sizeof(h));
    switch (h.kind) {
        case IRSNAP_TRACE_EXEC:
            return trace_decode_exec(bytes);
        case IRSNAP_TRACE_FORK:
            return trace_decode_fork(bytes);
        case IRSNAP_TRACE_EXIT:
            return trace_decode_exit(bytes);
        case IRSNAP_TRACE_TCP_STATE:
            return trace_decode_sock(bytes, EventKind::tcp_state);
        case IRSNAP_TRACE_UDP_SEND:
            return trace_decode_sock(bytes, EventKind::udp_send);
        default:
            return std::nullopt;
    }
}

}  // namespace irsnap::trace
