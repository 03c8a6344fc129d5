// SPDX-License-Identifier: Apache-2.0
// The core's promises: hashing while writing, never overwriting, one failure never stopping the
// run, an atomic manifest that verify checks file by file.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <stdexcept>

#include "build_info.hpp"
#include "fixture_util.hpp"
#include "irsnap/bundle.hpp"
#include "irsnap/clock.hpp"
#include "irsnap/clock_sampling.hpp"
#include "irsnap/hash.hpp"
#include "irsnap/manifest.hpp"
#include "irsnap/runner.hpp"
#include "irsnap/verify.hpp"

namespace irsnap::test {
namespace {

namespace fs = std::filesystem;

constexpr int64_t k_t0 = 1'795'000'000'000'000'000;  // a fixed instant for stable names

TEST(Hash, KnownVectors) {
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256_hex("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Clock, Rfc3339HasMicrosecondsAndZ) {
    EXPECT_EQ(format_rfc3339_utc(1'700'000'000'123'456'789), "2023-11-14T22:13:20.123456Z");
    EXPECT_EQ(format_compact_utc(1'700'000'000'123'456'789), "20231114T221320Z");
    EXPECT_EQ(format_rfc3339_utc(-1'000), "1969-12-31T23:59:59.999999Z");
}

TEST(ArtifactWriter, DigestCoversExactlyWhatWasWritten) {
    TempDir tmp("irsnap-writer");
    int dirfd = ::open(tmp.path().c_str(), O_RDONLY | O_DIRECTORY);
    ASSERT_GE(dirfd, 0);
    std::string content;
    {
        ArtifactWriter w(dirfd, "a.jsonl", "a.jsonl");
        for (int i = 0; i < 20000; ++i) {  // crosses the internal buffer many times
            std::string line = "{\"i\":" + std::to_string(i) + "}\n";
            w.write(line);
            content += line;
        }
        w.close();
        EXPECT_EQ(w.bytes(), content.size());
        EXPECT_EQ(w.sha256(), sha256_hex(content));
    }
    EXPECT_EQ(read_text_file(tmp.path() / "a.jsonl"), content);
    // Evidence is never overwritten, not even our own.
    EXPECT_THROW(ArtifactWriter(dirfd, "a.jsonl", "a.jsonl"), OutputError);
    ::close(dirfd);
}

TEST(Bundle, SameSecondGetsAFreshName) {
    TempDir tmp("irsnap-bundle");
    auto first = Bundle::create(tmp.path(), "web01", k_t0);
    auto second = Bundle::create(tmp.path(), "web01", k_t0);
    EXPECT_EQ(first->name(), "web01_" + format_compact_utc(k_t0));
    EXPECT_EQ(second->name(), first->name() + "_2");
    EXPECT_TRUE(fs::is_directory(second->path() / "artifacts"));
}

TEST(Bundle, PreCreatedNamesCannotBlockARun) {
    // Whoever can write the output directory could create the name and every counted _N in
    // advance (the old _2 to _100 then ended the run with EEXIST). After _5 the names get a
    // random suffix, which cannot be guessed in advance.
    TempDir tmp("irsnap-bundle");
    const std::string base = "web01_" + format_compact_utc(k_t0);
    fs::create_directory(tmp.path() / base);
    for (int n = 2; n <= 100; ++n)
        fs::create_directory(tmp.path() / (base + "_" + std::to_string(n)));
    auto first = Bundle::create(tmp.path(), "web01", k_t0);
    auto second = Bundle::create(tmp.path(), "web01", k_t0);
    for (const auto* b : {first.get(), second.get()}) {
        const std::string name = b->name();
        ASSERT_EQ(name.size(), base.size() + 9) << name;
        EXPECT_EQ(name.substr(0, base.size() + 1), base + "_") << name;
        EXPECT_EQ(name.find_first_not_of("0123456789abcdef", base.size() + 1), std::string::npos)
            << name;
        EXPECT_TRUE(fs::is_directory(b->path() / "artifacts"));
    }
    EXPECT_NE(first->name(), second->name());
}

TEST(Bundle, MissingParentIsAClearError) {
    TempDir tmp("irsnap-bundle");
    try {
        Bundle::create(tmp.path() / "no" / "such", "h", k_t0);
        FAIL() << "expected OutputError";
    } catch (const OutputError& e) {
        EXPECT_NE(std::string(e.what()).find("parent directory does not exist"), std::string::npos)
            << e.what();
    }
}

TEST(Bundle, CreatesOneMissingOutputDirectory) {
    TempDir tmp("irsnap-bundle");
    auto b = Bundle::create(tmp.path() / "new", "h", k_t0);
    EXPECT_TRUE(fs::is_directory(b->path()));
}

// ---- runner with fake collectors -----------------------------------------------------------

CollectorSpec fake_spec(const std::string& name, int rank) {
    return CollectorSpec{name,      "fake", rank,   "test",
                         {"linux"}, "none", "full", {{"n", "integer", "a number"}}};
}

const CollectorSpec& spec_ok() {
    static auto s = fake_spec("fake_ok", 20);
    return s;
}
const CollectorSpec& spec_throws() {
    static auto s = fake_spec("fake_throws", 10);
    return s;
}
const CollectorSpec& spec_denied() {
    static auto s = fake_spec("fake_denied", 30);
    return s;
}
const CollectorSpec& spec_missing() {
    static auto s = fake_spec("fake_missing", 40);
    return s;
}

void emit_three(const Context&, RecordSink& sink) {
    for (int i = 0; i < 3; ++i) sink.emit({{"n", i}});
}
void emit_then_throw(const Context&, RecordSink& sink) {
    sink.emit({{"n", 1}});
    throw std::runtime_error("boom");
}
void emit_denied(const Context&, RecordSink& sink) {
    sink.emit({{"n", 1}});
    sink.race();
    sink.item_error(ItemError::from_errno("open", 13, "/x", "denied"));
    sink.coverage("x denied");
    sink.coverage("x denied");  // de-duplicated
}

std::vector<Collector> fakes() {
    return {{&spec_ok, &emit_three},
            {&spec_throws, &emit_then_throw},
            {&spec_denied, &emit_denied},
            {&spec_missing, nullptr}};
}

TEST(Runner, OrdersByRankAndIsolatesFailures) {
    TempDir tmp("irsnap-runner");
    auto bundle = Bundle::create(tmp.path(), "h", k_t0);
    RunRequest request;
    RunOutcome run = run_collectors(fakes(), *bundle, request, nullptr);
    ASSERT_EQ(run.collectors.size(), 4u);
    EXPECT_EQ(run.collectors[0].name, "fake_throws");
    EXPECT_EQ(run.collectors[0].status, CollectorStatus::failed);
    EXPECT_EQ(run.collectors[0].message, "boom");
    EXPECT_EQ(run.collectors[0].records, 1u);  // what was written before the throw stays
    EXPECT_EQ(run.collectors[1].name, "fake_ok");
    EXPECT_EQ(run.collectors[1].status, CollectorStatus::ok);
    EXPECT_EQ(run.collectors[1].records, 3u);
    EXPECT_EQ(run.collectors[2].status, CollectorStatus::partial);
    EXPECT_EQ(run.collectors[2].races, 1u);
    EXPECT_EQ(run.collectors[2].error_count, 1u);
    EXPECT_EQ(run.collectors[2].coverage, std::vector<std::string>{"x denied"});
    EXPECT_EQ(run.collectors[3].status, CollectorStatus::skipped);
    EXPECT_EQ(run.collectors[3].message, "not available on this platform");
    EXPECT_EQ(run_status(run), RunStatus::partial);
    // Artifact names follow run order; their digests match the files.
    ASSERT_TRUE(run.collectors[1].artifact);
    EXPECT_EQ(run.collectors[1].artifact->path, "artifacts/02_fake_ok.jsonl");
    EXPECT_EQ(sha256_hex(read_text_file(bundle->path() / "artifacts/02_fake_ok.jsonl")),
              run.collectors[1].artifact->sha256);
    EXPECT_EQ(read_text_file(bundle->path() / "artifacts/02_fake_ok.jsonl"),
              "{\"n\":0}\n{\"n\":1}\n{\"n\":2}\n");
}

// A single-platform collector is linked on every OS (CMake's generated stub where it has no
// code); the runner reads the spec's platforms and never calls it elsewhere.
std::atomic<int> g_other_platform_calls{0};
const CollectorSpec& spec_other_platform() {
    static auto s = [] {
        auto spec = fake_spec("fake_elsewhere", 50);
        spec.platforms = {std::string(build::k_platform) == "linux" ? "windows" : "linux"};
        return spec;
    }();
    return s;
}
void count_call(const Context&, RecordSink& sink) {
    ++g_other_platform_calls;
    sink.emit({{"n", 1}});
}

TEST(Runner, ACollectorOfAnotherPlatformIsSkippedNotCalled) {
    TempDir tmp("irsnap-runner");
    auto bundle = Bundle::create(tmp.path(), "h", k_t0);
    EXPECT_FALSE(runs_on(spec_other_platform(), build::k_platform));
    EXPECT_TRUE(runs_on(spec_ok(), "linux"));
    RunOutcome run = run_collectors({{&spec_ok, &emit_three}, {&spec_other_platform, &count_call}},
                                    *bundle, RunRequest{}, nullptr);
    ASSERT_EQ(run.collectors.size(), 2u);
    EXPECT_EQ(run.collectors[1].name, "fake_elsewhere");
    EXPECT_EQ(run.collectors[1].status, CollectorStatus::skipped);
    EXPECT_EQ(run.collectors[1].message, "not available on this platform");
    EXPECT_FALSE(run.collectors[1].artifact);
    EXPECT_EQ(g_other_platform_calls.load(), 0);
}

TEST(Runner, SelectionAndExclusion) {
    TempDir tmp("irsnap-runner");
    auto bundle = Bundle::create(tmp.path(), "h", k_t0);
    RunRequest request;
    request.only = {"fake_ok", "fake_denied"};
    request.exclude = {"fake_denied"};
    RunOutcome run = run_collectors(fakes(), *bundle, request, nullptr);
    std::map<std::string, std::string> status;
    for (const auto& c : run.collectors)
        status[c.name] = std::string(to_string(c.status)) + ":" + c.message;
    EXPECT_EQ(status["fake_ok"], "ok:");
    EXPECT_EQ(status["fake_denied"], "skipped:excluded (--exclude)");
    EXPECT_EQ(status["fake_throws"], "skipped:not selected (--collectors)");
    EXPECT_THROW(validate_selection(fakes(), {"nope"}, {}), UsageError);
    EXPECT_NO_THROW(validate_selection(fakes(), {"fake_ok"}, {"fake_throws"}));
}

TEST(Runner, AnOffByDefaultCollectorRunsOnlyWhenNamed) {
    TempDir tmp("irsnap-runner");
    auto status_of = [&](const RunRequest& request, const std::string& host) {
        auto bundle = Bundle::create(tmp.path(), host, k_t0);
        std::map<std::string, std::string> status;
        for (const auto& c : run_collectors(fakes(), *bundle, request, nullptr).collectors) {
            status[c.name] = std::string(to_string(c.status)) + ":" + c.message;
        }
        return status;
    };
    RunRequest request;
    request.off_by_default = {"fake_ok"};
    EXPECT_EQ(status_of(request, "h1")["fake_ok"],
              "skipped:off by default (its option turns it on)");
    // Named in --collectors, it runs.
    request.only = {"fake_ok"};
    EXPECT_EQ(status_of(request, "h2")["fake_ok"], "ok:");
}

TEST(Runner, CancelSkipsWhatHasNotStarted) {
    TempDir tmp("irsnap-runner");
    auto bundle = Bundle::create(tmp.path(), "h", k_t0);
    std::atomic<bool> cancel{true};
    RunRequest request;
    request.context.cancel = &cancel;
    RunOutcome run = run_collectors(fakes(), *bundle, request, nullptr);
    EXPECT_TRUE(run.interrupted);
    EXPECT_EQ(run_status(run), RunStatus::interrupted);
    for (const auto& c : run.collectors) {
        if (c.status != CollectorStatus::skipped) ADD_FAILURE() << c.name << " ran after cancel";
    }
}

// ---- manifest and verify ------------------------------------------------------------------

struct WrittenBundle {
    fs::path path;
    std::string digest;
};

WrittenBundle write_bundle(const fs::path& out) {
    auto bundle = Bundle::create(out, "h", k_t0);
    RunRequest request;
    ManifestInput in;
    in.bundle_name = bundle->name();
    in.tool = {{"name", "irsnap"}};
    in.host = {{"hostname", "h"}};
    in.operator_ = {{"user", "root"}};
    in.start = sample_clocks();
    in.run = run_collectors(fakes(), *bundle, request, nullptr);
    in.end = sample_clocks();
    auto log = bundle->create_file("collection.log");
    log->write("log line\n");
    log->close();
    in.log = {"collection.log", log->bytes(), 0, log->sha256()};
    std::string digest = bundle->write_manifest(build_manifest(in));
    return {bundle->path(), digest};
}

TEST(Manifest, HasTheCustodySections) {
    TempDir tmp("irsnap-manifest");
    auto b = write_bundle(tmp.path());
    auto m = nlohmann::json::parse(read_text_file(b.path / "manifest.json"));
    for (auto key : {"schema", "bundle", "status", "case", "tool", "host", "operator", "clock",
                     "collectors", "artifacts", "custody", "options", "notes"}) {
        EXPECT_TRUE(m.contains(key)) << key;
    }
    EXPECT_EQ(m["status"], "partial");
    EXPECT_EQ(m["collectors"].size(), 4u);
    // An error entry keeps its first keys and says what kind of number its code is.
    EXPECT_EQ(m["collectors"][2]["errors"].dump(),
              R"([{"code":13,"domain":"errno","message":"denied","path":"/x","stage":"open"}])");
    EXPECT_EQ(m["artifacts"].back()["path"], "collection.log");
    EXPECT_EQ(m["custody"][0]["action"], "collected");
    EXPECT_EQ(read_text_file(b.path / "manifest.json.sha256"), b.digest + "  manifest.json\n");
    EXPECT_EQ(sha256_hex(read_text_file(b.path / "manifest.json")), b.digest);
    EXPECT_FALSE(fs::exists(b.path / "manifest.json.tmp"));
}

TEST(Verify, IntactBundlePasses) {
    TempDir tmp("irsnap-verify");
    auto b = write_bundle(tmp.path());
    VerifyReport r = verify_bundle(b.path);
    EXPECT_TRUE(r.ok()) << (r.problems.empty() ? ""
                                               : r.problems[0].path + " " + r.problems[0].problem);
    EXPECT_EQ(r.files_checked, 5u);  // manifest + 3 artifacts + log
    EXPECT_EQ(r.run_status, "partial");
}

TEST(Verify, NamesChangedMissingAndUnexpectedFiles) {
    TempDir tmp("irsnap-verify");
    auto b = write_bundle(tmp.path());
    {
        std::fstream f(b.path / "artifacts/02_fake_ok.jsonl",
                       std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(3);
        f.put('9');
    }
    fs::remove(b.path / "collection.log");
    std::ofstream(b.path / "artifacts/planted.jsonl") << "{}\n";
    fs::create_directory_symlink("/etc", b.path / "artifacts/planted_link");
    VerifyReport r = verify_bundle(b.path);
    EXPECT_FALSE(r.ok());
    std::map<std::string, std::string> problems;
    for (const auto& p : r.problems) problems[p.path] = p.problem;
    EXPECT_EQ(problems["artifacts/02_fake_ok.jsonl"], "changed");
    EXPECT_EQ(problems["collection.log"], "missing");
    EXPECT_EQ(problems["artifacts/planted.jsonl"], "unexpected");
    EXPECT_EQ(problems["artifacts/planted_link"], "unexpected");  // named, never followed
    EXPECT_EQ(problems.size(), 4u);
}

TEST(Verify, EditedManifestFailsItsDigest) {
    TempDir tmp("irsnap-verify");
    auto b = write_bundle(tmp.path());
    std::string text = read_text_file(b.path / "manifest.json");
    text.replace(text.find("\"partial\""), 9, "\"complete\"");
    std::ofstream(b.path / "manifest.json", std::ios::binary | std::ios::trunc) << text;
    VerifyReport r = verify_bundle(b.path);
    EXPECT_FALSE(r.manifest_digest_ok);
    ASSERT_FALSE(r.problems.empty());
    EXPECT_EQ(r.problems[0].path, "manifest.json");
}

TEST(Verify, TypeTamperedManifestIsNamedNotACrash) {
    TempDir tmp("irsnap-verify");
    auto b = write_bundle(tmp.path());
    auto m = nlohmann::json::parse(read_text_file(b.path / "manifest.json"));
    m["status"] = 1;
    m["artifacts"][0]["sha256"] = nullptr;
    m["artifacts"][1]["bytes"] = "many";
    // Tampered consistently: the digest file is recomputed too.
    std::string text = m.dump(2) + "\n";
    std::ofstream(b.path / "manifest.json", std::ios::binary | std::ios::trunc) << text;
    std::ofstream(b.path / "manifest.json.sha256", std::ios::binary | std::ios::trunc)
        << sha256_hex(text) << "  manifest.json\n";
    VerifyReport r = verify_bundle(b.path);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.run_status, "unknown");
    int unreadable = 0;
    for (const auto& p : r.problems) {
        unreadable += p.path == "manifest.json" && p.problem == "unreadable";
    }
    EXPECT_EQ(unreadable, 2);
}

TEST(Verify, NoManifestMeansIncomplete) {
    TempDir tmp("irsnap-verify");
    auto bundle = Bundle::create(tmp.path(), "h", k_t0);
    RunRequest request;
    run_collectors(fakes(), *bundle, request, nullptr);  // killed before the manifest
    VerifyReport r = verify_bundle(bundle->path());
    EXPECT_FALSE(r.ok());
    EXPECT_FALSE(r.manifest_present);
    ASSERT_EQ(r.problems.size(), 1u);  // one clear line, not every file
    EXPECT_EQ(r.problems[0].path, "manifest.json");
    EXPECT_EQ(r.problems[0].problem, "missing");
}

}  // namespace
}  // namespace irsnap::test
