// SPDX-License-Identifier: Apache-2.0
// The network collector's record of a socket only the kernel's tables (BPF iterators) list.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "fixture_util.hpp"
#include "network/network_linux.hpp"

namespace irsnap {
namespace {

using kernel_view::KernelSocket;
using kernel_view::SocketTable;

TEST(NetworkKernelView, AHiddenListenerRecordCarriesTheIteratorsFieldsAndView) {
    KernelSocket s;
    s.table = SocketTable::tcp;
    s.family = 10;  // AF_INET6
    s.protocol = 6;
    s.state = 10;  // LISTEN
    s.inode = 777;
    s.uid = 0;
    s.netns = 4026531840u;
    s.local_port = 31337;
    s.remote_address[15] = 1;
    const auto r = collectors::network_linux::kernel_only_record(s, true);
    EXPECT_EQ(r["protocol"], "tcp");
    EXPECT_EQ(r["family"], "ipv6");
    EXPECT_EQ(r["local_address"], "::");
    EXPECT_EQ(r["remote_address"], "::1");
    EXPECT_EQ(r["local_port"], 31337);
    EXPECT_EQ(r["state"], "LISTEN");
    EXPECT_EQ(r["inode"], 777);
    EXPECT_EQ(r["netns"], 4026531840u);
    EXPECT_EQ(r["views"], nlohmann::json({"iter/tcp"}));
    EXPECT_EQ(r["cross_view_discrepancy"], true);
    EXPECT_EQ(r["discrepancy"],
              "only the kernel's socket table (iter/tcp) holds it: missing from netlink and "
              "/proc/net (re-checked)");
    // Without netlink (a namespace not entered) only /proc/net was compared.
    EXPECT_NE(collectors::network_linux::kernel_only_record(s, false)["discrepancy"]
                  .get<std::string>()
                  .find("missing from /proc/net"),
              std::string::npos);
}

TEST(NetworkKernelView, AHiddenUnixSocketIsNamedAsProcNetUnixWouldName) {
    KernelSocket s;
    s.table = SocketTable::unix_domain;
    s.family = 1;
    s.type = 1;
    s.state = 10;
    s.inode = 888;
    s.unix_path = std::string("\0door", 5);
    auto r = collectors::network_linux::kernel_only_record(s, true);
    EXPECT_EQ(r["protocol"], "unix");
    EXPECT_EQ(r["local_address"], "@door");
    EXPECT_EQ(r["socket_type"], "stream");
    EXPECT_EQ(r["state"], "LISTEN");
    EXPECT_EQ(r["views"], nlohmann::json({"iter/unix"}));
    EXPECT_NE(r["discrepancy"].get<std::string>().find("/proc/net/unix"), std::string::npos);
    s.unix_path = std::string("/run/x.sock\0", 12);  // the kernel keeps the path's NUL
    s.state = 1;
    r = collectors::network_linux::kernel_only_record(s, true);
    EXPECT_EQ(r["local_address"], "/run/x.sock");
    EXPECT_EQ(r["state"], "CONNECTED");
}

KernelSocket kernel_socket(SocketTable table, uint64_t inode, uint8_t state) {
    KernelSocket s;
    s.table = table;
    s.family = table == SocketTable::unix_domain ? 1 : 2;
    s.inode = inode;
    s.state = state;
    return s;
}

// The fixture's own namespace (tcp 12345, 23456 and a TIME_WAIT socket, udp 34567, unix 45678)
// against a kernel view that lists a listener no table shows and lacks 23456 and 45678.
TEST(NetworkKernelView, ThirdViewNamesItselfAndBothDifferencesAreJudgedAfterTheRecheck) {
    test::TempDir tmp("irsnap-net-kernel");
    test::materialise_fixture("basic", tmp.path());
    const Context ctx = test::fixture_context(tmp.path());
    std::vector<KernelSocket> kernel_tables = {
        kernel_socket(SocketTable::tcp, 12345, 10), kernel_socket(SocketTable::udp, 34567, 7),
        kernel_socket(SocketTable::tcp, 99901, 10), kernel_socket(SocketTable::tcp, 0, 6)};
    kernel_tables[2].local_port = 31337;
    auto& time_wait = kernel_tables[3];  // 10.0.0.5:50001 -> 192.168.1.1:25, as in net/tcp
    time_wait.local_address = {10, 0, 0, 5};
    time_wait.local_port = 50001;
    time_wait.remote_address = {192, 168, 1, 1};
    time_wait.remote_port = 25;
    int reads = 0;
    collectors::network_linux::KernelSocketView kernel(
        [&](int netns_fd) -> Result<std::vector<KernelSocket>> {
            ++reads;
            EXPECT_EQ(netns_fd, -1);  // the collector's own namespace
            return kernel_tables;
        });
    test::MemorySink sink;
    collectors::network_linux::KernelViewAdder with_kernel_views(kernel, sink);
    auto namespaces = collectors::network_linux::network_namespaces(ctx, sink);
    ASSERT_FALSE(namespaces.empty());
    const auto& own = namespaces[0];
    ASSERT_TRUE(kernel.read(own, sink));
    std::set<uint64_t> seen;
    collectors::network_linux::emit_inet_sockets(ctx, own, false, seen, with_kernel_views);
    collectors::network_linux::emit_local_sockets(own, seen, with_kernel_views);
    with_kernel_views.settle(own, false, seen);
    EXPECT_EQ(reads, 2);  // the first read and the re-check
    EXPECT_TRUE(seen.count(99901));

    std::map<uint64_t, nlohmann::json> by_inode;
    nlohmann::json time_wait_record;
    for (const auto& r : sink.records) {
        if (r["inode"] == 0) time_wait_record = r;
        by_inode[r["inode"].get<uint64_t>()] = r;
    }
    using nlohmann::json;
    EXPECT_EQ(by_inode[12345]["views"], json({"proc", "iter/tcp"}));
    EXPECT_EQ(by_inode[34567]["views"], json({"proc", "iter/udp"}));
    EXPECT_EQ(time_wait_record["views"], json({"proc", "iter/tcp"})) << time_wait_record.dump();
    for (auto [inode, view] : {std::pair<uint64_t, const char*>{23456, "iter/tcp"},
                               std::pair<uint64_t, const char*>{45678, "iter/unix"}}) {
        const auto& r = by_inode[inode];
        EXPECT_EQ(r["cross_view_discrepancy"], true) << r.dump();
        EXPECT_EQ(r["discrepancy"], std::string("missing from the kernel's socket table (") + view +
                                        ") while /proc/net listed it before and after "
                                        "(re-checked)");
    }
    const auto& hidden = by_inode[99901];
    EXPECT_EQ(hidden["views"], json({"iter/tcp"}));
    EXPECT_EQ(hidden["local_port"], 31337);
    EXPECT_EQ(hidden["state"], "LISTEN");
    EXPECT_EQ(hidden["discrepancy"],
              "only the kernel's socket table (iter/tcp) holds it: missing from /proc/net "
              "(re-checked)");
}

}  // namespace
}  // namespace irsnap
