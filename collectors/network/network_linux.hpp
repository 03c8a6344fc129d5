// SPDX-License-Identifier: Apache-2.0
// Pieces of the Linux network collector, shared by its implementation files.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "irsnap/collector.hpp"
#include "irsnap/linux/fd_util.hpp"
#include "irsnap/linux/kernel_sockets.hpp"
#include "irsnap/linux/proc_net.hpp"

namespace irsnap::collectors::network_linux {

/// One network namespace and the way in: its /proc/net tables are read through a process that
/// lives in it (proc_dir = /proc/PID), or through the collector's own /proc/net.
struct NetnsView {
    uint64_t inode = 0;         ///< 0 when unknown (a fixture tree without ns links)
    int32_t via_pid = 0;        ///< 0 for the collector's own namespace
    posix::UniqueFd proc_dir;   ///< "net/tcp" etc. are opened relative to it
    posix::UniqueFd ns_fd;      ///< for a netlink socket inside the namespace; unset for our own
    std::string label() const;  ///< e.g. "netns 4026531840 (via pid 812)", for errors and notes
};

/// Every distinct network namespace a process lives in, the collector's own first. A namespace
/// whose processes all exited while we looked is skipped (a race).
std::vector<NetnsView> network_namespaces(const Context& ctx, RecordSink& sink);

/// A /proc/net table of one namespace; nullopt when it does not exist (no IPv6, no UDP-Lite:
/// nothing to list) or cannot be read (an item error).
std::optional<std::string> read_net_table(const NetnsView& ns, const std::string& name,
                                          RecordSink& sink);

struct SocketOwner {
    int64_t pid = 0;
    int64_t fd = 0;
    const std::string* name = nullptr;  ///< comm, owned by the run's handle snapshot
};
using SocketOwners = std::map<uint64_t, std::vector<SocketOwner>>;
/// The owners of a socket as records' `owners`. A process name (comm) is the process's own
/// choice of bytes: escaped, and then "owners" is added to the record's escaped_fields.
void put_owners(nlohmann::json& record, const SocketOwners& owners, uint64_t inode);

/// TCP, UDP, UDP-Lite and raw sockets of one namespace, reconciled across netlink and /proc
/// when `netlink` is true. Adds every inode it saw to `seen`.
/// Records carry no owners yet: the caller adds them after the descriptor walk.
void emit_inet_sockets(const Context& ctx, const NetnsView& ns, bool netlink,
                       std::set<uint64_t>& seen, RecordSink& sink);

/// Unix and packet sockets of one namespace (/proc only), and the netlink table's inodes (not
/// emitted: they only complete the set of known sockets). Adds every inode to `seen`.
void emit_local_sockets(const NetnsView& ns, std::set<uint64_t>& seen, RecordSink& sink);

/// Inodes of every socket table of the namespace, read again (the re-check of a discrepancy).
std::set<uint64_t> table_inodes(const NetnsView& ns);
void add_inet_table_inodes(const NetnsView& ns, std::set<uint64_t>& out);

/// A TCP socket without inode by its endpoints: local address and port, remote address and port.
using InodelessKey = std::tuple<std::string, uint16_t, std::string, uint16_t>;

/// The record of a socket only the kernel's tables list (after the re-check): its endpoints,
/// state and inode from the iterator, `views` the iterator alone, and a discrepancy naming what
/// lacks it (netlink and /proc/net, or /proc/net only when netlink was not read).
nlohmann::json kernel_only_record(const kernel_view::KernelSocket& s, bool netlink_read);

/// The kernel's socket tables (iter/tcp, iter/udp, iter/unix), loaded once for the run when it
/// may (live /proc, no --no-bpf, BTF, root; otherwise coverage says why) and read per namespace.
class KernelSocketView {
  public:
    /// Reads one namespace's kernel tables (-1: irsnap's own).
    using Read = std::function<Result<std::vector<kernel_view::KernelSocket>>(int netns_fd)>;
    KernelSocketView(const Context& ctx, RecordSink& sink);
    /// A view over `read` instead of the BPF iterators (tests).
    explicit KernelSocketView(Read read) : m_read(std::move(read)) {}
    KernelSocketView(const KernelSocketView&) = delete;  // m_read may point back at it
    KernelSocketView& operator=(const KernelSocketView&) = delete;
    ~KernelSocketView();
    /// Reads the namespace's tables, replacing the previous namespace's; false when not read
    /// (unavailable, or an item error).
    bool read(const NetnsView& ns, RecordSink& sink);
    /// Whether the last read() succeeded: records of the namespace are then compared.
    bool listed() const { return m_listed; }
    /// "iter/tcp" ... when the last read listed the record's socket (by inode; a TCP socket
    /// without one by its endpoints), else nullptr.
    const char* view_of(const nlohmann::json& record) const;
    /// The sockets of the last read whose inode is not in `seen`.
    std::vector<const kernel_view::KernelSocket*> unseen(const std::set<uint64_t>& seen) const;
    /// The namespace read again (the re-check), by inode, without replacing the last read.
    Result<std::map<uint64_t, const char*>> read_again(const NetnsView& ns) const;
    /// Whether any namespace was read: the run's views then include the iterators.
    bool read_any() const { return m_read_any; }

  private:
    std::unique_ptr<kernel_view::KernelSocketReader> m_reader;
    Read m_read;  ///< empty when the iterators are not read
    std::vector<kernel_view::KernelSocket> m_sockets;
    std::map<uint64_t, const kernel_view::KernelSocket*> m_by_inode;
    std::set<InodelessKey> m_inodeless;
    bool m_listed = false;
    bool m_read_any = false;
};

/// Passes a namespace's records on with the kernel iterator's name added to `views` of each
/// socket it listed. A TCP, UDP or unix socket it did not list is held until settle().
class KernelViewAdder final : public RecordSink {
  public:
    KernelViewAdder(const KernelSocketView& kernel, RecordSink& out)
        : m_kernel(kernel), m_out(out) {}
    void emit(const nlohmann::json& record) override;
    void emit_line(std::string_view line) override { m_out.emit_line(line); }
    void item_error(ItemError error) override { m_out.item_error(std::move(error)); }
    void race() override { m_out.race(); }
    void coverage(std::string note) override { m_out.coverage(std::move(note)); }

    /// After the namespace's netlink and /proc reads (their inodes in `seen`): re-checks the
    /// differences with a second kernel read and a new /proc/net read, emits each socket only the
    /// kernel listed (adding it to `seen`) and the held records, marked when the kernel's tables
    /// lacked one before and after /proc/net listed it.
    void settle(const NetnsView& ns, bool netlink_read, std::set<uint64_t>& seen);

  private:
    const KernelSocketView& m_kernel;
    RecordSink& m_out;
    std::vector<nlohmann::json> m_held;
};

/// Swallows everything: for re-reads whose errors were already reported by the first read.
struct NullSink final : RecordSink {
    void emit(const nlohmann::json&) override {}
    void emit_line(std::string_view) override {}
    void item_error(ItemError) override {}
    void race() override {}
    void coverage(std::string) override {}
};

}  // namespace irsnap::collectors::network_linux
