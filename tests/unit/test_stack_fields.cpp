// SPDX-License-Identifier: Apache-2.0
// The stack's line reader against nlohmann::json on real records (the golden artifacts) and on
// the corners of the grammar: same values kept, same lines refused.
#include <gtest/gtest.h>

#include <fstream>
#include <limits>

#include <nlohmann/json.hpp>

#include "analysis/stack_fields.hpp"

namespace irsnap::stack {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 8> k_keys = {
    "name", "pid", "exe_path", "kernel_thread", "sha256", "local_port", "state", "missing"};

std::vector<std::string> golden_lines() {
    std::vector<std::string> lines;
    for (const char* name : {"processes_basic", "modules_basic", "autoruns_basic",
                             "kernel_modules_basic", "handles_basic", "routes_netcfg"}) {
        std::ifstream in(std::string(IRSNAP_GOLDEN_DIR) + "/" + name + ".jsonl");
        std::string line;
        while (std::getline(in, line)) lines.push_back(line);
    }
    return lines;
}

/// What LineFields should hold for `key`, from nlohmann's reading of the line.
void expect_same(const LineFields& f, size_t slot, const json& record, std::string_view key) {
    const auto it = record.find(std::string(key));
    SCOPED_TRACE(std::string(key));
    if (it != record.end() && it->is_string()) {
        EXPECT_EQ(f.text(slot), it->get<std::string>());
    } else {
        EXPECT_FALSE(f.text(slot));
    }
    // An integer beyond int64_t (nlohmann keeps it unsigned) is no port or pid: not kept.
    const bool fits = it != record.end() && it->is_number_integer() &&
                      !(it->is_number_unsigned() &&
                        it->get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max()));
    if (fits) {
        EXPECT_EQ(f.number(slot), it->get<int64_t>());
    } else {
        EXPECT_FALSE(f.number(slot));
    }
    EXPECT_EQ(f.flag(slot), it != record.end() && it->is_boolean() && it->get<bool>());
}

TEST(StackFields, KeepsWhatNlohmannReadsFromRealRecords) {
    const auto lines = golden_lines();
    ASSERT_GT(lines.size(), 20u);
    LineFields f(k_keys);
    for (const auto& line : lines) {
        SCOPED_TRACE(line.substr(0, 120));
        const json record = json::parse(line);
        ASSERT_TRUE(f.parse(line));
        for (size_t i = 0; i < k_keys.size(); ++i) expect_same(f, i, record, k_keys[i]);
    }
}

TEST(StackFields, EveryCutOfARecordIsRefusedAndLeavesNothing) {
    const auto lines = golden_lines();
    LineFields f(k_keys);
    size_t checked = 0;
    for (size_t n = 0; n < lines.size(); n += 7) {
        const std::string& line = lines[n];
        for (size_t cut = 0; cut < line.size(); ++cut) {
            const std::string_view prefix(line.data(), cut);
            ASSERT_FALSE(f.parse(prefix)) << prefix;
            for (size_t i = 0; i < k_keys.size(); ++i) EXPECT_FALSE(f.text(i));
            ++checked;
        }
    }
    EXPECT_GT(checked, 1000u);
}

TEST(StackFields, AgreesWithNlohmannOnTheCornersOfTheGrammar) {
    const std::vector<std::string> cases = {
        R"({})",
        R"(  { "name" : "a" , "pid" : 7 }  )",
        R"({"name":"caf\u00e9 \ud83d\ude00 \/ \" \\ \b\f\n\r\t"})",
        R"({"name":"a","name":"b"})",
        R"({"pid":-0})",
        R"({"pid":-9223372036854775808})",
        R"({"pid":9223372036854775807})",
        R"({"pid":9223372036854775808})",
        R"({"pid":1.5})",
        R"({"pid":1e3})",
        R"({"pid":-1E-2})",
        R"({"kernel_thread":true,"state":null})",
        R"({"x":[1,[2,{"name":"nested"}],{}],"name":"top"})",
        R"({"x":{"y":{"z":[]}}})",
        // refused by both
        "",
        "   ",
        R"([])",
        R"("name")",
        R"(7)",
        R"({"name":"a"} {})",
        R"({"name":"a",})",
        R"({,})",
        R"({"name" "a"})",
        R"({name:"a"})",
        R"({"pid":01})",
        R"({"pid":+1})",
        R"({"pid":1.})",
        R"({"pid":.5})",
        R"({"pid":1e})",
        R"({"pid":-})",
        R"({"kernel_thread":tru})",
        R"({"kernel_thread":truex})",
        R"({"state":nul})",
        R"({"name":"\x"})",
        R"({"name":"\u12"})",
        R"({"name":"\ud83d"})",
        R"({"name":"\ude00"})",
        R"({"name":"\ud83d\u0041"})",
        std::string("{\"name\":\"tab\there\"}"),
        std::string("{\"name\":\"nul\0\"}", 13),
        R"({"x":[1,]})",
        R"({"x":[1 2]})",
        R"({"x":{"a":1,}})",
        R"({"x":{"a"}})",
        R"({"x":[})",
    };
    LineFields f(k_keys);
    for (const auto& text : cases) {
        SCOPED_TRACE(text);
        const json reference = json::parse(text, nullptr, false);
        const bool valid = !reference.is_discarded() && reference.is_object();
        ASSERT_EQ(f.parse(text), valid);
        if (!valid) continue;
        for (size_t i = 0; i < k_keys.size(); ++i) expect_same(f, i, reference, k_keys[i]);
    }
}

TEST(StackFields, NestingIsBounded) {
    LineFields f(k_keys);
    std::string deep = R"({"x":)";
    for (int i = 0; i < 100; ++i) deep += "[";
    for (int i = 0; i < 100; ++i) deep += "]";
    deep += "}";
    EXPECT_FALSE(f.parse(deep));  // a crafted line must not recurse without end
    std::string fine = R"({"x":)";
    for (int i = 0; i < 20; ++i) fine += "[";
    for (int i = 0; i < 20; ++i) fine += "]";
    fine += R"(,"name":"ok"})";
    ASSERT_TRUE(f.parse(fine));
    EXPECT_EQ(f.text(0), "ok");
}

TEST(StackFields, AStringDecodesUtf8EscapesAndKeepsRawBytes) {
    LineFields f(k_keys);
    ASSERT_TRUE(f.parse(R"({"name":"\u00e9\ud83d\ude00"})"));
    EXPECT_EQ(f.text(0), "\xc3\xa9\xf0\x9f\x98\x80");
    // Bytes that are not UTF-8 pass through (irsnap escapes them itself; the output replaces).
    ASSERT_TRUE(f.parse("{\"name\":\"\xff\"}"));
    EXPECT_EQ(f.text(0), "\xff");
}

}  // namespace
}  // namespace irsnap::stack
