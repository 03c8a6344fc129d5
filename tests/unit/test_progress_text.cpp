// SPDX-License-Identifier: Apache-2.0
// collect's progress lines: the counter is padded to the width of the total, so the columns
// after it stay put when the count gains a digit.
#include <gtest/gtest.h>

#include "irsnap/progress_text.hpp"

namespace irsnap {
namespace {

TEST(ProgressText, CounterIsPaddedToTheWidthOfTheTotal) {
    EXPECT_EQ(progress_counter(0, 9), "[1/9]");
    EXPECT_EQ(progress_counter(8, 9), "[9/9]");
    EXPECT_EQ(progress_counter(0, 12), "[ 1/12]");
    EXPECT_EQ(progress_counter(8, 12), "[ 9/12]");
    EXPECT_EQ(progress_counter(9, 12), "[10/12]");
    EXPECT_EQ(progress_counter(11, 12), "[12/12]");
    EXPECT_EQ(progress_counter(0, 100), "[  1/100]");
    EXPECT_EQ(progress_counter(99, 100), "[100/100]");
}

TEST(ProgressText, FinishedLinesKeepTheirColumnsAcrossTheTenth) {
    const std::string ninth = progress_finished_line(8, 12, "handles", "ok", 1234, 0.5, "");
    const std::string tenth =
        progress_finished_line(9, 12, "autoruns", "partial", 7, 12.25, "reduced coverage");
    EXPECT_EQ(ninth, "[ 9/12] handles          ok          1234 records    0.50 s\n");
    EXPECT_EQ(tenth,
              "[10/12] autoruns         partial        7 records   12.25 s  (reduced coverage)\n");
    EXPECT_EQ(ninth.find("records"), tenth.find("records"));
}

TEST(ProgressText, AMessageQuotingHostTextIsEscaped) {
    const std::string line =
        progress_finished_line(0, 1, "system", "failed", 0, 0.0, "cannot read /x\033]0;t\007\n");
    EXPECT_EQ(line,
              "[1/1] system           failed         0 records    0.00 s  "
              "(cannot read /x\\x1b]0;t\\x07\\x0a)\n");
}

}  // namespace
}  // namespace irsnap
