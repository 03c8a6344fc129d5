// SPDX-License-Identifier: Apache-2.0
// The Linux observation window's parts, shared by its files: the clocks, who owns what, which
// socket views saw which local port, and the three watchers (processes, sockets, wire).
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <future>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "activity_events.hpp"
#include "activity_recorder.hpp"
#include "common/specimen_set.hpp"
#include "irsnap/collector.hpp"
#include "irsnap/linux/fd_util.hpp"
#include "table_diff.hpp"

namespace irsnap::collectors::activity {

/// The records' family: ipv4 or ipv6.
inline std::string family_text(int family) {
    return family == AF_INET6 ? "ipv6" : "ipv4";
}

/// Converts between the monotonic clock (BPF and the process connector stamp with it) and the
/// wall clock (the packet ring stamps with it), by their difference at the window's start.
struct WindowClock {
    int64_t offset_ns = 0;  ///< realtime - monotonic
    static WindowClock sample();
    Stamp from_monotonic(int64_t monotonic_ns) const {
        return {monotonic_ns + offset_ns, monotonic_ns};
    }
    Stamp from_unix(int64_t unix_ns) const { return {unix_ns, unix_ns - offset_ns}; }
    Stamp now() const;
};

/// Which views listed a local endpoint (protocol, port) during the window, per network
/// namespace; namespace 0 stands for "any" (the BPF events carry none).
class EndpointViews {
  public:
    void add(uint64_t netns, const std::string& protocol, uint16_t port, const std::string& view);
    std::vector<std::string> views(uint64_t netns, const std::string& protocol,
                                   uint16_t port) const;

  private:
    /// Keyed by (namespace, 't' or 'u', port); the views as bits of k_view_names.
    std::map<std::tuple<uint64_t, char, uint16_t>, uint8_t> m_views;
};

/// Process names and socket owners, from the events first and /proc second.
class Owners {
  public:
    explicit Owners(const Context& ctx);
    struct Name {
        std::string process, exe;
        bool read = false;  ///< /proc was asked once already
    };
    void named(int64_t pid, std::string process, std::string exe);
    /// The process's comm and executable: remembered, else read from /proc once.
    const Name& name(int64_t pid);
    void own_tcp(const Endpoints& ends, int64_t pid);
    std::optional<int64_t> tcp_owner(const Endpoints& ends) const;
    void own_udp(uint16_t local_port, int64_t pid);
    std::optional<int64_t> udp_owner(uint16_t local_port) const;
    /// The pid holding socket `inode`: from the last walk of /proc/*/fd, walked again (at most
    /// once a second: it reads every descriptor of the host) when the inode is new.
    std::optional<int64_t> inode_owner(uint64_t inode);

  private:
    void walk_descriptors();
    const Context& m_ctx;
    posix::UniqueFd m_proc;
    std::map<int64_t, Name> m_names;
    std::map<Endpoints, int64_t> m_tcp;
    std::map<uint16_t, int64_t> m_udp;
    std::map<uint64_t, int64_t> m_inodes;
    std::set<uint64_t> m_unresolved;  ///< looked for in the last walk and not found
    int64_t m_last_walk_ns = 0;
};

/// What every watcher of one window works with.
struct WindowParts {
    const Context& ctx;
    ActivityRecorder& recorder;
    Owners& owners;
    EndpointViews& views;
    const WindowClock& clock;
    RecordSink& sink;
};

/// Process events into records: reads what the event lacks from /proc while the process
/// lives, hashes its executable through the run's hash cache, and holds the executables that
/// meet the specimen reasons for the window's ZIP archive.
class ProcessWatcher {
  public:
    ProcessWatcher(const Context& ctx, ActivityRecorder& recorder, Owners& owners,
                   const WindowClock& clock, RecordSink& sink);
    struct Exec {
        int64_t pid = 0;
        std::optional<int64_t> ppid, uid;
        std::string comm, filename;
        std::vector<std::string> argv;
        bool argv_known = false, argv_truncated = false;
        int64_t monotonic_ns = 0;
        std::string source;
    };
    void exec(Exec e);
    void fork(int64_t parent, int64_t child, const std::string& comm, int64_t monotonic_ns,
              const std::string& source);
    void exit(int64_t pid, int64_t code, const std::string& comm, int64_t monotonic_ns,
              const std::string& source);
    /// Emits the exec records whose hash is done (all of them when `wait`).
    void flush(bool wait);
    /// The specimens' archive and records.
    void finish();

  private:
    struct Pending {
        ProcessEvent event;
        std::optional<std::shared_future<FileHash>> hash;
    };
    const Context& m_ctx;
    ActivityRecorder& m_recorder;
    Owners& m_owners;
    const WindowClock& m_clock;
    RecordSink& m_sink;
    std::vector<Pending> m_pending;
    std::map<int64_t, int64_t> m_started_ns;  ///< pid -> monotonic fork/exec in the window
    SpecimenSet m_specimens;
};

/// TCP and UDP: the BPF events into records, sock_diag read on every tick (into records too
/// when no BPF event source runs), and the raw and packet sockets open during the window.
class SocketWatcher {
  public:
    SocketWatcher(const Context& ctx, ActivityRecorder& recorder, Owners& owners,
                  EndpointViews& views, const WindowClock& clock, RecordSink& sink);
    ~SocketWatcher();
    /// From the BPF tracepoints (kernel TCP state numbers).
    void tcp_state(uint64_t sock, const Endpoints& ends, int old_state, int new_state, int64_t pid,
                   const std::string& comm, int64_t monotonic_ns);
    void udp_send(const Endpoints& ends, int64_t pid, const std::string& comm,
                  int64_t monotonic_ns);
    /// One reading of every namespace's sockets (TCP too when `tcp`: with the BPF events, the
    /// kernel's walk of every TCP socket is paid at the window's start and end only); a diff
    /// into records when `emit`. `time_wait`: TIME_WAIT sockets too. With the BPF events they
    /// are left in the kernel (thousands on a busy host, owned by no process); without them, a
    /// TIME_WAIT socket is the trace of a connection shorter than the poll interval. Every
    /// reading of one window must ask for the same states, or the diff sees them come and go.
    void poll(bool emit, bool tcp, bool time_wait);
    /// The raw and packet sockets, and with `tables` /proc/net's TCP and UDP tables (a view of
    /// their own).
    void scan_proc(bool tables);
    void finish();
    std::vector<uint64_t> namespaces() const;
    /// An open /proc/PID/ns/net of each namespace (-1 for irsnap's own), for the packet rings.
    std::vector<std::pair<uint64_t, int>> namespace_fds() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> m;
};

/// The wire: packet rings in every namespace, the pcap file, flows and DNS.
class WireWatcher {
  public:
    WireWatcher(const Context& ctx, ActivityRecorder& recorder, Owners& owners,
                EndpointViews& views, const WindowClock& clock, RecordSink& sink);
    ~WireWatcher();
    /// Opens a ring per namespace; false (with coverage) when none could be opened.
    bool open(const std::vector<std::pair<uint64_t, int>>& namespaces);
    std::vector<int> fds() const;
    void drain(size_t ring);
    /// Emits the DNS records held back for their owner to be known.
    void tick(bool all);
    void finish();

  private:
    struct Impl;
    std::unique_ptr<Impl> m;
};

}  // namespace irsnap::collectors::activity
