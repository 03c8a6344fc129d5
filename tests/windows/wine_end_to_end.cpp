// SPDX-License-Identifier: Apache-2.0
// The Windows build end to end under Wine: irsnap.exe collects a real (Wine) Windows session,
// and this Linux build verifies the result. One Wine session (tests/windows/wine_session.sh)
// plants what each collector must find: a Run value, a test program listening on a loopback
// port and holding a file open. Built only when the Linux build is configured with
// -DIRSNAP_WINDOWS_BUILD_DIR (scripts/test.sh does), as its own test process: the cases share
// the one session.
#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include "irsnap/hash.hpp"
#include "memory/minidump_layout.hpp"
#include "run_util.hpp"

namespace irsnap::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int k_port = 47123;

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

/// `word=value` from the test program's ready line ("" when absent).
std::string ready_field(const std::string& line, const std::string& word) {
    const auto at = line.find(" " + word + "=");
    if (at == std::string::npos) return "";
    const auto from = at + word.size() + 2;
    return line.substr(from, line.find_first_of(" \n", from) - from);
}

/// A member of an encrypted evidence ZIP (password "infected"), read with libarchive.
std::optional<std::string> zip_member(const fs::path& zip, const std::string& name) {
    archive* a = archive_read_new();
    archive_read_support_format_zip(a);
    archive_read_add_passphrase(a, "infected");
    std::optional<std::string> out;
    if (archive_read_open_filename(a, zip.c_str(), 1 << 16) == ARCHIVE_OK) {
        archive_entry* entry = nullptr;
        while (!out && archive_read_next_header(a, &entry) == ARCHIVE_OK) {
            if (archive_entry_pathname(entry) != name) continue;
            std::string data;
            char buffer[1 << 16];
            la_ssize_t n = 0;
            while ((n = archive_read_data(a, buffer, sizeof buffer)) > 0) data.append(buffer, n);
            if (n == 0) out = std::move(data);
        }
    }
    archive_read_free(a);
    return out;
}

/// The bytes a minidump holds for `address`, found the way a debugger finds them: through the
/// stream directory and the Memory64 list. "" when the address is not in the dump.
std::string minidump_bytes_at(const std::string& dump, uint64_t address, size_t length) {
    namespace md = collectors::minidump;
    auto read = [&](uint64_t at, auto& value) {
        if (at + sizeof(value) > dump.size()) return false;
        std::memcpy(&value, dump.data() + at, sizeof(value));
        return true;
    };
    md::Header header{};
    if (!read(0, header)) return "";
    for (uint32_t i = 0; i < header.number_of_streams; ++i) {
        md::Directory entry{};
        if (!read(header.stream_directory_rva + uint64_t{i} * sizeof(entry), entry)) return "";
        if (entry.stream_type != md::memory64_list) continue;
        md::Memory64ListHeader list{};
        if (!read(entry.location.rva, list)) return "";
        uint64_t offset = list.base_rva;
        for (uint64_t k = 0; k < list.number_of_memory_ranges; ++k) {
            md::MemoryDescriptor64 range{};
            if (!read(entry.location.rva + sizeof(list) + k * sizeof(range), range)) return "";
            if (address >= range.start_of_memory_range &&
                address + length <= range.start_of_memory_range + range.data_size) {
                const uint64_t at = offset + (address - range.start_of_memory_range);
                return at + length <= dump.size() ? dump.substr(at, length) : "";
            }
            offset += range.data_size;
        }
    }
    return "";
}

// Everything the Wine session left behind, shared by the tests below (a cold Wine start costs
// seconds; the session runs once).
struct Session {
    fs::path work;
    fs::path bundle;
    fs::path memory_bundle;  ///< the memory collector alone, --dump-pid of the test program
    fs::path small_bundle;   ///< the same, --dump-no-freeze --no-memory-regions, 8 MiB
    long child_pid = -1;
    std::string ready_line;
    std::string setup_error;
};

Session& session() {
    static Session s = [] {
        Session out;
        out.work = fs::temp_directory_path() / ("irsnap-wine-e2e-" + std::to_string(::getpid()));
        fs::remove_all(out.work);
        fs::create_directories(out.work);
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
        for (const auto& entry : fs::directory_iterator(out.work / "memout"))
            out.memory_bundle = entry.path();
        for (const auto& entry : fs::directory_iterator(out.work / "memsmall"))
            out.small_bundle = entry.path();
        return out;
    }();
    return s;
}

class WindowsWine : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_EQ(session().setup_error, "");
        ASSERT_FALSE(session().bundle.empty()) << "irsnap.exe wrote no bundle";
    }
    static std::vector<json> records(const std::string& collector) {
        return read_jsonl(artifact(session().bundle, collector));
    }
    static json manifest() { return json::parse(read_file(session().bundle / "manifest.json")); }
};

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
    ASSERT_EQ(m["collectors"].size(), 16u);  // samples, timeline, files and memory included
    for (const auto& c : m["collectors"]) {
        const std::string status = c.value("status", "");
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

namespace irsnap::test {
namespace {

// --dump-pid of the test program: a minidump (MDMP) holding the marker it keeps in its heap,
// and, captured for every process, its private read-write-execute region holding the other
// marker. Both members are what their records' sha256 say.
TEST_F(WindowsWine, MemoryDumpsTheTestProgramAndCapturesItsExecutableRegion) {
    ASSERT_GT(session().child_pid, 0) << read_file(session().work / "child.out");
    const int rc = read_rc(session().work / "memory.rc");
    EXPECT_TRUE(rc == 0 || rc == 1) << rc;
    ASSERT_FALSE(session().memory_bundle.empty()) << "the memory run wrote no bundle";
    const std::string heap_marker = ready_field(session().ready_line, "heap");
    const std::string rwx_marker = ready_field(session().ready_line, "rwx");
    const std::string rwx_at = ready_field(session().ready_line, "at");
    ASSERT_FALSE(heap_marker.empty() || rwx_marker.empty() || rwx_at.empty())
        << session().ready_line;
    const auto records = read_jsonl(artifact(session().memory_bundle, "memory"));
    const json* dump = nullptr;
    const json* region = nullptr;
    for (const auto& r : records) {
        if (r.value("pid", -1L) != session().child_pid) continue;
        if (r.value("kind", "") == "dump") dump = &r;
        if (r.value("kind", "") == "region" && r.value("start", "") == rwx_at) region = &r;
    }
    ASSERT_NE(dump, nullptr);
    const std::string dump_status = (*dump)["status"];
    EXPECT_TRUE(dump_status == "dumped" || dump_status == "partial") << dump->dump();
    EXPECT_EQ((*dump)["format"], "minidump");
    EXPECT_EQ((*dump)["member"], "pid" + std::to_string(session().child_pid) + ".dmp");
    const auto dump_bytes = zip_member(
        session().memory_bundle / (*dump)["archive"].get<std::string>(), (*dump)["member"]);
    ASSERT_TRUE(dump_bytes) << dump->dump();
    EXPECT_EQ(dump_bytes->substr(0, 4), "MDMP");
    EXPECT_EQ(dump_bytes->size(), (*dump)["size"].get<uint64_t>());
    EXPECT_EQ(sha256_hex(*dump_bytes), (*dump)["sha256"]);
    // Where the Memory64 list says the heap block and the region are (the markers also sit in
    // the program's stdout buffer: found anywhere, they would prove less).
    const uint64_t heap_at = std::stoull(ready_field(session().ready_line, "heap_at"), nullptr, 16);
    EXPECT_EQ(minidump_bytes_at(*dump_bytes, heap_at, heap_marker.size()), heap_marker);
    EXPECT_EQ(minidump_bytes_at(*dump_bytes, std::stoull(rwx_at, nullptr, 16), rwx_marker.size()),
              rwx_marker);

    ASSERT_NE(region, nullptr) << "no region record at " << rwx_at;
    EXPECT_EQ((*region)["permissions"], "rwxp") << region->dump();
    EXPECT_EQ((*region)["backing"], "anonymous");
    const std::string region_status = (*region)["status"];
    EXPECT_TRUE(region_status == "dumped" || region_status == "partial") << region->dump();
    const auto region_bytes = zip_member(
        session().memory_bundle / (*region)["archive"].get<std::string>(), (*region)["member"]);
    ASSERT_TRUE(region_bytes) << region->dump();
    EXPECT_EQ(region_bytes->rfind(rwx_marker, 0), 0u);  // at the region's first byte
    EXPECT_EQ(sha256_hex(*region_bytes), (*region)["sha256"]);
    // Memory lives only inside the archives: no raw dump or region file anywhere.
    for (const auto& e : fs::recursive_directory_iterator(session().memory_bundle)) {
        EXPECT_NE(e.path().extension(), ".dmp") << e.path();
        EXPECT_NE(e.path().extension(), ".bin") << e.path();
    }
    // LLDB reads Windows minidumps with its own parser: the process, the thread's registers,
    // the modules and the region's bytes, as a debugger sees them (the test program's dump,
    // written only into this test's own work directory).
    IRSNAP_NEED_TOOL(access("/usr/bin/lldb", X_OK) == 0, "lldb");
    const fs::path copy = session().work / "child.dmp";
    std::ofstream(copy, std::ios::binary) << *dump_bytes;
    const auto lldb =
        run_command({"/usr/bin/lldb", "-b", "-c", copy.string(), "-o", "process status", "-o",
                     "image list", "-o", "register read rip", "-o", "memory read -c 16 " + rwx_at});
    EXPECT_NE(lldb.out.find("Process " + std::to_string(session().child_pid) + " stopped"),
              std::string::npos)
        << lldb.out << lldb.err;
    EXPECT_NE(lower(lldb.out).find("irsnap_wine_child.exe"), std::string::npos) << lldb.out;
    EXPECT_NE(lldb.out.find("rip = 0x"), std::string::npos) << lldb.out;
    EXPECT_EQ(lldb.out.find("rip = 0x0000000000000000"), std::string::npos) << lldb.out;
    EXPECT_NE(lldb.out.find(rwx_marker.substr(0, 16)), std::string::npos) << lldb.out;
    fs::remove(copy);
}

// Within --max-dump-bytes the private memory (which exists nowhere else) goes in first and
// file-backed read-only memory is what the budget leaves out, listed but not dumped;
// --dump-no-freeze reads the process running, --no-memory-regions captures no region.
TEST_F(WindowsWine, MemoryDumpWithinASmallBudgetKeepsPrivateMemoryAndRunsUnfrozen) {
    ASSERT_GT(session().child_pid, 0) << read_file(session().work / "child.out");
    EXPECT_EQ(read_rc(session().work / "memsmall.rc"), 0);
    ASSERT_FALSE(session().small_bundle.empty()) << "the small memory run wrote no bundle";
    const auto records = read_jsonl(artifact(session().small_bundle, "memory"));
    ASSERT_EQ(records.size(), 1u);  // the dump, no regions
    const json& dump = records.front();
    EXPECT_EQ(dump["kind"], "dump");
    EXPECT_EQ(dump["pid"].get<long>(), session().child_pid);
    EXPECT_EQ(dump["status"], "partial") << dump["status_note"];
    EXPECT_FALSE(dump["frozen"].get<bool>());
    EXPECT_TRUE(dump["freeze_ms"].is_null());
    EXPECT_LE(dump["size"].get<uint64_t>(), 8u << 20);
    size_t budget_skipped = 0;
    for (const auto& seg : dump["segments"]) {
        if (seg["skipped"] != "budget") continue;
        ++budget_skipped;
        EXPECT_EQ(seg["permissions"].get<std::string>().back(), 's') << seg.dump();
    }
    EXPECT_GT(budget_skipped, 0u);
    const auto bytes =
        zip_member(session().small_bundle / dump["archive"].get<std::string>(), dump["member"]);
    ASSERT_TRUE(bytes);
    EXPECT_EQ(sha256_hex(*bytes), dump["sha256"]);
    const std::string heap_marker = ready_field(session().ready_line, "heap");
    const uint64_t heap_at = std::stoull(ready_field(session().ready_line, "heap_at"), nullptr, 16);
    EXPECT_EQ(minidump_bytes_at(*bytes, heap_at, heap_marker.size()), heap_marker);
}

}  // namespace
}  // namespace irsnap::test
