// SPDX-License-Identifier: Apache-2.0
// Hostile input on the analyst side: nesting that would crash a recursive walk, documents with
// trailing bytes, lines too long to hold, numbers beyond int64, names SQLite reserves.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "irsnap/bundle_reader.hpp"
#include "irsnap/export.hpp"
#include "irsnap/triage.hpp"
#include "irsnap/untrusted_json.hpp"

namespace irsnap {
namespace {

std::string nested(size_t depth, std::string_view inner = "1") {
    return std::string(depth, '[') + std::string(inner) + std::string(depth, ']');
}

TEST(UntrustedJson, DeepNestingIsRefusedBeforeParsing) {
    // 60k levels: parsing is iterative, but dump() and destruction recurse and crashed verify,
    // triage and every export.
    EXPECT_TRUE(parse_untrusted_json(nested(60000)).is_discarded());
    EXPECT_TRUE(parse_untrusted_json("{\"a\":" + nested(60000) + "}").is_discarded());
    EXPECT_FALSE(parse_untrusted_json(nested(k_max_json_depth)).is_discarded());
    EXPECT_TRUE(parse_untrusted_json(nested(k_max_json_depth + 1)).is_discarded());
    // Brackets inside strings (escaped quotes included) are text, not depth.
    const std::string in_string =
        "{\"a\":\"" + std::string(500, '[') + "\\\"" + std::string(500, '{') + "\"}";
    EXPECT_TRUE(parse_untrusted_json(in_string).is_object());
}

TEST(UntrustedJson, OnlyWhitespaceMayFollowTheDocument) {
    EXPECT_TRUE(parse_untrusted_json("{\"pid\":1} \t\r\n").is_object());
    // nlohmann takes a NUL for the end of the input: without the check this parsed as {}.
    EXPECT_TRUE(parse_untrusted_json(std::string("{\"pid\":1}\0garbage", 17)).is_discarded());
    EXPECT_TRUE(parse_untrusted_json(std::string("{\"pid\":1}\0", 10)).is_discarded());
    EXPECT_TRUE(parse_untrusted_json("{\"pid\":1} x").is_discarded());
    EXPECT_TRUE(parse_untrusted_json("{\"pid\":1}{}").is_discarded());
    EXPECT_TRUE(parse_untrusted_json("").is_discarded());
}

TEST(UntrustedJson, DescribeIsBoundedAndCutsWholeCharacters) {
    nlohmann::json big = nlohmann::json::array();
    for (int i = 0; i < 100000; ++i) big.push_back("some text");
    const std::string text = describe_json(big, 200);
    EXPECT_LE(text.size(), 200u);
    EXPECT_TRUE(text.ends_with("...")) << text;
    EXPECT_EQ(describe_json(nlohmann::json{{"a", 1}}, 200), R"({"a":1})");
    // "é" is two bytes: a cut never leaves half of it.
    const std::string accents = describe_json(nlohmann::json(std::string(300, 'x') + "éééé"), 303);
    EXPECT_TRUE(nlohmann::json::accept("\"" + accents.substr(1, accents.size() - 4) + "\""))
        << accents;
    EXPECT_LE(accents.size(), 303u);
}

struct Split {
    std::vector<std::pair<uint64_t, std::string>> lines;
    std::vector<std::string> oversized;
    LineSplitter::LineHandler on_line = [this](const BundleLine& l) {
        lines.emplace_back(l.line, std::string(l.text));
    };
    LineSplitter splitter{on_line,
                          [this](std::string_view artifact, uint64_t line, uint64_t bytes) {
                              oversized.push_back(std::string(artifact) + ":" +
                                                  std::to_string(line) + ":" +
                                                  std::to_string(bytes));
                          },
                          10};
};

TEST(LineSplitter, ALineOverTheCapIsReportedSkippedAndTheRestRead) {
    Split s;
    s.splitter.start("artifacts/07_processes.jsonl", "processes");
    // The long line arrives in pieces, as reads deliver it.
    for (std::string_view piece : {"{\"a\":1}\n{\"b\":\"012", "3456789abcdef", "ghij\"}\n{}\n"}) {
        s.splitter.feed(piece);
    }
    s.splitter.feed(std::string(25, 'x'));  // a cut last line, also too long
    s.splitter.finish();
    ASSERT_EQ(s.lines.size(), 2u);
    EXPECT_EQ(s.lines[0], (std::pair<uint64_t, std::string>{1, "{\"a\":1}"}));
    EXPECT_EQ(s.lines[1], (std::pair<uint64_t, std::string>{3, "{}"}));
    EXPECT_EQ(s.oversized, (std::vector<std::string>{"artifacts/07_processes.jsonl:2:28",
                                                     "artifacts/07_processes.jsonl:4:25"}));
}

TEST(LineSplitter, ALineOfExactlyTheCapIsKept) {
    Split s;
    s.splitter.start("a", "c");
    s.splitter.feed("0123456789\n01234");
    s.splitter.feed("56789");
    s.splitter.finish();
    EXPECT_EQ(s.lines.size(), 2u);
    EXPECT_TRUE(s.oversized.empty());
}

TEST(ExportTableNames, EveryArtifactGetsASafeDistinctTable) {
    using exports::sql_table_name;
    EXPECT_EQ(sql_table_name("processes"), "processes");
    EXPECT_EQ(sql_table_name("future_thing"), "future_thing");
    EXPECT_EQ(sql_table_name("Processes"), "artifact__50rocesses");
    EXPECT_EQ(sql_table_name("sqlite_master"), "artifact_sqlite_5fmaster");
    EXPECT_EQ(sql_table_name("findings"), "artifact_findings");
    EXPECT_EQ(sql_table_name("artifact_findings"), "artifact_artifact_5ffindings");
    EXPECT_EQ(sql_table_name("a b\"c"), "artifact_a_20b_22c");
    // Collision-free, also case-insensitively (SQLite's comparison of names).
    const std::vector<std::string> names = {"processes",
                                            "Processes",
                                            "PROCESSES",
                                            "findings",
                                            "artifact_findings",
                                            "sqlite_master",
                                            "x_5f",
                                            "x_",
                                            "X_",
                                            "_x",
                                            "1x",
                                            "artifact__50rocesses"};
    std::set<std::string> tables;
    for (const auto& n : names) {
        std::string t = sql_table_name(n);
        for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        EXPECT_FALSE(t.starts_with("sqlite_")) << n;
        EXPECT_TRUE(tables.insert(t).second) << n << " -> " << t;
    }
}

TEST(TriageLimits, FindingsPerRuleAreCappedAndTheRestCounted) {
    triage::Input in;
    for (uint64_t i = 1; i <= 5; ++i) {
        in.records["processes"].push_back(
            {"artifacts/07_processes.jsonl", i,
             nlohmann::json{
                 {"pid", i}, {"name", "x"}, {"exe_path", "/memfd:x"}, {"exe_memfd", true}}});
    }
    size_t kept = 0;
    std::string more;
    for (const auto& f : triage::run_rules(in, 2)) {
        if (f.rule_id != "IRS-EXE-002") continue;
        if (f.evidence.empty()) {
            more = f.why;
        } else {
            ++kept;
        }
    }
    EXPECT_EQ(kept, 2u);
    EXPECT_TRUE(more.starts_with("3 more findings")) << more;
}

TEST(TriageLimits, UnsignedPidsPrintAsUnsignedAndEvidenceIsBounded) {
    triage::Input in;
    in.records["processes"].push_back(
        {"artifacts/07_processes.jsonl", 1,
         nlohmann::json{{"pid", uint64_t{18446744073709551615u}},
                        {"name", "x"},
                        {"exe_path", "/tmp/" + std::string(100000, 'a')},
                        {"argv", std::vector<std::string>(10000, "arg")}}});
    const auto findings = triage::run_rules(in);
    ASSERT_FALSE(findings.empty());
    for (const auto& f : findings) {
        EXPECT_NE(f.why.find("18446744073709551615"), std::string::npos) << f.why;
        EXPECT_LE(f.why.size(), triage::k_max_why_bytes);
        for (const auto& e : f.evidence) {
            EXPECT_EQ(e.fields["pid"].dump(), "18446744073709551615");
            EXPECT_LE(e.fields.dump().size(), 4 * triage::k_max_evidence_value_bytes);
        }
    }
}

}  // namespace
}  // namespace irsnap
