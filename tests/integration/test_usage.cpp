// SPDX-License-Identifier: Apache-2.0
// The shared command-line layer (src/cli/parse.cpp) for every subcommand: a stray argument or a
// negative or out-of-range number is one line on stderr and exit 2 with nothing done, and each
// --help lists the exit codes of its own command.
#include <gtest/gtest.h>

#include <sys/utsname.h>

#include <algorithm>
#include <cctype>
#include <chrono>

#include "../unit/fixture_util.hpp"
#include "irsnap/clock.hpp"
#include "run_util.hpp"

namespace irsnap::test {
namespace {

namespace fs = std::filesystem;

void expect_usage_error(const std::vector<std::string>& args, const std::string& needle,
                        const std::string& cwd) {
    std::vector<std::string> argv = {irsnap_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string shown;
    for (const auto& a : args) shown += " " + a;
    auto run = run_command(argv, cwd);
    EXPECT_EQ(run.exit_code, 2) << "irsnap" << shown << "\n" << run.err;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << "irsnap" << shown << "\n"
                                                                   << run.err;
    EXPECT_EQ(run.err.rfind("irsnap: ", 0), 0u) << run.err;
    EXPECT_NE(run.err.find(needle), std::string::npos) << "irsnap" << shown << "\n" << run.err;
    EXPECT_TRUE(run.out.empty()) << "irsnap" << shown << "\n" << run.out;
}

/// A collected bundle, so commands that read one get past their own checks.
fs::path small_bundle(const TempDir& tmp) {
    auto run = run_command({irsnap_binary(), "collect", "-o", (tmp.path() / "out").string(),
                            "--collectors", "system", "-q"});
    EXPECT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.err;
    return only_bundle(tmp.path() / "out");
}

TEST(Usage, StrayArgumentIsRefusedByEveryCommand) {
    TempDir tmp("irsnap-usage");
    const fs::path bundle = small_bundle(tmp);
    const std::string b = bundle.string();
    const std::string cwd = tmp.path().string();
    // `irsnap collect /media/usb/out` used to collect into the default directory and exit 1.
    const fs::path elsewhere = tmp.path() / "usb-out";
    expect_usage_error({"collect", elsewhere.string()},
                       "unexpected argument '" + elsewhere.string(), cwd);
    expect_usage_error({elsewhere.string()}, "unknown command", cwd);
    expect_usage_error({"-o", (tmp.path() / "o2").string(), "stray"}, "unexpected argument 'stray'",
                       cwd);
    EXPECT_FALSE(fs::exists(elsewhere));
    EXPECT_FALSE(fs::exists(tmp.path() / "o2"));
    expect_usage_error({"list", "extra"}, "unexpected argument 'extra'", cwd);
    expect_usage_error({"describe", "system", "extra"}, "unexpected argument 'extra'", cwd);
    expect_usage_error({"verify", b, "extra"}, "unexpected argument 'extra'", cwd);
    expect_usage_error({"unpack", "a.tar", cwd, "extra"}, "unexpected argument 'extra'", cwd);
    expect_usage_error({"procedure", "extra"}, "unexpected argument 'extra'", cwd);
    expect_usage_error({"custody", b, "extra", "--event", "examined", "--by", "A"},
                       "unexpected argument 'extra'", cwd);
    expect_usage_error({"triage", b, "extra"}, "unexpected argument 'extra'", cwd);
    expect_usage_error({"triage", "--list-rules", "extra"}, "unexpected argument 'extra'", cwd);
    // After "--" an argument is positional even if it looks like an option.
    expect_usage_error({"list", "--", "--json"}, "unexpected argument '--json'", cwd);
    // stack and export take any number of bundles: a stray one is a bundle that does not exist.
    EXPECT_FALSE(fs::exists(bundle / "custody.jsonl"));
}

TEST(Usage, NegativeOrOutOfRangeNumbersAreRefused) {
    TempDir tmp("irsnap-usage");
    const fs::path bundle = small_bundle(tmp);
    const std::string b = bundle.string();
    const std::string cwd = tmp.path().string();
    const std::string out = (tmp.path() / "o").string();
    struct Case {
        std::vector<std::string> args;
        std::string option;
    };
    const std::vector<Case> cases = {
        // Boost read "-5" into an unsigned as 18446744073709551611: no limit at all.
        {{"collect", "-o", out, "--max-hash-bytes", "-5"}, "--max-hash-bytes"},
        {{"collect", "-o", out, "--max-hash-bytes=-5"}, "--max-hash-bytes"},
        // ... and "-1" as 4294967295 seconds.
        {{"collect", "-o", out, "--timeout-per-collector", "-1"}, "--timeout-per-collector"},
        {{"collect", "-o", out, "--timeout-per-collector=-1"}, "--timeout-per-collector"},
        {{"collect", "-o", out, "--timeout-per-collector=86401"}, "--timeout-per-collector"},
        {{"collect", "-o", out, "--threads=-1"}, "--threads"},
        {{"collect", "-o", out, "--threads=0"}, "--threads"},
        {{"collect", "-o", out, "--threads=65"}, "--threads"},
        {{"collect", "-o", out, "--threads=4x"}, "--threads"},
        {{"collect", "-o", out, "--threads= 4"}, "--threads"},
        {{"collect", "-o", out, "--threads=+4"}, "--threads"},
        {{"collect", "-o", out, "--pid-max=-1"}, "--pid-max"},
        {{"collect", "-o", out, "--pid-max=4194305"}, "--pid-max"},
        {{"collect", "-o", out, "--max-hash-bytes=99999999999999999999"}, "--max-hash-bytes"},
        {{"triage", b, "--recent-days=-1"}, "--recent-days"},
        {{"triage", b, "--recent-days=3651"}, "--recent-days"},
        {{"stack", b, "--top=-1"}, "--top"},
        {{"stack", b, "--hosts-listed=-1"}, "--hosts-listed"},
        {{"stack", b, "--hosts-listed=100001"}, "--hosts-listed"},
        {{"export", b, "--format", "jsonl", "-o", "-", "--recent-days=-1"}, "--recent-days"},
    };
    for (const auto& c : cases) expect_usage_error(c.args, c.option, cwd);
    // A separate "-1" token is refused as well (as a value, or as an unknown option).
    for (const char* option : {"--max-hash-bytes", "--timeout-per-collector", "--threads"}) {
        auto run = run_command({irsnap_binary(), "collect", "-o", out, option, "-1"}, cwd);
        EXPECT_EQ(run.exit_code, 2) << option << ": " << run.err;
        EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
    }
    EXPECT_FALSE(fs::exists(out));
    // The limits themselves are accepted.
    auto edge = run_command({irsnap_binary(), "collect", "-o", out, "-q", "--collectors", "system",
                             "--threads=64", "--timeout-per-collector=86400", "--max-hash-bytes=0"},
                            cwd);
    EXPECT_TRUE(edge.exit_code == 0 || edge.exit_code == 1) << edge.err;
}

TEST(Usage, EachHelpListsItsOwnExitCodes) {
    struct Case {
        std::string command;
        std::vector<int> codes;
    };
    const std::vector<Case> cases = {
        {"collect", {0, 1, 2, 3, 4, 6}}, {"verify", {0, 2, 5, 6}},
        {"unpack", {0, 2, 3, 5, 6}},     {"list", {0, 2, 6}},
        {"describe", {0, 2, 6}},         {"procedure", {0, 2, 3, 6}},
        {"custody", {0, 2, 3, 5, 6}},    {"triage", {0, 2, 3, 5, 6}},
        {"stack", {0, 2, 3, 5, 6}},      {"export", {0, 2, 3, 4, 5, 6}},
    };
    for (const auto& c : cases) {
        auto run = run_command({irsnap_binary(), c.command, "--help"});
        EXPECT_EQ(run.exit_code, 0) << c.command << run.err;
        const size_t at = run.out.find("Exit codes:\n");
        ASSERT_NE(at, std::string::npos) << c.command << "\n" << run.out;
        const std::string table = run.out.substr(at);
        for (int code = 0; code <= 6; ++code) {
            const bool listed =
                table.find("\n  " + std::to_string(code) + "  ") != std::string::npos;
            const bool expected = std::find(c.codes.begin(), c.codes.end(), code) != c.codes.end();
            EXPECT_EQ(listed, expected) << c.command << " --help, code " << code << "\n" << table;
        }
    }
    // collect's table says "collected"; verify's must not promise a collection.
    EXPECT_EQ(run_command({irsnap_binary(), "verify", "--help"}).out.find("collected"),
              std::string::npos);
}

TEST(Usage, PreCreatedBundleNamesDoNotBlockACollection) {
    // Another user who can write the output directory creates this host's bundle names for the
    // next seconds, with every _2 to _100 (the old limit): the run still gets a bundle, with a
    // random suffix, and it verifies.
    TempDir tmp("irsnap-usage");
    const fs::path out = tmp.path() / "out";
    fs::create_directories(out);
    utsname uts{};
    ASSERT_EQ(uname(&uts), 0);
    std::string host = uts.nodename;
    for (char& c : host) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-')
            c = '_';
    }
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now).count();
    std::vector<std::string> bases;
    for (int s = 0; s < 6; ++s) {
        const std::string base = host + "_" + format_compact_utc(now_ns + s * 1000000000LL);
        bases.push_back(base);
        fs::create_directory(out / base);
        for (int n = 2; n <= 100; ++n) fs::create_directory(out / (base + "_" + std::to_string(n)));
    }
    const size_t taken = std::distance(fs::directory_iterator(out), fs::directory_iterator{});
    auto run = run_command(
        {irsnap_binary(), "collect", "-o", out.string(), "--collectors", "system", "-q", "--json"});
    ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.err;
    const std::string bundle = nlohmann::json::parse(run.out)["bundle"];
    const std::string name = fs::path(bundle).filename().string();
    EXPECT_EQ(std::distance(fs::directory_iterator(out), fs::directory_iterator{}), taken + 1);
    bool pre_created_base = false;
    for (const auto& base : bases) pre_created_base |= name.rfind(base + "_", 0) == 0;
    EXPECT_TRUE(pre_created_base) << name;
    EXPECT_EQ(name.find_first_not_of("0123456789abcdef", name.size() - 8), std::string::npos)
        << name;
    auto verified = run_command({irsnap_binary(), "verify", bundle});
    EXPECT_EQ(verified.exit_code, 0) << verified.out;
}

}  // namespace
}  // namespace irsnap::test
