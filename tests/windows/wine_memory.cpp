// SPDX-License-Identifier: Apache-2.0
// The memory collector of irsnap.exe under Wine (the session of wine_e2e.hpp): the test program
// keeps a marker in its heap and another in a private read-write-execute region; its minidump
// and its region are read back from the encrypted ZIPs, by irsnap's own layout and by LLDB.
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
#include "wine_e2e.hpp"

namespace irsnap::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

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
    ASSERT_FALSE(records.empty());
    EXPECT_EQ(records.front()["kind"], "scan");  // what the pass over the processes saw
    EXPECT_GT(records.front()["processes_read"].get<int64_t>(), 1);
    for (const auto& r : records) {
        if (r["kind"] == "scan" || r["pid"] != session().child_pid) continue;
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
    ASSERT_EQ(records.size(), 2u);  // the scan, the dump, no regions
    EXPECT_EQ(records.front()["kind"], "scan");
    const json& dump = records.back();
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
