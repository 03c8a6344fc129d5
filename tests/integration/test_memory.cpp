// SPDX-License-Identifier: Apache-2.0
// Process memory end to end with the real binary: a test child holding random markers in its
// heap and in an anonymous writable-and-executable mapping is dumped as an ELF core that file,
// readelf and gdb read, whose segments hash as the record says; the always-on capture takes
// the RWX region; --dump-suspicious picks the child; ptrace touches only the dumped process;
// and a process that exits mid-dump, a dump over its budget and an output too small each
// leave a verifying bundle with the reason recorded.
#include <gtest/gtest.h>

#include <elf.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "../unit/fixture_util.hpp"
#include "irsnap/hash.hpp"
#include "run_util.hpp"

namespace irsnap::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string random_marker() {
    std::random_device rd;
    return "irsnap-memory-marker-" + std::to_string(rd()) + "-" + std::to_string(rd());
}

/// The test child holding `marker` (and `mebibytes` more of heap), once it printed "ready".
class MemoryChild {
  public:
    explicit MemoryChild(const std::string& marker, int mebibytes = 0) {
        int fds[2];
        EXPECT_EQ(::pipe(fds), 0);
        m_pid = spawn_with_fds(
            {IRSNAP_TEST_CHILD, "--irsnap-test-memory", marker, std::to_string(mebibytes)}, -1,
            fds[1], -1);
        ::close(fds[1]);
        std::string seen;
        char c = 0;
        while (seen.find("ready") == std::string::npos && ::read(fds[0], &c, 1) == 1) seen += c;
        ::close(fds[0]);
        m_ready = seen.find("ready") != std::string::npos;
    }
    ~MemoryChild() {
        if (m_pid > 0) kill_and_reap(m_pid);
    }
    pid_t pid() const { return m_pid; }
    bool ready() const { return m_ready; }
    void kill_now() { ::kill(m_pid, SIGKILL); }

  private:
    pid_t m_pid = -1;
    bool m_ready = false;
};

fs::path collect_bundle(const fs::path& out, std::vector<std::string> extra) {
    std::vector<std::string> argv{irsnap_binary(), "collect", "-o", out.string(), "-q"};
    if (std::find(extra.begin(), extra.end(), "--collectors") == extra.end()) {
        argv.insert(argv.end(), {"--collectors", "memory"});
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto run = run_command(argv);
    EXPECT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.err;
    return only_bundle(out);
}

std::vector<json> records_of(const fs::path& bundle, const std::string& kind, pid_t pid) {
    std::vector<json> out;
    for (auto& r : read_jsonl(artifact(bundle, "memory"))) {
        if (r["kind"] == kind && r["pid"] == pid) out.push_back(std::move(r));
    }
    return out;
}

/// The member's bytes, decrypted with unzip into memory.
std::string member_bytes(const fs::path& bundle, const json& record) {
    auto unzip = run_command({"/usr/bin/unzip", "-p", "-P", "infected",
                              (bundle / record["archive"].get<std::string>()).string(),
                              record["member"].get<std::string>()});
    EXPECT_EQ(unzip.exit_code, 0) << unzip.err;
    return unzip.out;
}

void expect_verifies(const fs::path& bundle) {
    auto verify = run_command({irsnap_binary(), "verify", bundle.string()});
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

TEST(Memory, DumpPidGivesACoreThatFileReadelfAndGdbReadWithSegmentsAsRecorded) {
    IRSNAP_NEED_TOOL(have_tool("unzip"), "unzip");
    const std::string marker = random_marker();
    MemoryChild child(marker);
    ASSERT_TRUE(child.ready());
    TempDir tmp("irsnap-memory");
    const auto bundle =
        collect_bundle(tmp.path() / "out", {"--dump-pid", std::to_string(child.pid())});
    expect_verifies(bundle);

    const auto dumps = records_of(bundle, "dump", child.pid());
    ASSERT_EQ(dumps.size(), 1u);
    const json& d = dumps[0];
    // Dumped whole, or partial only by mappings above --max-dump-bytes (4 GiB): an ASan build's
    // child reserves terabytes of shadow memory that no dump can hold.
    for (const auto& s : d["segments"]) {
        if (s["skipped"] != "budget") continue;
        const uint64_t size = std::stoull(s["end"].get<std::string>(), nullptr, 16) -
                              std::stoull(s["start"].get<std::string>(), nullptr, 16);
        EXPECT_GT(size, 4ull << 30) << s.dump();
    }
    EXPECT_TRUE(d["status"] == "dumped" || d["status"] == "partial") << d["status_note"];
    EXPECT_EQ(d["format"], "elf_core");
    EXPECT_EQ(d["frozen"], true) << d["notes"];
    EXPECT_TRUE(d["freeze_ms"].is_number());
    EXPECT_EQ(d["threads"], 3);  // main and two waiting threads
    EXPECT_EQ(d["reasons"], json::array({"requested"}));
    const std::string core = member_bytes(bundle, d);
    ASSERT_EQ(core.size(), d["size"].get<uint64_t>());
    EXPECT_EQ(sha256_hex(core), d["sha256"]);
    EXPECT_NE(core.find(marker), std::string::npos) << "the heap marker is not in the core";

    // Every dumped segment's bytes in the file hash as its record says.
    Elf64_Ehdr eh{};
    std::memcpy(&eh, core.data(), sizeof eh);
    ASSERT_EQ(eh.e_type, ET_CORE);
    std::map<uint64_t, const Elf64_Phdr*> loads;
    for (int i = 0; i < eh.e_phnum; ++i) {
        const auto* ph =
            reinterpret_cast<const Elf64_Phdr*>(core.data() + eh.e_phoff + i * sizeof(Elf64_Phdr));
        if (ph->p_type == PT_LOAD) loads[ph->p_vaddr] = ph;
    }
    size_t checked = 0;
    for (const auto& s : d["segments"]) {
        const uint64_t start = std::stoull(s["start"].get<std::string>(), nullptr, 16);
        ASSERT_TRUE(loads.count(start)) << s.dump();
        const Elf64_Phdr* ph = loads[start];
        if (s["dumped"] == false) {
            EXPECT_EQ(ph->p_filesz, 0u) << s.dump();
            EXPECT_TRUE(s["skipped"].is_string()) << s.dump();
            continue;
        }
        EXPECT_EQ(sha256_hex(std::string_view(core).substr(ph->p_offset, ph->p_filesz)),
                  s["sha256"])
            << s.dump();
        ++checked;
    }
    EXPECT_GT(checked, 5u);

    const fs::path core_path = tmp.path() / "child.core";
    std::ofstream(core_path, std::ios::binary) << core;
    IRSNAP_NEED_TOOL(have_tool("file"), "file");
    auto file = run_command({"/usr/bin/file", core_path.string()});
    EXPECT_NE(file.out.find("ELF 64-bit LSB core file"), std::string::npos) << file.out;
    IRSNAP_NEED_TOOL(have_tool("readelf"), "readelf (binutils)");
    auto notes = run_command({"/usr/bin/readelf", "-n", core_path.string()});
    for (const char* note : {"NT_PRSTATUS", "NT_PRPSINFO", "NT_AUXV", "NT_FILE", "NT_FPREGSET"}) {
        EXPECT_NE(notes.out.find(note), std::string::npos) << note << "\n" << notes.out;
    }
    IRSNAP_NEED_TOOL(have_tool("gdb"), "gdb");
    auto gdb = run_command({"/usr/bin/gdb", "-nx", "-batch", "-ex", "info threads", "-ex",
                            "info proc mappings", "-ex", "bt", fs::canonical(IRSNAP_TEST_CHILD),
                            core_path.string()});
    EXPECT_EQ(gdb.exit_code, 0) << gdb.err;
    EXPECT_NE(gdb.out.find("3    Thread"), std::string::npos) << gdb.out;
    // NT_FILE is what gdb lists the mapped files from.
    EXPECT_NE(gdb.out.find("libc.so.6"), std::string::npos) << gdb.out;
    EXPECT_NE(gdb.out.find("pause"), std::string::npos) << "registers: no backtrace\n" << gdb.out;
}

TEST(Memory, DefaultRunCapturesTheWritableExecutableRegion) {
    IRSNAP_NEED_TOOL(have_tool("unzip"), "unzip");
    const std::string marker = random_marker();
    MemoryChild child(marker);
    ASSERT_TRUE(child.ready());
    TempDir tmp("irsnap-memory");
    const auto bundle = collect_bundle(tmp.path() / "out", {});
    expect_verifies(bundle);
    EXPECT_TRUE(records_of(bundle, "dump", child.pid()).empty()) << "nothing asked a dump";
    const auto regions = records_of(bundle, "region", child.pid());
    const json* rwx = nullptr;
    for (const auto& r : regions) {
        if (r["permissions"] == "rwxp") rwx = &r;
    }
    ASSERT_NE(rwx, nullptr) << json(regions).dump();
    EXPECT_EQ((*rwx)["status"], "dumped") << (*rwx)["status_note"];
    EXPECT_EQ((*rwx)["backing"], "anonymous");
    EXPECT_EQ((*rwx)["size"], 65536);
    const std::string bytes = member_bytes(bundle, *rwx);
    EXPECT_EQ(sha256_hex(bytes), (*rwx)["sha256"]);
    EXPECT_EQ(bytes.find("RWX:" + marker), 100u);
    const auto scan = read_jsonl(artifact(bundle, "memory")).front();
    EXPECT_EQ(scan["kind"], "scan");
    EXPECT_GT(scan["processes_read"].get<int>(), 1);
}

TEST(Memory, DumpSuspiciousDumpsTheProcessWithWritableExecutableMemoryAndTheHiddenOneFirst) {
    const std::string marker = random_marker();
    MemoryChild child(marker);
    MemoryChild hidden(random_marker());
    ASSERT_TRUE(child.ready() && hidden.ready());
    TempDir tmp("irsnap-memory");
    // hidden_processes is made to miss `hidden` from its listing (the test hook a getdents
    // hook would need a rootkit for): it flags it, and the memory collector dumps it first.
    // --pid-max just above both children: the probe need not walk the kernel's 4 million pids.
    // The budgets keep the host's own suspicious processes (this machine has memfd programs)
    // from making the test slow; the children are about 10 MB each.
    const std::string pid_max = std::to_string(std::max(child.pid(), hidden.pid()) + 64);
    const auto bundle =
        collect_bundle(tmp.path() / "out",
                       {"--collectors", "hidden_processes,memory", "--debug-unlist-pid",
                        std::to_string(hidden.pid()), "--pid-max", pid_max, "--dump-suspicious",
                        "--max-dump-bytes", "30000000", "--max-dump-total-bytes", "300000000"});
    expect_verifies(bundle);
    const auto dumps = records_of(bundle, "dump", child.pid());
    ASSERT_EQ(dumps.size(), 1u);
    EXPECT_EQ(dumps[0]["reasons"], json::array({"anonymous_executable"}));
    EXPECT_TRUE(dumps[0]["status"] == "dumped" || dumps[0]["status"] == "partial")
        << dumps[0].dump();
    std::vector<json> all_dumps;
    for (auto& r : read_jsonl(artifact(bundle, "memory"))) {
        if (r["kind"] == "dump") all_dumps.push_back(std::move(r));
    }
    ASSERT_FALSE(all_dumps.empty());
    EXPECT_EQ(all_dumps.front()["pid"], hidden.pid()) << "the hidden process is dumped first";
    EXPECT_EQ(all_dumps.front()["reasons"].front(), "hidden_process");
}

TEST(Memory, PtraceTouchesOnlyTheDumpedProcess) {
    IRSNAP_NEED_TOOL(have_tool("strace"), "strace");
    MemoryChild child(random_marker());
    ASSERT_TRUE(child.ready());
    TempDir tmp("irsnap-memory");
    const fs::path trace = tmp.path() / "trace.txt";
    auto run =
        run_command({"/usr/bin/env", "ASAN_OPTIONS=detect_leaks=0", "/usr/bin/strace", "-f", "-e",
                     "trace=ptrace,process_vm_readv,process_vm_writev", "-o", trace.string(),
                     irsnap_binary(), "-q", "-o", (tmp.path() / "out").string(), "--collectors",
                     "memory", "--dump-pid", std::to_string(child.pid())});
    ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.err;
    std::set<std::string> threads;
    for (const auto& e : fs::directory_iterator("/proc/" + std::to_string(child.pid()) + "/task")) {
        threads.insert(e.path().filename().string());
    }
    std::ifstream in(trace);
    size_t ptraces = 0;
    for (std::string line; std::getline(in, line);) {
        const std::string call = trace_call_name(line);
        EXPECT_NE(call, "process_vm_writev") << line;
        if (call != "ptrace" && call != "process_vm_readv") continue;
        const size_t open = line.find('(');
        std::string first = line.substr(open + 1, line.find(',', open) - open - 1);
        if (call == "ptrace") {
            ++ptraces;
            // ptrace(PTRACE_SEIZE, 1234, ...) or ptrace(PTRACE_INTERRUPT, 1234): the thread.
            const size_t comma = line.find(", ", open);
            first = line.substr(comma + 2, line.find_first_of(",)", comma + 2) - comma - 2);
        }
        if (call == "process_vm_readv") continue;  // regions read every process (no ptrace)
        EXPECT_TRUE(threads.count(first)) << "ptrace on something else: " << line;
    }
    EXPECT_GE(ptraces, 3u * 3u) << "seize, interrupt and detach of three threads";
}

TEST(Memory, ProcessExitingMidDumpLeavesAValidPartialDump) {
    MemoryChild child(random_marker(), 96);
    ASSERT_TRUE(child.ready());
    TempDir tmp("irsnap-memory");
    // A stream (stored, no spool) is the slowest way to write a dump: the child is killed
    // once 8 MB of the tar have arrived, long before its 100 MB are read.
    const fs::path tar = tmp.path() / "bundle.tar";
    const std::string pid = std::to_string(child.pid());
    std::thread killer([&] {
        for (int i = 0; i < 6000; ++i) {
            std::error_code ec;
            const auto size = fs::file_size(tar, ec);
            if (!ec && size > (8u << 20)) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        child.kill_now();
    });
    auto run = run_redirected({irsnap_binary(), "-q", "-o", "-", "--collectors", "memory",
                               "--no-memory-regions", "--dump-pid", pid},
                              "", tar.string());
    killer.join();
    ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.err;
    auto verify = run_command({irsnap_binary(), "verify", tar.string()});
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
    fs::create_directories(tmp.path() / "unpacked");
    auto unpacked =
        run_command({irsnap_binary(), "unpack", tar.string(), (tmp.path() / "unpacked").string()});
    ASSERT_EQ(unpacked.exit_code, 0) << unpacked.err;
    const auto dumps = records_of(only_bundle(tmp.path() / "unpacked"), "dump", child.pid());
    ASSERT_EQ(dumps.size(), 1u);
    EXPECT_EQ(dumps[0]["status"], "exited") << dumps[0].dump();
    EXPECT_GT(dumps[0]["unreadable_bytes"].get<uint64_t>(), 0u);
}

TEST(Memory, DumpOverItsBudgetKeepsAnonymousMemoryFirst) {
    IRSNAP_NEED_TOOL(have_tool("unzip"), "unzip");
    const std::string marker = random_marker();
    MemoryChild child(marker, 50);
    ASSERT_TRUE(child.ready());
    TempDir tmp("irsnap-memory");
    const auto bundle = collect_bundle(
        tmp.path() / "out", {"--no-memory-regions", "--dump-pid", std::to_string(child.pid()),
                             "--max-dump-bytes", "8000000"});
    expect_verifies(bundle);
    const auto dumps = records_of(bundle, "dump", child.pid());
    ASSERT_EQ(dumps.size(), 1u);
    const json& d = dumps[0];
    EXPECT_EQ(d["status"], "partial") << d.dump();
    EXPECT_LE(d["size"].get<uint64_t>(), 8000000u);
    size_t budget_skips = 0;
    for (const auto& s : d["segments"]) budget_skips += s["skipped"] == "budget";
    EXPECT_GT(budget_skips, 0u);
    // The 1 MiB heap block holding the marker is anonymous memory: it went in first.
    EXPECT_NE(member_bytes(bundle, d).find(marker), std::string::npos);
}

TEST(Memory, OutputTooSmallForTheDumpRecordsDiskSpace) {
    IRSNAP_NEED_TOOL(have_tool("unshare"), "unshare (util-linux)");
    MemoryChild child(random_marker(), 64);
    ASSERT_TRUE(child.ready());
    TempDir tmp("irsnap-memory");
    const fs::path small = tmp.path() / "small";
    fs::create_directories(small);
    // A 272 MiB file system: 16 MiB above the 256 MiB irsnap always leaves free.
    const std::string script = "mount -t tmpfs -o size=272m irsnap-test " + small.string() +
                               " && \"$0\" -q -o " + small.string() +
                               "/out --collectors memory --no-memory-regions --dump-pid " +
                               std::to_string(child.pid()) + "; rc=$?; cp -a " + small.string() +
                               "/out " + tmp.path().string() + "/copied; exit $rc";
    auto run = run_command({"/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c",
                            script, irsnap_binary()});
    ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.out << run.err;
    const auto bundle = only_bundle(tmp.path() / "copied");
    expect_verifies(bundle);
    const auto dumps = records_of(bundle, "dump", child.pid());
    ASSERT_EQ(dumps.size(), 1u);
    const json& d = dumps[0];
    size_t disk_skips = 0;
    for (const auto& s : d["segments"]) disk_skips += s["skipped"] == "disk_space";
    EXPECT_TRUE(d["status"] == "disk_space" || disk_skips > 0) << d.dump();
    EXPECT_LE(d["size"].get<uint64_t>(), 16u << 20);
}

}  // namespace
}  // namespace irsnap::test
