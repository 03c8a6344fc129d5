// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "platform/linux/procfs.hpp"

using namespace irsnap::procfs;

TEST(ProcPidStat, CommWithSpacesAndParens) {
    auto st = parse_proc_pid_stat(
        "42 (a) b) c) S 1 42 42 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 12345 1000 10 x");
    ASSERT_TRUE(st);
    EXPECT_EQ(st->comm, "a) b) c");
}
