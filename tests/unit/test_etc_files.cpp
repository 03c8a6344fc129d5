// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "irsnap/linux/etc_files.hpp"

using namespace irsnap::etc;

TEST(EtcOsRelease, QuotedUnquotedCommentsAndCrlf) {
    auto os = parse_etc_os_release(
        "# comment\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\r\nID=debian\n"
        "VERSION_ID='12'\n=novalue\nBROKEN\nEMPTY=\n");
    EXPECT_EQ(os["PRETTY_NAME"], "Debian GNU/Linux 12 (bookworm)");
    EXPECT_EQ(os["ID"], "debian");
    EXPECT_EQ(os["VERSION_ID"], "12");
    EXPECT_EQ(os["EMPTY"], "");
    EXPECT_EQ(os.count("BROKEN"), 0u);
    EXPECT_EQ(os.size(), 4u);
    EXPECT_TRUE(parse_etc_os_release("").empty());
}

TEST(EtcHosts, FqdnFromTheLineNamingTheHost) {
    const char* hosts =
        "127.0.0.1 localhost\n"
        "# 10.0.0.9 web01.wrong.example web01\n"
        "10.0.0.5\tweb01.corp.example web01 # trailing comment\n"
        "10.0.0.6 other.corp.example other\n";
    EXPECT_EQ(fqdn_from_etc_hosts(hosts, "web01"), "web01.corp.example");
    EXPECT_EQ(fqdn_from_etc_hosts(hosts, "other"), "other.corp.example");
    EXPECT_EQ(fqdn_from_etc_hosts(hosts, "db01"), "db01");  // not listed: the short name
    EXPECT_EQ(fqdn_from_etc_hosts(hosts, "a.b.example"), "a.b.example");       // already dotted
    EXPECT_EQ(fqdn_from_etc_hosts("10.0.0.5 web01.\n", "web01"), "web01");     // empty domain
    EXPECT_EQ(fqdn_from_etc_hosts("web01.corp.example\n", "web01"), "web01");  // no address
    EXPECT_EQ(fqdn_from_etc_hosts("", ""), "");
}
