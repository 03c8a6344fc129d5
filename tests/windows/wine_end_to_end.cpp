// SPDX-License-Identifier: Apache-2.0
// The Windows build end to end under Wine: irsnap.exe collects a real (Wine) Windows session,
// and this Linux build verifies the result. One Wine session (tests/windows/wine_session.sh)
// plants what each collector must find: a Run value, a test program listening on a loopback
// port and holding a file open. Built only when the Linux build is configured with
// -DIRSNAP_WINDOWS_BUILD_DIR (scripts/test.sh does), as its own test process: the cases share
// the one session.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include "run_util.hpp"
#include "wine_e2e.hpp"

namespace irsnap::test {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {
constexpr int k_port = 47123;
}  // namespace

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

int read_rc(const fs::path& path) {
    const std::string text = read_file(path);
    return text.empty() ? -1 : std::stoi(text);
}

// Everything the Wine session left behind, shared by the tests (a cold Wine start costs
// seconds; the session runs once).
Session& session() {
    static Session s = [] {
        Session out;
        out.work = fs::temp_directory_path() / ("irsnap-wine-e2e-" + std::to_string(::getpid()));
        fs::remove_all(out.work);
        fs::create_directories(out.work);
        // The analyst's key for the sealed run: made by the Linux build, used by the Windows one.
        const auto keygen =
            run_command({irsnap_binary(), "keygen", "-o", (out.work / "key.txt").string()});
        std::ofstream(out.work / "recipient")
            << keygen.out.substr(keygen.out.find("age1"), keygen.out.find('\n') - 12);
        const auto run = run_command({IRSNAP_WINE_SESSION, out.work.string(),
                                      IRSNAP_WINDOWS_BUILD_DIR, std::to_string(k_port)});
        if (run.exit_code != 0) {
            out.setup_error =
                "wine_session.sh exited " + std::to_string(run.exit_code) + ": " + run.err;
            return out;
        }
        const std::string child = read_file(out.work / "child.out");
        if (child.rfind("ready ", 0) == 0) out.child_pid = std::stol(child.substr(6));
        out.ready_line = child.substr(0, child.find_first_of("\r\n"));  // Wine writes CRLF
        for (const auto& entry : fs::directory_iterator(out.work / "out"))
            out.bundle = entry.path();
        const std::string beacon = read_file(out.work / "beacon.out");
        if (beacon.rfind("ready ", 0) == 0) out.beacon_pid = std::stol(beacon.substr(6));
        for (const auto& entry : fs::directory_iterator(out.work / "observe"))
            out.observe_bundle = entry.path();
        for (const auto& entry : fs::directory_iterator(out.work / "observe_timeout"))
            out.observe_timeout_bundle = entry.path();
        for (const auto& entry : fs::directory_iterator(out.work / "memout"))
            out.memory_bundle = entry.path();
        for (const auto& entry : fs::directory_iterator(out.work / "memsmall"))
            out.small_bundle = entry.path();
        return out;
    }();
    return s;
}

namespace {

TEST_F(WindowsWine, WindowsUnitTestsPass) {
    EXPECT_EQ(read_rc(session().work / "unit.rc"), 0) << read_file(session().work / "unit.out");
    EXPECT_NE(read_file(session().work / "unit.out").find("[  PASSED  ]"), std::string::npos);
}

// Every collector has a Windows implementation and runs. Under Wine some are 'partial' (exit 1)
// by design: their coverage says what Wine does not emulate (socket owners, IPv6 neighbour and
// route tables, the DNS cache), which is what a responder needs to know of such a bundle.
TEST_F(WindowsWine, CollectCompletesAndTheManifestSaysWine) {
    const int rc = read_rc(session().work / "collect.rc");
    EXPECT_TRUE(rc == 0 || rc == 1) << rc;
    const json m = manifest();
    ASSERT_TRUE(m["host"].contains("wine"));
    EXPECT_TRUE(m["host"]["wine"].is_string()) << m["host"].dump();
    EXPECT_NE(m["host"]["os"].dump().find("Windows"), std::string::npos) << m["host"]["os"].dump();
    ASSERT_EQ(m["collectors"].size(), 20u);  // samples, timeline, files and memory included
    for (const auto& c : m["collectors"]) {
        const std::string status = c.value("status", "");
        // The observation window runs only with --observe (its own run, below).
        if (c.value("name", "") == "activity") {
            EXPECT_EQ(status, "skipped") << c.dump();
            EXPECT_NE(c.value("message", "").find("off by default"), std::string::npos) << c.dump();
            continue;
        }
        // The Linux kernel's own state has no Windows counterpart (yet), and physical memory
        // needs a kernel driver (docs/windows.md): skipped, and said so.
        if (c.value("name", "") == "bpf" || c.value("name", "") == "kernel_state" ||
            c.value("name", "") == "physical_memory") {
            EXPECT_EQ(status, "skipped") << c.dump();
            EXPECT_NE(c.value("message", "").find("platform"), std::string::npos) << c.dump();
            continue;
        }
        EXPECT_TRUE(status == "ok" || status == "partial") << c.dump();
        if (status == "partial") {
            EXPECT_FALSE(c["coverage"].empty()) << c.dump();
        }
        // Wine's EnumDeviceDrivers lists no drivers: there is no Windows kernel.
        if (c.value("name", "") != "kernel_modules") {
            EXPECT_GT(c.value("records", 0), 0) << c.value("name", "") << " emitted nothing";
        }
    }
}

TEST_F(WindowsWine, LinuxVerifyAcceptsTheBundleAndTheStreamAndRejectsATamperedCopy) {
    EXPECT_EQ(run_command({irsnap_binary(), "verify", session().bundle.string()}).exit_code, 0);
    EXPECT_EQ(read_rc(session().work / "stream.rc"), 0) << read_file(session().work / "stream.err");
    EXPECT_EQ(run_command({irsnap_binary(), "verify", (session().work / "stream.tar").string()})
                  .exit_code,
              0);
    const fs::path copy = session().work / "tampered";
    fs::copy(session().bundle, copy, fs::copy_options::recursive);
    const fs::path victim = artifact(copy, "processes");
    std::string text = read_file(victim);
    ASSERT_FALSE(text.empty());
    text[text.size() / 2] = text[text.size() / 2] == 'a' ? 'b' : 'a';
    std::ofstream(victim, std::ios::binary | std::ios::trunc) << text;
    EXPECT_EQ(run_command({irsnap_binary(), "verify", copy.string()}).exit_code, 5);
}

TEST_F(WindowsWine, TheWindowsBuildSealsAndTheLinuxBuildOpensIt) {
    EXPECT_LE(read_rc(session().work / "sealed.rc"), 1);
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(session().work / "sealed"))
        files.push_back(e.path());
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(files[0].extension(), ".age");
    EXPECT_EQ(read_file(files[0]).find("manifest.json"), std::string::npos);
    const auto v = run_command({irsnap_binary(), "verify", "-i",
                                (session().work / "key.txt").string(), files[0].string()});
    EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
    // irsnap.exe opens its own sealed file as well.
    EXPECT_EQ(read_rc(session().work / "sealed_verify.rc"), 0)
        << read_file(session().work / "sealed_verify.out");
    EXPECT_NE(read_file(session().work / "sealed_verify.out").find("VERIFIED"), std::string::npos);
}

TEST_F(WindowsWine, ProcessesIncludeWineServicesAndTheTestProgram) {
    ASSERT_GT(session().child_pid, 0) << read_file(session().work / "child.out");
    bool services = false, child = false;
    for (const auto& r : records("processes")) {
        const std::string name = lower(r.value("name", ""));
        services = services || name == "services.exe";
        if (r.value("pid", -1L) == session().child_pid) {
            child = true;
            EXPECT_EQ(lower(r.value("name", "")), "irsnap_wine_child.exe");
            EXPECT_EQ(r.value("exe_sha256", "").size(), 64u) << r.dump();
        }
    }
    EXPECT_TRUE(services);
    EXPECT_TRUE(child);
}

TEST_F(WindowsWine, AutorunsShowThePlantedRunValueWithItsTarget) {
    bool found = false;
    for (const auto& r : records("autoruns")) {
        if (r.dump().find("irsnap-wine-test") == std::string::npos) continue;
        found = true;
        EXPECT_EQ(lower(r.value("target_path", "")), "c:\\windows\\system32\\notepad.exe")
            << r.dump();
        EXPECT_TRUE(r.value("target_exists", false)) << r.dump();
        EXPECT_EQ(r.value("target_sha256", "").size(), 64u) << r.dump();
    }
    EXPECT_TRUE(found);
}

// Under Wine, sockets live in wineserver: the owner pid of every TCP row is 0. The record keeps
// the row and says 0; the manifest says Wine (above).
TEST_F(WindowsWine, NetworkShowsTheLoopbackListenerWithWinesOwnerPidZero) {
    bool found = false;
    for (const auto& r : records("network")) {
        if (r.value("local_port", -1) != k_port || r.value("state", "") != "LISTEN") continue;
        found = true;
        EXPECT_EQ(r.value("local_address", ""), "127.0.0.1");
        EXPECT_EQ(r.value("protocol", ""), "tcp");
        const std::string text = r.dump();
        EXPECT_TRUE(r.value("pid", -1) == 0 || (r.contains("owners") && !r["owners"].empty() &&
                                                r["owners"][0].value("pid", -1) == 0))
            << text;
    }
    EXPECT_TRUE(found);
}

TEST_F(WindowsWine, RoutesShowTheRouteOfTheNamespace) {
    bool found = false;
    for (const auto& r : records("routes")) {
        found = found || r.value("destination", "") == "10.99.0.0/16";
    }
    EXPECT_TRUE(found);
}

TEST_F(WindowsWine, HandlesIncludeTheFileTheTestProgramHolds) {
    bool found = false;
    for (const auto& r : records("handles")) {
        if (r.value("pid", -1L) != session().child_pid) continue;
        if (lower(r.dump()).find("held-file.txt") != std::string::npos) found = true;
    }
    EXPECT_TRUE(found);
}

TEST_F(WindowsWine, ModulesIncludeKernel32ForTheTestProgram) {
    bool found = false;
    for (const auto& r : records("modules")) {
        if (r.value("pid", -1L) != session().child_pid) continue;
        const std::string path = lower(r.value("path", ""));
        if (path.size() >= 12 && path.substr(path.size() - 12) == "kernel32.dll") {
            found = true;
            EXPECT_EQ(r.value("sha256", "").size(), 64u) << r.dump();
        }
    }
    EXPECT_TRUE(found);
}

// An unsigned program running from the user's %TEMP% is a specimen: copied into the encrypted
// archive, for both of its reasons, and the member is the file itself.
TEST_F(WindowsWine, SamplesCopyTheUnsignedProgramRunningFromTemp) {
    ASSERT_GT(session().child_pid, 0) << read_file(session().work / "child.out");
    std::string child_path = read_file(session().work / "child.path");
    while (!child_path.empty() && child_path.back() == '\n') child_path.pop_back();
    const std::string digest = file_sha256(child_path);
    bool found = false;
    for (const auto& r : records("samples")) {
        const std::string path = lower(r.value("path", ""));
        const std::string name = "\\irsnap_wine_child.exe";
        if (path.size() < name.size() || path.substr(path.size() - name.size()) != name) continue;
        found = true;
        EXPECT_EQ(r.value("status", ""), "copied") << r.dump();
        const auto reasons = r.value("reasons", json::array());
        EXPECT_NE(std::find(reasons.begin(), reasons.end(), "temporary_place"), reasons.end())
            << r.dump();
        EXPECT_NE(std::find(reasons.begin(), reasons.end(), "unsigned_image"), reasons.end())
            << r.dump();
        EXPECT_EQ(r.value("sha256", ""), digest) << r.dump();
        EXPECT_EQ(r.value("member_sha256", ""), digest) << r.dump();
        EXPECT_NE(lower(r.value("path", "")).find("\\appdata\\local\\temp\\"), std::string::npos)
            << r.dump();
    }
    EXPECT_TRUE(found);
}

// A planted PowerShell history is copied by the files collector, and `irsnap extract` on Linux
// gives back its text.
TEST_F(WindowsWine, FilesCopyThePowerShellHistory) {
    bool found = false;
    for (const auto& r : records("files")) {
        if (lower(r.value("path", "")).find("psreadline/consolehost_history.txt") ==
            std::string::npos) {
            continue;
        }
        found = true;
        EXPECT_EQ(r.value("status", ""), "copied") << r.dump();
        EXPECT_EQ(r.value("category", ""), "activity") << r.dump();
    }
    ASSERT_TRUE(found);
    const fs::path into = session().work / "extracted";
    fs::remove_all(into);
    fs::create_directories(into);
    const auto extract =
        run_command({irsnap_binary(), "extract", session().bundle.string(), into.string()});
    ASSERT_EQ(extract.exit_code, 0) << extract.out << extract.err;
    std::string text;
    for (const auto& e : fs::recursive_directory_iterator(into / "files")) {
        if (e.path().filename() == "ConsoleHost_history.txt") text = read_file(e.path());
    }
    EXPECT_EQ(text, read_file(session().work / "history.txt"));
    EXPECT_NE(text.find("irsnap-psreadline-test"), std::string::npos);
}

}  // namespace
}  // namespace irsnap::test
