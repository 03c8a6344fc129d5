// SPDX-License-Identifier: Apache-2.0
// The network collector's record of a socket only the kernel's tables (BPF iterators) list.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

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

}  // namespace
}  // namespace irsnap
