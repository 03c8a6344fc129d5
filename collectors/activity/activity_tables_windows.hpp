// SPDX-License-Identifier: Apache-2.0
// The tables the Windows observation polls every 100 ms (the process list and the TCP/UDP owner
// tables), read into table_diff's shapes with their buffers kept between readings: the poll
// must cost little (docs/observe.md budgets), so nothing the last reading learnt is asked again.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "irsnap/windows/nt_process.hpp"
#include "table_diff.hpp"

namespace irsnap::collectors::activity {

/// A table that could not be read, for the collector's item errors.
struct TableError {
    const char* table;
    unsigned long error;
    bool ntstatus = false;  ///< `error` is an NTSTATUS, not a Win32 error
};

class WindowsTables {
  public:
    /// The process list into `out`. A process already in `previous` (same pid and creation
    /// time) keeps its exe and argv, so each process is opened once, when first seen; with
    /// `argv_for_new` the command line of a process first seen is read too (not for the
    /// baseline, which produces no exec events).
    bool processes(const ProcessTable& previous, ProcessTable& out, bool argv_for_new,
                   long& status);
    /// The four owner tables (TCP and UDP, IPv4 and IPv6) into `out`, owners named from
    /// `owners` (the latest process reading). Pid 0 is no owner: Windows' TIME_WAIT rows, and
    /// every row under Wine, whose sockets live in wineserver.
    void sockets(const ProcessTable& owners, SocketTable& out, std::vector<TableError>& errors);
    /// Whether the argv read for `pid` when it was first seen was cut at 4 KiB.
    bool argv_truncated(int64_t pid) const { return m_truncated.count(pid) > 0; }

  private:
    std::vector<win::NtProcess> m_list;
    std::vector<unsigned char> m_process_buffer;
    std::vector<unsigned char> m_tcp4, m_tcp6, m_udp4, m_udp6;
    std::set<int64_t> m_truncated;
};

}  // namespace irsnap::collectors::activity
