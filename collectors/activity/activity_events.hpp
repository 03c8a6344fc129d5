// SPDX-License-Identifier: Apache-2.0
// What the platforms' event sources hand the activity recorder: one shape per record kind, the
// same on Linux and Windows, so the records (and triage) do not depend on the source.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace irsnap::collectors::activity {

/// One instant on both clocks: the wall clock for the reader, the monotonic one for intervals
/// that a clock change during the window must not distort.
struct Stamp {
    int64_t unix_ns = 0;
    int64_t monotonic_ns = 0;
};

struct ProcessEvent {
    std::string event;  ///< exec, fork, exit
    std::string source;
    Stamp at;
    int64_t pid = 0;
    std::optional<int64_t> ppid;
    std::optional<int64_t> uid;
    std::string process;  ///< comm / image name, raw host bytes
    std::string exe;      ///< raw host bytes
    std::vector<std::string> argv;
    bool argv_truncated = false;
    std::string sha256;
    std::string read_via;
    std::optional<int64_t> exit_code;
    std::optional<int64_t> lifetime_ms;
};

/// A socket's endpoints as both platforms' tables name them.
struct Endpoints {
    std::string protocol;  ///< tcp, udp
    std::string family;    ///< ipv4, ipv6
    std::string local_address;
    uint16_t local_port = 0;
    std::string remote_address;
    uint16_t remote_port = 0;
    bool operator<(const Endpoints& o) const;
    bool operator==(const Endpoints& o) const;
};

struct ConnectionEvent {
    std::string event;  ///< connect, accept, listen, close, state, send, open
    std::string source;
    Stamp at;
    Endpoints ends;
    std::string old_state;  ///< "" = not known before
    std::string new_state;
    std::string direction;  ///< outbound, inbound, listen, ""
    std::optional<int64_t> pid;
    std::string process;
    std::string exe;
};

struct DnsAnswerRecord {
    std::string name, type, data;
    uint32_t ttl = 0;
};

struct DnsEvent {
    std::string event;  ///< query, answer, cached
    std::string source;
    Stamp at;
    std::string protocol;  ///< udp, tcp
    std::string query, query_type, response_code;
    std::vector<DnsAnswerRecord> answers;
    std::optional<uint16_t> transaction_id;
    std::string client_address, server_address;
    std::optional<uint16_t> client_port;
    std::string interface;
    std::optional<uint64_t> netns;
    std::optional<int64_t> pid;
    std::string process;
};

/// Traffic between two endpoints as the wire showed it, summed over the window.
struct Flow {
    Endpoints ends;
    std::string direction;  ///< who sent the first packet: outbound or inbound
    Stamp first, last;
    uint64_t packets_out = 0, packets_in = 0, bytes_out = 0, bytes_in = 0;
    uint8_t tcp_flags = 0;
    std::string interface;
    std::optional<uint64_t> netns;
    std::optional<bool> socket_seen;
    std::vector<std::string> socket_views;
    std::optional<int64_t> pid;
    std::string process;
};

/// The window record's figures.
struct WindowSummary {
    Stamp started, ended;
    int64_t seconds_requested = 0;
    std::string status;  ///< complete, interrupted, timeout
    std::string status_note;
    std::vector<std::string> sources;
    int64_t poll_interval_ms = 0;
    uint64_t events_lost = 0;
};

}  // namespace irsnap::collectors::activity
