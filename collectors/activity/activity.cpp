// SPDX-License-Identifier: Apache-2.0
#include "activity.hpp"

#include <set>

#include "common/specimen_set.hpp"

namespace irsnap::collectors {
namespace {

const std::vector<std::string> k_linux{"linux"};

std::vector<FieldSpec> activity_own_fields() {
    return {
        {"kind", "string",
         "window (one: what was watched, for how long, by which sources), process, connection, "
         "dns, flow (packets on the wire between two endpoints), raw_socket (a raw or packet "
         "socket open during the window), capture (the pcap file) or specimen (the executable "
         "of a process started in the window, copied as samples copies)"},
        {"time", "string",
         "process, connection, dns: when it happened (UTC, microseconds); flow: the first "
         "packet; window: its start"},
        {"monotonic_ns", "integer",
         "the same instant on the host's monotonic clock (CLOCK_MONOTONIC; Windows: the "
         "performance counter), which a clock change during the window does not move"},
        {"event", "string",
         "process: exec, fork or exit (Windows: exec for a process first seen, exit); "
         "connection: connect (an outbound attempt), accept (an inbound connection "
         "established), listen, close, state (another TCP state change), send (a UDP sender, at "
         "most once a second per socket), open (a UDP socket first seen by polling); dns: query "
         "or answer (Windows: cached, an entry new in the DNS cache)"},
        {"source", "string",
         "which view saw it: bpf (a tracepoint), proc_connector (the netlink process "
         "connector), sock_diag (netlink socket dumps polled), wire (the packet capture), "
         "proc (/proc/net), poll (Windows tables polled), dns_cache (Windows)"},
        {"pid", "integer",
         "the process: process events; connection and dns: the owner, null when none could be "
         "named (an accepted connection before any process-context event, a socket gone before "
         "a poll)"},
        {"ppid", "integer", "process: the parent's pid"},
        {"uid", "integer", "process: the real user id", k_linux},
        {"process", "string", "the process's name (comm; Windows: the image name)"},
        {"exe", "string", "process exec, and owners: the executable's path as the kernel names it"},
        {"argv", "string[]", "process exec: the arguments (the first 4 KiB)"},
        {"argv_truncated", "boolean", "process exec: argv was longer than what was read"},
        {"sha256", "string",
         "process exec: SHA-256 of the executable, read through the process while it ran (or "
         "by its path once it had ended; see read_via); specimen: of the content"},
        {"read_via", "string",
         "process exec: how the executable was read: /proc/PID/exe, path (the process had "
         "already ended) or null (not read)"},
        {"exit_code", "integer",
         "process exit: the exit status (Linux: code << 8 | signal, as wait() reports it)"},
        {"lifetime_ms", "integer",
         "process exit: milliseconds since its exec or fork in the window, null when it "
         "started before the window"},
        {"protocol", "string", "connection, flow, dns, raw_socket: tcp, udp, icmp, raw, packet"},
        {"family", "string", "connection, flow: ipv4 or ipv6"},
        {"local_address", "string", "connection, flow: the host's end"},
        {"local_port", "integer", "connection, flow: the host's port"},
        {"remote_address", "string", "connection, flow: the peer"},
        {"remote_port", "integer", "connection, flow: the peer's port"},
        {"old_state", "string",
         "connection: the TCP state before (null when first seen); the names of the network "
         "collector"},
        {"new_state", "string", "connection: the TCP state after (CLOSE when gone)"},
        {"direction", "string",
         "connection, flow: outbound (the host opened it), inbound (to a local listener) or "
         "listen; null when it cannot be told"},
        {"query", "string", "dns: the question's name"},
        {"query_type", "string", "dns: A, AAAA, CNAME, MX, TXT, PTR ... or TYPEnnn"},
        {"response_code", "string", "dns answer: NOERROR, NXDOMAIN, SERVFAIL, REFUSED ..."},
        {"answers", "object[]",
         "dns answer: {name, type, ttl, data} of the answer section (first 64)"},
        {"transaction_id", "integer", "dns: the message id that pairs a query with its answer"},
        {"client_address", "string", "dns: the asking end"},
        {"client_port", "integer", "dns: the asking end's port"},
        {"server_address", "string", "dns: the resolver"},
        {"interface", "string", "flow, dns: the interface the packets crossed", k_linux},
        {"netns", "integer", "flow, dns, raw_socket: inode of the network namespace", k_linux},
        {"last_time", "string", "flow: the last packet (UTC)"},
        {"packets_out", "integer", "flow: packets the host sent"},
        {"packets_in", "integer", "flow: packets the host received"},
        {"bytes_out", "integer", "flow: bytes sent (IP length)"},
        {"bytes_in", "integer", "flow: bytes received (IP length)"},
        {"tcp_flags", "string[]", "flow: TCP flags seen (SYN, ACK, FIN, RST, PSH, URG)"},
        {"socket_seen", "boolean",
         "flow: some socket view (sock_diag, /proc/net, the BPF events, the snapshot) listed "
         "its local endpoint during the window; false is traffic without a socket: a raw-socket "
         "sender or listener (BPFDoor's magic packets), a hidden socket, or a forwarded or "
         "NATed flow",
         k_linux},
        {"socket_views", "string[]", "flow: the views that listed its local endpoint", k_linux},
        {"socket_type", "string", "raw_socket: raw or packet", k_linux},
        {"inode", "integer", "raw_socket: its inode (/proc/PID/fd links)", k_linux},
        {"owners", "object[]", "raw_socket: the processes holding it: pid, name", k_linux},
        {"seconds_requested", "integer", "window: --observe"},
        {"seconds", "number", "window: how long it watched"},
        {"ended", "string", "window: its end (UTC)"},
        {"event_sources", "string[]",
         "window: the event sources that ran (bpf/sched_process_exec, "
         "bpf/inet_sock_set_state, proc_connector, sock_diag, wire ...)"},
        {"poll_interval_ms", "integer",
         "window: how often socket (and on Windows process) tables were read; a connection "
         "shorter than that can be missed"},
        {"events", "object", "window: records written, by kind"},
        {"events_lost", "integer",
         "window: events the kernel dropped (BPF ring buffer full, process connector "
         "overrun)"},
        {"events_not_written", "integer",
         "window: process, connection, dns and flow records past the 200,000 a window writes, "
         "counted and not written (coverage says so)"},
        {"interfaces", "string[]", "capture: the interfaces captured on", k_linux},
        {"format", "string", "capture: pcap (nanosecond, LINKTYPE_LINUX_SLL2)", k_linux},
        {"attachment", "string", "capture: the file in artifacts/ (<NN>_activity.pcap)", k_linux},
        {"snaplen", "integer", "capture: bytes kept of each packet", k_linux},
        {"packets", "integer", "capture: packets seen", k_linux},
        {"packets_written", "integer", "capture: packets in the file", k_linux},
        {"packets_dropped", "integer", "capture: packets the kernel dropped (ring full)", k_linux},
        {"budget_reached", "boolean",
         "capture: --max-capture-bytes was reached and later packets were not written "
         "(they were still counted and decoded)",
         k_linux},
        {"status", "string",
         "window: complete, interrupted (Ctrl-C) or timeout (--timeout-per-collector); "
         "specimen: as the samples collector's"},
        {"status_note", "string", "window, specimen: details of the status"},
        {"escaped_fields", "string[]",
         "Fields whose text was not valid UTF-8 or held control bytes and was escaped (\\xHH "
         "bytes, \\\\ for backslash)."},
    };
}

std::vector<FieldSpec> activity_fields() {
    auto fields = activity_own_fields();
    std::set<std::string> names;
    for (const auto& f : fields) names.insert(f.name);
    // A specimen record is the samples collector's record plus kind; shared names (sha256,
    // status) are described once above.
    for (auto& f : specimen_fields()) {
        if (names.insert(f.name).second) fields.push_back(std::move(f));
    }
    return fields;
}

}  // namespace

const CollectorSpec& activity_spec() {
    static const CollectorSpec spec = [] {
        CollectorSpec s{
            .name = "activity",
            .description =
                "What happened during an observation window, with --observe SECONDS only: "
                "processes started and ended (with argv and SHA-256 at exec), TCP state changes "
                "and UDP senders with their processes, DNS queries and answers, and the packet "
                "headers on every interface into a pcap file (docs/observe.md).",
            .volatility_rank = 60,
            .why =
                "A beacon calls home every few minutes and a downloader lives for a second: no "
                "snapshot sees them. The window follows every volatile snapshot, so those are "
                "taken before irsnap waits, and precedes the files on disk, which a window "
                "does not change.",
            .platforms = {"linux", "windows"},
            .privileges =
                "root: BPF (CAP_BPF, CAP_PERFMON), the process connector and AF_PACKET capture "
                "(CAP_NET_ADMIN, CAP_NET_RAW); Windows: none for the tables (every owner pid is "
                "listed), administrator for other users' executables",
            .without_privileges =
                "degrades: process events from /proc polled, connections from sock_diag polled, "
                "no capture and no DNS; coverage says which sources did not run",
            .fields = activity_fields(),
            .details =
                "Off by default; --observe SECONDS turns it on (--collectors activity alone "
                "observes for 60 s). The window ends early on Ctrl-C or at "
                "--timeout-per-collector; the bundle is complete either way. The pcap holds the "
                "first --capture-snaplen bytes (128) of every packet up to --max-capture-bytes "
                "(64 MiB); with --recipient it is sealed with the rest of the bundle. Windows: "
                "no capture (it needs a driver) and DNS from the resolver cache."};
        return s;
    }();
    return spec;
}

}  // namespace irsnap::collectors
