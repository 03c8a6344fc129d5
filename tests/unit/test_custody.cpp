// SPDX-License-Identifier: Apache-2.0
// The custody.jsonl chain over literal lines: links, sequence, own digests, manifest digest.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "irsnap/custody.hpp"
#include "irsnap/hash.hpp"

namespace irsnap {
namespace {

using nlohmann::json;

const std::string k_manifest_sha(64, 'a');

json manifest_with_collection_event() {
    return json::parse(R"({"custody":[{"action":"collected","by":"A. Analyst","host":"web01",
        "note":"bundle created by irsnap collect","previous_event_sha256":null,"sequence":1,
        "time":"2026-11-22T01:15:02.123456Z"}]})");
}

CustodyAnchor anchor() {
    return custody_anchor(manifest_with_collection_event(), k_manifest_sha);
}

CustodyEventInput event(const std::string& by, const std::string& to, int64_t time_ns) {
    CustodyEventInput in;
    in.event = "transferred";
    in.by = by;
    in.to = to;
    in.note = "sealed bag 7";
    in.host = "lab";
    in.user = "analyst";
    in.time_ns = time_ns;
    return in;
}

/// Two events as `irsnap custody` would append them.
std::pair<std::string, std::string> two_lines() {
    const CustodyAnchor a = anchor();
    std::string first = make_custody_line(event("A. Analyst", "B. Courier", 1795311400000000000), a,
                                          check_custody_log("", a));
    std::string second = make_custody_line(event("B. Courier", "C. Lab", 1795315000000000000), a,
                                           check_custody_log(first, a));
    return {first, second};
}

std::vector<std::string> paths(const CustodyCheck& check) {
    std::vector<std::string> out;
    for (const auto& p : check.problems) out.push_back(p.path + ": " + p.problem);
    return out;
}

TEST(Custody, AnchorLinksToTheManifestEventAsALine) {
    const CustodyAnchor a = anchor();
    EXPECT_EQ(a.manifest_sha256, k_manifest_sha);
    EXPECT_EQ(a.last_sequence, 1);
    // The manifest's last event, compact and with sorted keys, plus "\n".
    const std::string as_line =
        R"({"action":"collected","by":"A. Analyst","host":"web01","note":"bundle created by )"
        R"(irsnap collect","previous_event_sha256":null,"sequence":1,"time":"2026-11-22T01:15:)"
        R"(02.123456Z"})"
        "\n";
    EXPECT_EQ(a.link_sha256, sha256_hex(as_line));
    EXPECT_THROW(custody_anchor(json::parse(R"({"custody":[]})"), k_manifest_sha),
                 std::runtime_error);
    EXPECT_THROW(custody_anchor(json::parse(R"({})"), k_manifest_sha), std::runtime_error);
}

TEST(Custody, LineHasTheDocumentedFieldsAndLinks) {
    auto [first, second] = two_lines();
    ASSERT_EQ(first.back(), '\n');
    json e1 = json::parse(first);
    EXPECT_EQ(e1["schema"], "irsnap.custody/1");
    EXPECT_EQ(e1["sequence"], 2);
    EXPECT_EQ(e1["event"], "transferred");
    EXPECT_EQ(e1["by"], "A. Analyst");
    EXPECT_EQ(e1["to"], "B. Courier");
    EXPECT_EQ(e1["note"], "sealed bag 7");
    EXPECT_EQ(e1["time"], "2026-11-22T01:36:40.000000Z");
    EXPECT_EQ(e1["host"], "lab");
    EXPECT_EQ(e1["user"], "analyst");
    EXPECT_EQ(e1["manifest_sha256"], k_manifest_sha);
    EXPECT_EQ(e1["previous_sha256"], anchor().link_sha256);
    json without = e1;
    without.erase("event_sha256");
    EXPECT_EQ(e1["event_sha256"], sha256_hex(without.dump()));
    json e2 = json::parse(second);
    EXPECT_EQ(e2["sequence"], 3);
    EXPECT_EQ(e2["previous_sha256"], sha256_hex(first));  // exact bytes, "\n" included
}

TEST(Custody, IntactChainHasNoProblems) {
    auto [first, second] = two_lines();
    CustodyCheck check = check_custody_log(first + second, anchor());
    EXPECT_TRUE(check.ok()) << ::testing::PrintToString(paths(check));
    EXPECT_EQ(check.events, 2u);
    EXPECT_EQ(check.last_sequence, 3);
    EXPECT_EQ(check.last_line_sha256, sha256_hex(second));
    EXPECT_TRUE(check_custody_log("", anchor()).ok());
}

TEST(Custody, LiteralLinesFromAnotherToolCheck) {
    // Hand-written lines (not made by make_custody_line): the rule is the documented one.
    const CustodyAnchor a = anchor();
    json e = {{"schema", "irsnap.custody/1"},
              {"sequence", 2},
              {"event", "received"},
              {"by", "B. Courier"},
              {"to", "C. Lab"},
              {"note", ""},
              {"time", "2026-11-23T09:00:00.000000Z"},
              {"host", "lab"},
              {"user", "clab"},
              {"manifest_sha256", k_manifest_sha},
              {"previous_sha256", a.link_sha256}};
    e["event_sha256"] = sha256_hex(e.dump());
    const std::string line = e.dump() + "\n";
    EXPECT_EQ(line.rfind(R"({"by":"B. Courier","event":"received","event_sha256":")", 0), 0u)
        << "keys are written sorted: " << line;
    EXPECT_TRUE(check_custody_log(line, a).ok());
}

// Written by an independent implementation of the rule in docs/manifest.md (Python: json.dumps
// with sort_keys and compact separators, hashlib.sha256), not by irsnap.
const char* const k_literal_log =
    R"({"by":"A. Analyst","event":"transferred","event_sha256":"0810137b139a04bb59c85e1d4d7c8dfca96f817195dc318cb1f38cfb9a2d3123","host":"lab","manifest_sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","note":"","previous_sha256":"c704e8c12ef4653de29ebceb5546ee805568555ea95808d25007fc7c856361ec","schema":"irsnap.custody/1","sequence":2,"time":"2026-11-22T03:00:00.000001Z","to":"B. Courier","user":"clab"})"
    "\n"
    R"({"by":"B. Courier","event":"received","event_sha256":"a584e00ecb65b5ab50ee1007c4b9c83bff39b0fa34a5584b2eb76df12e9a9058","host":"lab","manifest_sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","note":"","previous_sha256":"83017540ee3a15db27eaf9a9a9de99c575be65df704b9aa6a03f25e1ee988e4e","schema":"irsnap.custody/1","sequence":3,"time":"2026-11-23T09:30:00.250000Z","to":"C. Lab","user":"clab"})"
    "\n";

TEST(Custody, LiteralLogFromTheDocumentedRule) {
    const CustodyAnchor a = anchor();
    EXPECT_EQ(a.link_sha256, "c704e8c12ef4653de29ebceb5546ee805568555ea95808d25007fc7c856361ec");
    CustodyCheck check = check_custody_log(k_literal_log, a);
    EXPECT_TRUE(check.ok()) << ::testing::PrintToString(paths(check));
    EXPECT_EQ(check.events, 2u);
    // irsnap writes the same bytes for the same event.
    CustodyEventInput in = event("A. Analyst", "B. Courier", 1795316400000001000);
    in.note = "";
    in.user = "clab";
    const std::string text = k_literal_log;
    EXPECT_EQ(make_custody_line(in, a, check_custody_log("", a)),
              text.substr(0, text.find('\n') + 1));
}

TEST(Custody, AnyEditedByteNamesThatLine) {
    auto [first, second] = two_lines();
    for (size_t line = 1; line <= 2; ++line) {
        const std::string& target = line == 1 ? first : second;
        for (size_t i = 0; i + 1 < target.size(); i += 7) {
            std::string edited = target;
            edited[i] = static_cast<char>(edited[i] ^ 0x01);
            const std::string text = line == 1 ? edited + second : first + edited;
            CustodyCheck check = check_custody_log(text, anchor());
            ASSERT_FALSE(check.ok()) << "byte " << i << " of line " << line;
            EXPECT_EQ(check.problems.front().path, "custody.jsonl line " + std::to_string(line))
                << "byte " << i << ": " << ::testing::PrintToString(paths(check));
        }
    }
}

TEST(Custody, EditWithRecomputedOwnDigestBreaksTheNextLink) {
    auto [first, second] = two_lines();
    json e1 = json::parse(first);
    e1["to"] = "Somebody Else";
    e1.erase("event_sha256");
    e1["event_sha256"] = sha256_hex(e1.dump());
    CustodyCheck check = check_custody_log(e1.dump() + "\n" + second, anchor());
    ASSERT_EQ(paths(check), std::vector<std::string>{"custody.jsonl line 2: broken link"});
    EXPECT_NE(check.problems[0].detail.find("line 1 was changed"), std::string::npos);
}

TEST(Custody, RemovedLineIsNamed) {
    auto [first, second] = two_lines();
    CustodyCheck check = check_custody_log(second, anchor());
    EXPECT_EQ(paths(check), (std::vector<std::string>{"custody.jsonl line 1: broken link",
                                                      "custody.jsonl line 1: out of sequence"}));
}

TEST(Custody, ReorderedLinesAreNamed) {
    auto [first, second] = two_lines();
    CustodyCheck check = check_custody_log(second + first, anchor());
    EXPECT_EQ(paths(check),
              (std::vector<std::string>{
                  "custody.jsonl line 1: broken link", "custody.jsonl line 1: out of sequence",
                  "custody.jsonl line 2: broken link", "custody.jsonl line 2: out of sequence"}));
}

TEST(Custody, WrongManifestDigestIsNamedPerLine) {
    auto [first, second] = two_lines();
    CustodyAnchor other = anchor();
    other.manifest_sha256 = std::string(64, 'b');
    CustodyCheck check = check_custody_log(first + second, other);
    EXPECT_EQ(paths(check),
              (std::vector<std::string>{"custody.jsonl line 1: wrong manifest digest",
                                        "custody.jsonl line 2: wrong manifest digest"}));
}

TEST(Custody, CutShortLastLineIsIncomplete) {
    auto [first, second] = two_lines();
    CustodyCheck check = check_custody_log(first + second.substr(0, 40), anchor());
    EXPECT_EQ(paths(check), std::vector<std::string>{"custody.jsonl line 2: incomplete"});
    EXPECT_EQ(check.events, 1u);
    CustodyCheck blank = check_custody_log(first + "\n", anchor());
    EXPECT_EQ(paths(blank), std::vector<std::string>{"custody.jsonl line 2: edited"});
}

TEST(Custody, EventWords) {
    EXPECT_TRUE(valid_custody_event("transferred"));
    EXPECT_TRUE(valid_custody_event("sent_to_lab"));
    EXPECT_FALSE(valid_custody_event(""));
    EXPECT_FALSE(valid_custody_event("Transferred"));
    EXPECT_FALSE(valid_custody_event("a b"));
    EXPECT_FALSE(valid_custody_event(std::string(33, 'a')));
}

}  // namespace
}  // namespace irsnap
