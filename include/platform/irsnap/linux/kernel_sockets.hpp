// SPDX-License-Identifier: Apache-2.0
// The kernel's own socket hash tables, read through BPF iterators (iter/tcp, iter/udp,
// iter/unix): a view of the sockets that no /proc/net seq_file hook or sock_diag filter stands in
// front of. Parsing the records is pure (tested and fuzzed over bytes); running the iterators is
// src/platform/linux/bpf_iter/sockets_iter.cpp.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "irsnap/result.hpp"

namespace irsnap::kernel_view {

/// Which iterator listed a socket.
enum class SocketTable : uint16_t { tcp = 3, udp = 4, unix_domain = 5 };

/// One socket of a kernel socket table, in the network namespace the iterator was created in.
struct KernelSocket {
    SocketTable table = SocketTable::tcp;
    uint16_t family = 0;    ///< AF_INET 2, AF_INET6 10, AF_UNIX 1
    uint16_t protocol = 0;  ///< sk_protocol (IPPROTO_TCP 6, IPPROTO_UDP 17, ...); 0 for unix
    uint16_t type = 0;      ///< SOCK_STREAM 1, SOCK_DGRAM 2, SOCK_SEQPACKET 5
    uint8_t state = 0;      ///< skc_state, numbered as /proc/net shows it
    uint32_t uid = 0;
    uint32_t netns = 0;  ///< inode of the socket's network namespace
    uint64_t inode = 0;  ///< 0 for TIME_WAIT and request sockets (no file holds them)
    std::array<uint8_t, 16> local_address{};  ///< IPv4: the first 4 bytes, network order
    std::array<uint8_t, 16> remote_address{};
    uint16_t local_port = 0;  ///< host order
    uint16_t remote_port = 0;
    std::string unix_path;  ///< as bound: a leading NUL for an abstract name; empty when unnamed

    /// "iter/tcp", "iter/udp" or "iter/unix": the view's name in records and the manifest.
    const char* view() const;
};

/// The records of one iterator read (any mix of the three kinds). A truncated record, one of
/// another size or kind (an iterator from a different build), or a path length beyond its field
/// is an error: a view that silently lost sockets would invent hidden ones.
Result<std::vector<KernelSocket>> parse_socket_records(std::string_view bytes);

/// The three socket iterators, loaded and attached once for a run; each read() creates fresh
/// iterators (inside a namespace when asked) and reads them to the end. The destructor detaches
/// and unloads everything: nothing is pinned, no map is created, no file is written.
class KernelSocketReader {
  public:
    /// Loads the programs (see kernel_views_unavailable() for what must hold first).
    static Result<std::unique_ptr<KernelSocketReader>> load();
    ~KernelSocketReader();
    KernelSocketReader(const KernelSocketReader&) = delete;
    KernelSocketReader& operator=(const KernelSocketReader&) = delete;

    /// Every TCP, UDP and unix socket of the network namespace `netns_fd` (an open
    /// /proc/PID/ns/net; -1 for irsnap's own). Another namespace is entered only by a
    /// short-lived thread that creates the iterators (they keep that namespace) and ends;
    /// entering needs CAP_SYS_ADMIN.
    Result<std::vector<KernelSocket>> read(int netns_fd) const;

  private:
    struct Loaded;
    explicit KernelSocketReader(std::unique_ptr<Loaded> loaded);
    std::unique_ptr<Loaded> m_loaded;
};

}  // namespace irsnap::kernel_view
