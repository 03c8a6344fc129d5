// SPDX-License-Identifier: Apache-2.0
#include "network.hpp"

namespace irsnap::collectors {

const CollectorSpec& network_spec() {
    static const std::vector<std::string> k_linux{"linux"};
    static const std::vector<std::string> k_windows{"windows"};
    static const CollectorSpec spec{
        .name = "network",
        .description =
            "TCP, UDP, UDP-Lite, raw (IPv4 and IPv6), unix and packet sockets of every network "
            "namespace, with their owning processes; TCP and UDP are read through two "
            "independent kernel views and reconciled, TCP, UDP and unix sockets also through "
            "the kernel's own socket tables (BPF iterators, when root and not --no-bpf), and a "
            "socket a process holds that no table lists is reported, so a socket one view hides "
            "is a cross-view discrepancy. "
            "On Windows: the TCP and UDP tables (IPv4 and IPv6) of the IP Helper API with the "
            "owning pid each row names.",
        .volatility_rank = 10,
        .why =
            "RFC 3227 network state: connections vanish within seconds, and their owning "
            "pids only mean something while the process table is unchanged, so it runs "
            "before the processes collector.",
        .platforms = {"linux", "windows"},
        .privileges =
            "none for the socket tables; root (CAP_SYS_PTRACE) to name the owning "
            "process of other users' sockets (Windows: none, every user sees every owner pid)",
        .without_privileges =
            "degrades: every socket is listed, owners only for the "
            "caller's own processes; the count of hidden processes is in "
            "coverage",
        .fields =
            {
                {"protocol", "string",
                 "tcp, udp, udplite, raw, unix, packet or netlink (raw, unix, packet and netlink "
                 "sockets are read from /proc only; for raw, local_port is the IP protocol "
                 "number, for packet the ethertype, 3 = every frame, for netlink the port id, "
                 "and local_address the netlink family: route, sock_diag, audit, "
                 "kobject_uevent ...); 'unknown' for a socket a process holds that no table "
                 "lists."},
                {"family", "string", "ipv4, ipv6, unix, packet or netlink; null when unknown."},
                {"local_address", "string",
                 "Local IP address; for unix sockets the path, '@name' for abstract ones, empty "
                 "when unnamed."},
                {"socket_type", "string",
                 "unix sockets: stream, dgram or seqpacket; packet sockets: raw (whole frames) or "
                 "dgram.",
                 k_linux},
                {"interface_index", "integer",
                 "packet sockets: the interface they are bound to, 0 = all interfaces.", k_linux},
                {"local_port", "integer", "Local port."},
                {"remote_address", "string",
                 "Remote IP address (0.0.0.0 / :: when none). Null for UDP on Windows: its table "
                 "has no peer."},
                {"remote_port", "integer", "Remote port (0 when none); null for UDP on Windows."},
                {"state", "string",
                 "TCP state name (LISTEN, ESTABLISHED ...); UDP sockets show CLOSE when "
                 "unconnected "
                 "and ESTABLISHED when connected; unix sockets LISTEN, UNCONNECTED, CONNECTED ...; "
                 "packet sockets RUNNING or STOPPED. Windows TCP states use the same names (its "
                 "CLOSED is CLOSE, SYN_RCVD is SYN_RECV), plus DELETE_TCB; null for UDP on Windows "
                 "(its table does not say whether a socket is connected)."},
                {"local_scope_id", "integer",
                 "IPv6: the scope (zone) id of the local address, e.g. the interface index of a "
                 "link-local one; null for IPv4.",
                 k_windows},
                {"remote_scope_id", "integer",
                 "IPv6 TCP: the scope id of the remote address; null for IPv4 and UDP.", k_windows},
                {"inode", "integer",
                 "Socket inode: the key to /proc/PID/fd links. 0 for sockets "
                 "no process holds (TIME_WAIT).",
                 k_linux},
                {"uid", "integer", "Owning user id of the socket.", k_linux},
                {"tx_queue", "integer",
                 "Bytes in the send queue; for a LISTEN socket, the backlog "
                 "limit.",
                 k_linux},
                {"rx_queue", "integer",
                 "Bytes in the receive queue; for a LISTEN socket, "
                 "connections waiting to be accepted.",
                 k_linux},
                {"netns", "integer",
                 "Inode of the network namespace the socket lives in (as in /proc/PID/ns/net); "
                 "each namespace is read once, through a process that lives in it. Null when "
                 "unknown.",
                 k_linux},
                {"views", "string[]",
                 "Which kernel views saw the socket: netlink (sock_diag), proc (/proc/net "
                 "tables), and iter/tcp, iter/udp or iter/unix (the kernel's own socket hash "
                 "tables through a BPF iterator, read before the other two).",
                 k_linux},
                {"cross_view_discrepancy", "boolean",
                 "Seen steadily by one view and not by the "
                 "other: what a rootkit hooking one interface "
                 "leaves behind.",
                 k_linux},
                {"discrepancy", "string",
                 "What differed: 'hidden from /proc/net' (both netlink dumps saw it, /proc did "
                 "not), 'missing from netlink', 'only the kernel's socket table (iter/tcp) holds "
                 "it: missing from netlink and /proc/net' (a record of its own, views naming only "
                 "the iterator), 'missing from the kernel's socket table (iter/tcp) while "
                 "/proc/net listed it before and after', or 'held by a process but in no socket "
                 "table ...' (each re-checked before it is reported).",
                 k_linux},
                {"owners", "object[]",
                 "Processes holding the socket: pid, fd, name (comm). Windows: the one owner pid "
                 "the table names and its image name from a process list read right after the "
                 "tables (no fd; name null when the pid exited in between); pid 0 (the idle "
                 "process) owns TIME_WAIT sockets, and under Wine every socket."},
                {"escaped_fields", "string[]",
                 "Fields whose text was not valid UTF-8 and was escaped (\\xHH bytes, \\\\ for "
                 "backslash)."},
            },
        .reads_open_handles = true};
    return spec;
}

}  // namespace irsnap::collectors
