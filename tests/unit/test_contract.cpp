// SPDX-License-Identifier: Apache-2.0
// Every registered collector keeps its promise: a complete spec, and records that carry only
// declared fields of the declared types, over a fixture tree and over this live host.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <set>

#include "fixture_util.hpp"
#include "irsnap/hash_cache.hpp"
#include "irsnap/registry.hpp"
#include "irsnap/runner.hpp"

namespace irsnap::test {
namespace {

bool type_matches(const std::string& type, const nlohmann::json& v) {
    if (v.is_null()) return true;  // any field may be null when it could not be read
    auto all_of = [&](auto pred) {
        if (!v.is_array()) return false;
        for (const auto& e : v) {
            if (!pred(e)) return false;
        }
        return true;
    };
    if (type == "string") return v.is_string();
    if (type == "integer") return v.is_number_integer();
    if (type == "number") return v.is_number();
    if (type == "boolean") return v.is_boolean();
    if (type == "object") return v.is_object();
    if (type == "string[]") return all_of([](const auto& e) { return e.is_string(); });
    if (type == "integer[]") return all_of([](const auto& e) { return e.is_number_integer(); });
    if (type == "object[]") return all_of([](const auto& e) { return e.is_object(); });
    return false;
}

void expect_records_match_spec(const CollectorSpec& spec, const MemorySink& sink) {
    std::map<std::string, std::string> declared;
    for (const auto& f : spec.fields) declared[f.name] = f.type;
    for (const auto& record : sink.records) {
        ASSERT_TRUE(record.is_object()) << spec.name;
        for (const auto& [key, value] : record.items()) {
            auto it = declared.find(key);
            ASSERT_NE(it, declared.end()) << spec.name << ": undeclared field '" << key << "'";
            EXPECT_TRUE(type_matches(it->second, value)) << spec.name << "." << key << " should be "
                                                         << it->second << ", got " << value.dump();
        }
    }
}

/// The record kind a field belongs to, when the spec says so: collectors with several kinds
/// (a `record_type` or `kind` field) start a kind's field description with "<kind>: " or say
/// "<kind> record only". Empty: the field belongs to every record.
std::string field_kind(const FieldSpec& f) {
    static const std::regex prefix("^([a-z_]+): ");
    static const std::regex only("([a-z_]+) records? only");
    std::smatch m;
    if (std::regex_search(f.description, m, prefix)) return m[1];
    if (std::regex_search(f.description, m, only)) return m[1];
    return {};
}

/// Every field declared for this platform is in every record it belongs to, null when unknown:
/// an absent field cannot be told from a field that was never looked at, and a reader (jq,
/// SQL export) would see a different schema per record. Exceptions, by contract: the
/// `escaped_fields` marker (only when something was escaped) and `environment` (only with
/// --include-environment).
void expect_records_carry_every_field(const CollectorSpec& spec, const MemorySink& sink) {
#ifdef _WIN32
    const std::string platform = "windows";
#else
    const std::string platform = "linux";
#endif
    const char* discriminator = nullptr;
    for (const auto& f : spec.fields) {
        if (f.name == "record_type" || f.name == "kind")
            discriminator = f.name == "kind" ? "kind" : "record_type";
    }
    for (const auto& record : sink.records) {
        const std::string kind =
            discriminator && record.contains(discriminator) && record[discriminator].is_string()
                ? record[discriminator].get<std::string>()
                : std::string();
        for (const auto& f : spec.fields) {
            if (f.name == "escaped_fields" || f.name == "environment") continue;
            if (!f.platforms.empty() &&
                std::find(f.platforms.begin(), f.platforms.end(), platform) == f.platforms.end())
                continue;
            const std::string belongs = discriminator ? field_kind(f) : std::string();
            if (!belongs.empty() && belongs != kind) continue;
            EXPECT_TRUE(record.contains(f.name))
                << spec.name << ": a " << (kind.empty() ? "" : kind + " ") << "record lacks '"
                << f.name << "' (null when unknown): " << record.dump();
        }
    }
}

TEST(Contract, SpecsAreCompleteAndUnique) {
    const auto& all = registered_collectors();
    ASSERT_FALSE(all.empty());
    const std::set<std::string> k_types = {"string", "integer",  "number",    "boolean",
                                           "object", "string[]", "integer[]", "object[]"};
    const std::regex snake("^[a-z][a-z0-9_]*$");
    std::set<std::string> names;
    std::set<int> ranks;
    for (const auto& c : all) {
        const auto& s = c.spec();
        EXPECT_TRUE(std::regex_match(s.name, snake)) << s.name;
        EXPECT_TRUE(names.insert(s.name).second) << "duplicate name " << s.name;
        EXPECT_TRUE(ranks.insert(s.volatility_rank).second) << "duplicate rank " << s.name;
        EXPECT_FALSE(s.description.empty()) << s.name;
        EXPECT_FALSE(s.why.empty()) << s.name;
        EXPECT_FALSE(s.privileges.empty()) << s.name;
        EXPECT_FALSE(s.without_privileges.empty()) << s.name;
        EXPECT_FALSE(s.platforms.empty()) << s.name;
        std::set<std::string> fields;
        for (const auto& f : s.fields) {
            EXPECT_TRUE(fields.insert(f.name).second) << s.name << ": duplicate " << f.name;
            EXPECT_TRUE(std::regex_match(f.name, snake)) << s.name << "." << f.name;
            EXPECT_TRUE(k_types.count(f.type)) << s.name << "." << f.name << ": " << f.type;
            EXPECT_FALSE(f.description.empty()) << s.name << "." << f.name;
            for (const auto& p : f.platforms) {
                EXPECT_TRUE(p == "linux" || p == "windows") << s.name << "." << f.name;
            }
        }
    }
}

TEST(Contract, SystemRunsFirst) {
    // The time anchor must precede everything it anchors.
    auto ordered = in_run_order(registered_collectors());
    ASSERT_FALSE(ordered.empty());
    EXPECT_EQ(ordered.front().spec().name, "system");
}

TEST(Contract, RecordsOverFixtureTreesMatchSpecs) {
    // Every fixture tree: each makes other collectors emit other record shapes.
    for (const char* fixture : {"basic", "kmods", "kstate", "maps", "netcfg"}) {
        SCOPED_TRACE(fixture);
        TempDir tmp("irsnap-contract");
        materialise_fixture(fixture, tmp.path());
        for (const auto& c : registered_collectors()) {
            if (!c.collect) continue;
            Context ctx = fixture_context(tmp.path());
            HashCache hashes(1, 0, nullptr);
            ctx.hashes = &hashes;
            MemorySink sink;
            c.collect(ctx, sink);
            SCOPED_TRACE(c.spec().name);
            expect_records_match_spec(c.spec(), sink);
            expect_records_carry_every_field(c.spec(), sink);
        }
    }
}

TEST(Contract, RecordsOverLiveHostMatchSpecs) {
    LoopbackListener listener;  // something for every collector to find, even on a bare host
    for (const auto& c : registered_collectors()) {
        if (!c.collect) continue;
        Context ctx;                     // /proc and / of this host
        ctx.params.observe_seconds = 2;  // the activity window: long enough for its sources
        HashCache hashes(2, 64 << 20, nullptr);
        ctx.hashes = &hashes;
        MemorySink sink;
        c.collect(ctx, sink);
        SCOPED_TRACE(c.spec().name);
        EXPECT_FALSE(sink.records.empty()) << c.spec().name << " emitted nothing on a live host";
        expect_records_match_spec(c.spec(), sink);
        expect_records_carry_every_field(c.spec(), sink);
    }
}

}  // namespace
}  // namespace irsnap::test
