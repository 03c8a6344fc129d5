// SPDX-License-Identifier: Apache-2.0
// The collect option table (one declaration per option) and run_collection(), the collect run
// without the CLI: fake collectors, a recording reporter, a bundle that verifies.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fixture_util.hpp"
#include "irsnap/bundle_output.hpp"
#include "irsnap/collect_options.hpp"
#include "irsnap/collect_run.hpp"
#include "irsnap/verify.hpp"

namespace irsnap::test {
namespace {

namespace fs = std::filesystem;

TEST(CollectOptionTable, NamesAndManifestKeysAreUnique) {
    std::set<std::string> names, keys;
    std::set<char> shorts;
    for (const auto& spec : collect_option_table()) {
        EXPECT_TRUE(names.insert(spec.name).second) << spec.name;
        if (spec.short_name) {
            EXPECT_TRUE(shorts.insert(spec.short_name).second) << spec.name;
        }
        if (!spec.manifest_key.empty()) {
            EXPECT_TRUE(keys.insert(spec.manifest_key).second) << spec.manifest_key;
        }
        EXPECT_EQ(spec.hidden, spec.help.empty()) << spec.name;
    }
}

TEST(CollectOptionTable, HiddenOptionsComeLast) {
    bool hidden_seen = false;
    for (const auto& spec : collect_option_table()) {
        if (hidden_seen) {
            EXPECT_TRUE(spec.hidden) << spec.name;
        }
        hidden_seen = hidden_seen || spec.hidden;
    }
    EXPECT_TRUE(hidden_seen);
}

TEST(CollectOptionTable, NumberDefaultsAreInRange) {
    for (const auto& spec : collect_option_table()) {
        const bool number = std::holds_alternative<OptionFieldOf<int>>(spec.field) ||
                            std::holds_alternative<OptionFieldOf<unsigned>>(spec.field) ||
                            std::holds_alternative<OptionFieldOf<uint64_t>>(spec.field) ||
                            std::holds_alternative<OptionFieldOf<std::vector<int64_t>>>(spec.field);
        if (!number) continue;
        EXPECT_LT(spec.min, spec.max) << spec.name;
        if (spec.default_text.empty()) continue;
        const long long value = std::stoll(spec.default_text);
        EXPECT_GE(value, spec.min) << spec.name;
        EXPECT_LE(value, spec.max) << spec.name;
    }
}

TEST(CollectOptionTable, FieldsReachTheirMembers) {
    CollectOptions o;
    for (const auto& spec : collect_option_table()) {
        if (spec.name == "threads") std::get<OptionFieldOf<unsigned>>(spec.field).ref(o) = 3;
        if (spec.name == "examiner") {
            std::get<OptionFieldOf<std::string>>(spec.field).ref(o) = "badge 7";
        }
    }
    EXPECT_EQ(o.params.threads, 3u);
    EXPECT_EQ(o.case_info.examiner, "badge 7");
}

TEST(ManifestOptions, RecordsEveryKeyedOption) {
    CollectOptions o;
    o.output = "/media/usb";
    o.only = {"processes"};
    o.params.hash = false;
    o.params.debug_unlist_pids = {42};
    o.timeout_s = 300;
    const auto options = manifest_options(o);
    std::set<std::string> keys;
    for (const auto& [key, value] : options.items()) keys.insert(key);
    EXPECT_EQ(keys, (std::set<std::string>{"output",
                                           "bpf",
                                           "collectors",
                                           "exclude",
                                           "hash",
                                           "max_hash_bytes",
                                           "threads",
                                           "nice",
                                           "timeout_per_collector_s",
                                           "include_environment",
                                           "proc_root",
                                           "host_root",
                                           "debug_slow_ms",
                                           "pid_max",
                                           "debug_unlist_pids",
                                           "no_samples",
                                           "samples",
                                           "collect_files",
                                           "max_sample_bytes",
                                           "max_evidence_bytes",
                                           "max_log_bytes",
                                           "recent_days",
                                           "timeline_max_entries",
                                           "package_check",
                                           "dump_pids",
                                           "dump_suspicious",
                                           "dump_freeze",
                                           "max_dump_bytes",
                                           "max_dump_total_bytes",
                                           "memory_regions",
                                           "max_region_bytes",
                                           "max_region_total_bytes",
                                           "physical_memory",
                                           "observe_seconds",
                                           "max_capture_bytes",
                                           "capture_snaplen"}));
    EXPECT_EQ(options["output"], "/media/usb");
    EXPECT_EQ(options["collectors"], nlohmann::json({"processes"}));
    EXPECT_EQ(options["hash"], false);  // --no-hash is recorded as hash: false
    EXPECT_EQ(options["timeout_per_collector_s"], 300);
    EXPECT_EQ(options["debug_unlist_pids"], nlohmann::json({42}));
}

// ---- run_collection with fake collectors ----------------------------------------------------

const CollectorSpec& spec_first() {
    static CollectorSpec s{"fake_first",         "fake", 10,     "test",
                           {"linux", "windows"}, "none", "full", {{"n", "integer", "a number"}}};
    return s;
}
const CollectorSpec& spec_second() {
    static CollectorSpec s{"fake_second",        "fake", 20,     "test",
                           {"linux", "windows"}, "none", "full", {{"n", "integer", "a number"}}};
    return s;
}

void emit_two(const Context&, RecordSink& sink) {
    sink.emit({{"n", 1}});
    sink.emit({{"n", 2}});
}

std::vector<Collector> two_fakes() {
    return {{&spec_second, &emit_two}, {&spec_first, &emit_two}};
}

class RecordingReporter final : public CollectReporter {
  public:
    void output_fallback(const fs::path&, const fs::path&) override { ++fallbacks; }
    void collecting(const BundleOutput& bundle) override { locations.push_back(bundle.location()); }
    void started(const CollectorSpec& spec, size_t, size_t) override {
        started_names.push_back(spec.name);
    }
    void finished(const CollectorOutcome&, size_t, size_t total) override {
        ++finished_count;
        last_total = total;
    }

    int fallbacks = 0;
    std::vector<std::string> locations;
    std::vector<std::string> started_names;
    int finished_count = 0;
    size_t last_total = 0;
};

TEST(RunCollection, WritesAVerifiableBundleThroughTheReporter) {
    TempDir tmp("irsnap-collect-run");
    std::atomic<bool> cancel{false};
    CollectRequest request;
    request.options.output = tmp.path().string();
    request.options.params.hash = false;
    request.options.case_info.case_id = "CASE-1";
    request.argv = {"irsnap", "collect", "-o", tmp.path().string()};
    request.cancel = &cancel;
    RecordingReporter reporter;

    const CollectOutcome outcome = run_collection(request, two_fakes(), reporter);

    ASSERT_TRUE(outcome.failure.empty()) << outcome.failure;
    EXPECT_EQ(outcome.status, RunStatus::complete);
    EXPECT_EQ(outcome.manifest_sha256.size(), 64u);
    ASSERT_EQ(outcome.run.collectors.size(), 2u);
    EXPECT_EQ(outcome.run.collectors[0].name, "fake_first");  // rank order
    EXPECT_EQ(reporter.fallbacks, 0);
    ASSERT_EQ(reporter.locations, std::vector<std::string>{outcome.bundle_location});
    EXPECT_EQ(reporter.started_names, (std::vector<std::string>{"fake_first", "fake_second"}));
    EXPECT_EQ(reporter.finished_count, 2);
    EXPECT_EQ(reporter.last_total, 2u);

    const fs::path bundle = outcome.bundle_location;
    EXPECT_TRUE(verify_bundle(bundle).ok());
    const auto manifest = nlohmann::json::parse(read_text_file(bundle / "manifest.json"));
    EXPECT_EQ(manifest["options"]["output"], tmp.path().string());
    EXPECT_EQ(manifest["options"]["host_root"], "/");
    EXPECT_EQ(manifest["options"]["hash"], false);
    EXPECT_FALSE(manifest["options"].contains("hash_stats"));
    EXPECT_EQ(manifest["case"]["case_id"], "CASE-1");
    EXPECT_EQ(manifest["tool"]["argv"], nlohmann::json(request.argv));
}

TEST(RunCollection, RecordsHashStatsWhenHashing) {
    TempDir tmp("irsnap-collect-run");
    CollectRequest request;
    request.options.output = tmp.path().string();
    request.options.params.threads = 1;
    RecordingReporter reporter;
    const CollectOutcome outcome = run_collection(request, two_fakes(), reporter);
    ASSERT_TRUE(outcome.failure.empty()) << outcome.failure;
    const auto manifest =
        nlohmann::json::parse(read_text_file(fs::path(outcome.bundle_location) / "manifest.json"));
    EXPECT_EQ(manifest["options"]["hash"], true);
    EXPECT_TRUE(manifest["options"].contains("hash_stats"));
}

TEST(RunCollection, AnUncreatableBundleIsAFailureBeforeAnyCollector) {
    TempDir tmp("irsnap-collect-run");
    CollectRequest request;
    request.options.output = (tmp.path() / "no" / "such").string();
    RecordingReporter reporter;
    const CollectOutcome outcome = run_collection(request, two_fakes(), reporter);
    EXPECT_NE(outcome.failure.find("parent directory does not exist"), std::string::npos)
        << outcome.failure;
    EXPECT_TRUE(outcome.manifest_sha256.empty());
    EXPECT_TRUE(reporter.locations.empty());
    EXPECT_TRUE(reporter.started_names.empty());
    EXPECT_TRUE(outcome.run.collectors.empty());
}

}  // namespace
}  // namespace irsnap::test
