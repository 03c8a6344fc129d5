// SPDX-License-Identifier: Apache-2.0
// Events from two readings of a table (sockets, processes) taken a poll interval apart: the
// fallback when no kernel event source runs (no BPF, no process connector, Windows). What
// lived and died between two readings is missed; the window record's poll_interval_ms says
// how short that is.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "activity_events.hpp"

namespace irsnap::collectors::activity {

struct SocketRow {
    Endpoints ends;
    std::string state;  ///< the network collector's names; UDP: CLOSE or ESTABLISHED
    std::optional<int64_t> pid;
    std::string process;
};
/// One reading, keyed by endpoints (a socket's identity while it lives).
using SocketTable = std::map<Endpoints, SocketRow>;

/// The connection events that turn `before` into `after`, stamped `at`: a new LISTEN socket is
/// listen; a new TCP socket is connect (outbound) unless its local port is one a socket listens
/// on (accept, inbound); a new UDP socket is open; a vanished one is close; a state change is
/// state. Owners come from the reading that has the socket.
std::vector<ConnectionEvent> diff_socket_tables(const SocketTable& before, const SocketTable& after,
                                                const Stamp& at, const std::string& source);

struct ProcessRow {
    int64_t pid = 0;
    std::optional<int64_t> ppid;
    /// What tells a reused pid from the same process (Linux: start time in ticks; Windows: the
    /// creation FILETIME).
    uint64_t start_key = 0;
    std::string process, exe;
    std::vector<std::string> argv;
};
using ProcessTable = std::map<int64_t, ProcessRow>;

/// exec for every process in `after` and not in `before` (or whose pid was reused), exit for
/// every one gone; exit codes are unknown to a poll.
std::vector<ProcessEvent> diff_process_tables(const ProcessTable& before, const ProcessTable& after,
                                              const Stamp& at, const std::string& source);

}  // namespace irsnap::collectors::activity
