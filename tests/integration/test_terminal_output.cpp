// SPDX-License-Identifier: Apache-2.0
// Nothing from the suspect host reaches the analyst's terminal raw: a process whose name and
// path carry escape sequences (clear screen, set window title, bell), a C1 CSI and a bidi
// override is collected, then every analysis command prints about it. Its text must arrive
// escaped on stdout and stderr, and the record in the bundle must keep the original bytes.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>

#include "../unit/fixture_util.hpp"
#include "run_util.hpp"

namespace irsnap::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

/// A byte or sequence that a terminal would act on: C0 other than newline, DEL, a raw C1 byte
/// or a UTF-8 encoded C1, or the right-to-left override.
std::string first_active(const std::string& text) {
    for (size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if ((c < 0x20 && c != '\n') || c == 0x7F) return "byte " + std::to_string(c);
        if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
            return "C1 control";
        }
        if (text.compare(i, 3, "\xE2\x80\xAE") == 0) return "U+202E";
    }
    return "";
}

TEST(TerminalOutput, HostileProcessNameIsEscapedByEveryCommand) {
    TempDir tmp("irsnap-terminal");
    // comm is the file name (first 15 bytes): ESC [2J clears the screen, OSC 0 sets the title.
    const std::string name = "a\033[2J\033]0;X\007b";
    const fs::path dir = tmp.path() /
                         "d\xC2\x9B"
                         "2J\xE2\x80\xAE"
                         "fdp.exe";
    fs::create_directories(dir);
    const fs::path exe = dir / name;
    fs::copy_file(IRSNAP_TEST_CHILD, exe);
    fs::permissions(exe, fs::perms::owner_all);
    const pid_t child = spawn({exe.string()});
    ASSERT_GT(child, 0);

    const fs::path out = tmp.path() / "out";
    fs::create_directories(out);
    auto collected = run_command(
        {irsnap_binary(), "collect", "-o", out.string(), "--collectors", "processes", "-q"});
    kill_and_reap(child);
    ASSERT_TRUE(collected.exit_code == 0 || collected.exit_code == 1) << collected.err;
    const fs::path bundle = only_bundle(out);

    // The record keeps the real bytes (JSON-escaped in the file, not altered).
    bool found = false;
    for (const auto& r : read_jsonl(artifact(bundle, "processes"))) {
        if (r.value("pid", -1) == child) {
            EXPECT_EQ(r["name"], name);
            EXPECT_EQ(r["exe_path"], exe.string());
            found = true;
        }
    }
    ASSERT_TRUE(found) << "child " << child << " not collected";

    const std::string b = bundle.string();
    const std::vector<std::vector<std::string>> commands = {
        {irsnap_binary(), "triage", b}, {irsnap_binary(), "triage", b, "--json"},
        {irsnap_binary(), "stack", b},  {irsnap_binary(), "stack", b, "--json"},
        {irsnap_binary(), "verify", b}, {irsnap_binary(), "verify", b, "--json"},
    };
    bool shown = false;
    for (const auto& argv : commands) {
        auto run = run_command(argv);
        const std::string what = argv[1] + (argv.size() > 3 ? " " + argv[3] : "");
        EXPECT_LT(run.exit_code, 2) << what << ": " << run.err;
        EXPECT_EQ(first_active(run.out), "") << what << " stdout";
        EXPECT_EQ(first_active(run.err), "") << what << " stderr";
        if (run.out.find("a\\x1b[2J\\x1b]0;X\\x07b") != std::string::npos ||
            run.out.find("a\\u001b[2J\\u001b]0;X\\u0007b") != std::string::npos) {
            shown = true;
        }
    }
    EXPECT_TRUE(shown) << "no command showed the escaped name";

    // A bundle file named with the same sequences: verify names it, escaped.
    std::ofstream(bundle / ("artifacts/zz\033]0;owned\007.jsonl")) << "{}\n";
    auto verify = run_command({irsnap_binary(), "verify", b});
    EXPECT_EQ(verify.exit_code, 5) << verify.out;
    EXPECT_EQ(first_active(verify.out), "");
    EXPECT_NE(verify.out.find("zz\\x1b]0;owned\\x07.jsonl"), std::string::npos) << verify.out;
}

}  // namespace
}  // namespace irsnap::test
