// SPDX-License-Identifier: Apache-2.0
// The evidence archive: its size is known before the first byte (a tar stream announces it),
// members hold exactly the planned bytes whatever the source does, and the budget refuses
// what does not fit. Runs in both builds (Linux and the Windows tests under Wine).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "irsnap/artifact_writer.hpp"
#include "irsnap/evidence_budget.hpp"
#include "irsnap/evidence_zip.hpp"
#include "irsnap/hash.hpp"
#include "string_destination.hpp"

namespace irsnap {
namespace {

ZipSource from_string(const std::string& content) {
    auto offset = std::make_shared<size_t>(0);
    return [content, offset](char* buffer, size_t capacity) -> long {
        const size_t n = std::min(capacity, content.size() - *offset);
        std::copy_n(content.data() + *offset, n, buffer);
        *offset += n;
        return static_cast<long>(n);
    };
}

struct Written {
    std::string bytes;
    std::vector<ZipMemberResult> results;
};

Written write(const std::vector<ZipMemberPlan>& plan, const std::vector<std::string>& contents) {
    Written w;
    ArtifactWriter out(std::make_unique<test::StringDestination>(w.bytes), "test.zip", "test.zip");
    EvidenceZipWriter zip(out);
    for (size_t i = 0; i < plan.size(); ++i) {
        w.results.push_back(zip.add(plan[i], from_string(contents[i])));
    }
    zip.close();
    out.close();
    return w;
}

TEST(EvidenceZip, PredictedSizeIsExactForEveryMix) {
    const std::string big(300 * 1024 + 7, 'x');  // more than one copy chunk
    const std::vector<ZipMemberPlan> plan = {
        {"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 0, 0},
        {"etc/crontab", 5, 1700000000},
        {"home/alice/.bashrc", big.size(), 1700000001},
        {"a", 1, 0}};
    const Written w = write(plan, {"", "12345", big, "z"});
    EXPECT_EQ(w.bytes.size(), evidence_zip_size(plan));
    EXPECT_EQ(w.bytes.substr(0, 4), std::string("PK\x03\x04", 4));
    EXPECT_EQ(w.results[2].sha256, sha256_hex(big));
    EXPECT_EQ(w.results[2].bytes_read, big.size());
    // Stored, encrypted: the plain text must not appear in the archive.
    EXPECT_EQ(w.bytes.find(std::string(64, 'x')), std::string::npos);
}

TEST(EvidenceZip, ShortSourceIsZeroFilledAndLongSourceIsCut) {
    const std::vector<ZipMemberPlan> plan = {{"shrank", 10, 0}, {"grew", 3, 0}};
    const Written w = write(plan, {"abcd", "abcdef"});
    EXPECT_EQ(w.bytes.size(), evidence_zip_size(plan));
    EXPECT_TRUE(w.results[0].ended_early);
    EXPECT_EQ(w.results[0].bytes_read, 4u);
    EXPECT_EQ(w.results[0].sha256, sha256_hex(std::string("abcd") + std::string(6, '\0')));
    EXPECT_FALSE(w.results[1].ended_early);
    EXPECT_TRUE(w.results[1].more_remained);
    EXPECT_EQ(w.results[1].sha256, sha256_hex("abc"));
}

TEST(EvidenceZip, FailingSourceIsReportedWithItsErrno) {
    const std::vector<ZipMemberPlan> plan = {{"unreadable", 4, 0}};
    std::string bytes;
    ArtifactWriter out(std::make_unique<test::StringDestination>(bytes), "t.zip", "t.zip");
    EvidenceZipWriter zip(out);
    const auto r = zip.add(plan[0], [](char*, size_t) -> long { return -5; });
    zip.close();
    out.close();
    EXPECT_EQ(r.error, 5);
    EXPECT_TRUE(r.ended_early);
    EXPECT_EQ(bytes.size(), evidence_zip_size(plan));
}

TEST(EvidenceBudget, RefusesPastTheRunBudgetAndNearAFullDisk) {
    EvidenceBudget run(100, {});
    EXPECT_FALSE(run.take(60));
    EXPECT_EQ(run.take(41), BudgetRefusal::run_budget);
    EXPECT_FALSE(run.take(40));
    EXPECT_EQ(run.used(), 100u);

    uint64_t free_bytes = k_free_space_reserve_bytes + 10;
    EvidenceBudget disk(1ull << 40, [&] { return std::optional<uint64_t>(free_bytes); });
    EXPECT_FALSE(disk.take(10));
    EXPECT_EQ(disk.take(11), BudgetRefusal::disk_space);
    free_bytes = 5;  // below the reserve: nothing at all
    EXPECT_EQ(disk.take(1), BudgetRefusal::disk_space);
}

}  // namespace
}  // namespace irsnap
