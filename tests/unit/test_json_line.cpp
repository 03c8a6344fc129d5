// SPDX-License-Identifier: Apache-2.0
// JsonLine must write exactly what nlohmann::json::dump() writes for the same object, so an
// artifact's bytes do not depend on which of the two a collector used.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "irsnap/json_line.hpp"

namespace irsnap {
namespace {

std::string reference_dump(const nlohmann::json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

TEST(JsonLine, KeysSortedAsNlohmannSortsThem) {
    JsonLine line;
    line.field("type", "socket").field("pid", int32_t{4242}).field("fd", int32_t{-1});
    line.field("process_name", "x").field("Z_upper", true).field("_under", uint64_t{1} << 63);
    const nlohmann::json reference = {{"type", "socket"}, {"pid", 4242},
                                      {"fd", -1},         {"process_name", "x"},
                                      {"Z_upper", true},  {"_under", uint64_t{1} << 63}};
    EXPECT_EQ(line.finish(), reference_dump(reference));
}

TEST(JsonLine, StringsEscapedExactlyLikeNlohmann) {
    const std::string tricky[] = {"plain",
                                  "quote\" and backslash\\",
                                  std::string("nul\0byte", 8),
                                  "tab\tnewline\ncr\r\x01\x1f",
                                  "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
                                  "invalid \xff\xfe utf-8 \xc3",
                                  "/memfd:stage2 (deleted)",
                                  "\x7f delete"};
    for (const auto& text : tricky) {
        JsonLine line;
        line.field("v", text);
        EXPECT_EQ(line.finish(), reference_dump({{"v", text}})) << text;
    }
}

TEST(JsonLine, ArraysNullsAndRawValues) {
    JsonLine line;
    line.field("escaped_fields", std::vector<std::string>{"target", "process_name"});
    line.field("empty", std::vector<std::string>{});
    line.null_field("hash_note").raw_field("ranges", R"([{"a":1}])");
    const nlohmann::json reference = {{"escaped_fields", {"target", "process_name"}},
                                      {"empty", nlohmann::json::array()},
                                      {"hash_note", nullptr},
                                      {"ranges", {{{"a", 1}}}}};
    EXPECT_EQ(line.finish(), reference_dump(reference));
}

TEST(JsonLine, FinishEmptiesTheBuilderForReuse) {
    JsonLine line;
    line.field("a", int64_t{1});
    EXPECT_TRUE(line.has("a"));
    EXPECT_EQ(line.finish(), "{\"a\":1}");
    EXPECT_FALSE(line.has("a"));
    EXPECT_EQ(line.finish(), "{}");
}

}  // namespace
}  // namespace irsnap
