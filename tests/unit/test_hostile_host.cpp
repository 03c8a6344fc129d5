// SPDX-License-Identifier: Apache-2.0
// A booby-trapped host: FIFOs and devices where files should be, huge files, names that are
// not UTF-8, a kernel without modules. None of it may block, crash or fool a collector.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/inotify.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "common/preload_scan.hpp"
#include "fixture_util.hpp"
#include "irsnap/bounded.hpp"
#include "irsnap/linux/fd_util.hpp"
#include "irsnap/linux/users.hpp"
#include "irsnap/text.hpp"
#include "kernel_modules/kernel_modules.hpp"
#include "processes/processes.hpp"

namespace irsnap::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

void write_file(const fs::path& path, const std::string& bytes) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << bytes;
}

TEST(NumericEntries, ListingOneDescriptorTwiceSeesEveryEntryBothTimes) {
    // A re-check lists the same directory descriptor again (processes: the /proc listing before
    // and after the kernel's task list): the second listing must not start where the first ended.
    TempDir tmp("irsnap-relist");
    for (const char* name : {"12", "7", "not-a-pid", "300"})
        std::ofstream(tmp.path() / name).put(0);
    auto dir = posix::open_dir_at(AT_FDCWD, tmp.path().string());
    ASSERT_TRUE(dir.ok());
    const std::vector<int32_t> expected{7, 12, 300};
    EXPECT_EQ(posix::numeric_entries(dir->get()), expected);
    EXPECT_EQ(posix::numeric_entries(dir->get()), expected);
}

TEST(SafeOpen, FifoIsRefusedAtOnceNotWaitedOn) {
    TempDir tmp("irsnap-fifo");
    const fs::path fifo = tmp.path() / "passwd";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    const auto start = std::chrono::steady_clock::now();
    auto text = posix::read_file_at(AT_FDCWD, fifo.string());  // a plain open() blocks forever
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
    ASSERT_FALSE(text);
    EXPECT_EQ(text.error().stage, "type");
    EXPECT_NE(text.error().message.find("FIFO"), std::string::npos) << text.error().message;
}

TEST(SafeOpen, ANonRegularFileIsNeverOpenedOnlyLookedAt) {
    // Opening a device runs its driver (a link to /dev/watchdog arms it). inotify reports every
    // real open of the node; looking at it through O_PATH is not one.
    TempDir tmp("irsnap-noopen");
    const fs::path fifo = tmp.path() / "machine-id";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    const fs::path link = tmp.path() / "os-release";
    fs::create_symlink(fifo, link);
    const int watch = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    ASSERT_GE(watch, 0);
    ASSERT_GE(::inotify_add_watch(watch, fifo.c_str(), IN_OPEN), 0);
    EXPECT_FALSE(posix::read_file_at(AT_FDCWD, fifo.string()));
    EXPECT_FALSE(posix::read_file_at(AT_FDCWD, link.string()));
    char events[4096];
    EXPECT_LT(::read(watch, events, sizeof events), 0) << "the FIFO was opened";
    // The same watch does see a real open, so the check above can fail.
    const int fd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    ::close(fd);
    EXPECT_GT(::read(watch, events, sizeof events), 0);
    ::close(watch);
}

TEST(SafeOpen, DevicesAndDirectoriesAreNeverRead) {
    auto dev = posix::read_file_at(AT_FDCWD, "/dev/zero");  // would read forever without a cap
    ASSERT_FALSE(dev);
    EXPECT_NE(dev.error().message.find("character device"), std::string::npos);
    auto dir = posix::read_file_at(AT_FDCWD, "/");
    ASSERT_FALSE(dir);
    // /proc pseudo-files are regular files: still read.
    EXPECT_TRUE(posix::read_file_at(AT_FDCWD, "/proc/self/status"));
}

TEST(SafeOpen, SizeCapIsKeptAndSaid) {
    TempDir tmp("irsnap-cap");
    const fs::path big = tmp.path() / "big";
    write_file(big, std::string(10000, 'x'));
    bool truncated = false;
    auto text = posix::read_file_at(AT_FDCWD, big.string(), 4096, &truncated);
    ASSERT_TRUE(text);
    EXPECT_EQ(text->size(), 4096u);
    EXPECT_TRUE(truncated);
    auto exact = posix::read_file_at(AT_FDCWD, big.string(), 10000, &truncated);
    ASSERT_TRUE(exact);
    EXPECT_FALSE(truncated) << "a file of exactly the cap is whole";
}

TEST(SafeOpen, OpenInRootDoesNotBlockOnAFifo) {
    TempDir tmp("irsnap-fifo-root");
    fs::create_directories(tmp.path() / "etc");
    ASSERT_EQ(::mkfifo((tmp.path() / "etc/hosts").c_str(), 0600), 0);
    auto root = posix::open_dir_at(AT_FDCWD, tmp.path().string());
    ASSERT_TRUE(root);
    for (auto open : {&posix::open_in_root, &posix::open_in_root_by_walk}) {
        auto fd = open(root->get(), "etc/hosts", 0);  // callers need not remember O_NONBLOCK
        ASSERT_TRUE(fd);
        struct stat st {};
        ASSERT_EQ(::fstat(fd->get(), &st), 0);
        EXPECT_TRUE(S_ISFIFO(st.st_mode));
    }
}

TEST(PreloadScan, FifoNonElfAndHugeLibrariesAreNotedNotRead) {
    using namespace irsnap::collectors;
    TempDir tmp("irsnap-preload");
    const fs::path fifo = tmp.path() / "libfifo.so";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    write_file(tmp.path() / "libtext.so", "not a library\n");
    const fs::path huge = tmp.path() / "libhuge.so";
    write_file(huge,
               "\x7f"
               "ELF");
    fs::resize_file(huge, k_max_preload_library_bytes + 1);  // sparse: nothing is written
    PreloadScanCache cache;
    const auto start = std::chrono::steady_clock::now();
    const PreloadScan from_fifo = cache.scan_at(AT_FDCWD, fifo.string());
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
    EXPECT_FALSE(from_fifo.read);
    EXPECT_NE(from_fifo.note.find("not a regular file"), std::string::npos) << from_fifo.note;
    const PreloadScan text = cache.scan_at(AT_FDCWD, (tmp.path() / "libtext.so").string());
    EXPECT_FALSE(text.read);
    EXPECT_EQ(text.note, "exports not read: not an ELF file");
    const PreloadScan big = cache.scan_at(AT_FDCWD, huge.string());
    EXPECT_FALSE(big.read);
    EXPECT_NE(big.note.find("more than the 64 MiB read at most"), std::string::npos) << big.note;
    EXPECT_TRUE(cache.scan_at(AT_FDCWD, (tmp.path() / "missing.so").string())
                    .note.starts_with("not read: "));
}

TEST(Bounded, LateStepIsLeftBehindAndSaid) {
    const auto start = std::chrono::steady_clock::now();
    auto late = run_bounded<int>(std::chrono::milliseconds(100), [] {
        std::this_thread::sleep_for(std::chrono::seconds(2));
        return 1;
    });
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
    EXPECT_TRUE(late.timed_out);
    EXPECT_FALSE(late.value);
    auto quick = run_bounded<int>(std::chrono::seconds(5), [] { return 7; });
    ASSERT_TRUE(quick.value);
    EXPECT_EQ(*quick.value, 7);
    auto thrown = run_bounded<int>(std::chrono::seconds(5),
                                   []() -> int { throw std::runtime_error("boom"); });
    EXPECT_FALSE(thrown.value);
    EXPECT_FALSE(thrown.timed_out);
    EXPECT_EQ(thrown.error, "boom");
}

TEST(Users, FifoPasswdIsAProblemNotAHang) {
    TempDir tmp("irsnap-users");
    fs::create_directories(tmp.path() / "etc");
    ASSERT_EQ(::mkfifo((tmp.path() / "etc/passwd").c_str(), 0600), 0);
    write_file(tmp.path() / "etc/group", "root:x:0:\n");
    std::vector<ItemError> problems;
    auto db = users::UserDb::load(tmp.path(), &problems);
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].path, (tmp.path() / "etc/passwd").string());
    EXPECT_FALSE(db.user(0));
    EXPECT_EQ(db.group(0), "root");
}

TEST(Users, AGigabytePasswdCostsOnlyItsCap) {
    TempDir tmp("irsnap-big-passwd");
    write_file(tmp.path() / "etc/passwd", "root:x:0:0:root:/root:/bin/bash\n");
    // Sparse: 1 GiB to the reader, nothing on the test's disk.
    ASSERT_EQ(::truncate((tmp.path() / "etc/passwd").c_str(), off_t{1} << 30), 0);
    const auto start = std::chrono::steady_clock::now();
    std::vector<ItemError> problems;
    auto db = users::UserDb::load(tmp.path(), &problems);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
    EXPECT_EQ(db.user(0), "root");
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].code, EFBIG);
}

TEST(Processes, UserAndGroupNamesThatAreNotUtf8AreEscapedNotReplaced) {
    TempDir tmp("irsnap-names");
    materialise_fixture("basic", tmp.path());
    write_file(tmp.path() / "root/etc/passwd",
               "root:x:0:0:root:/root:/bin/bash\n"
               "al\xff\xfe:x:1000:1000:Alice:/home/alice:/bin/bash\n");
    write_file(tmp.path() / "root/etc/group", "root:x:0:\ngr\x80p:x:1000:\n");
    Context ctx = fixture_context(tmp.path());
    MemorySink sink;
    collectors::collect_processes(ctx, sink);
    bool seen = false;
    for (const auto& r : sink.records) {
        if (r["uid"] != 1000) continue;
        seen = true;
        EXPECT_EQ(r["user"], "al\\xff\\xfe");
        EXPECT_EQ(r["effective_user"], "al\\xff\\xfe");
        EXPECT_EQ(r["group"], "gr\\x80p");
        EXPECT_EQ(unescape_bytes(r["user"].get<std::string>()), "al\xff\xfe");
        const auto escaped = r["escaped_fields"];
        for (const char* f : {"user", "effective_user", "group"}) {
            EXPECT_NE(std::find(escaped.begin(), escaped.end(), f), escaped.end()) << f;
        }
    }
    EXPECT_TRUE(seen);
}

/// A proc tree like this machine's: no /proc/modules and no modules_disabled (CONFIG_MODULES
/// off), /sys/module with built-in parameter directories only.
void kernel_without_modules(const fs::path& tree) {
    write_file(tree / "proc/sys/kernel/osrelease", "6.18.0-nomod\n");
    write_file(tree / "proc/sys/kernel/tainted", "0\n");
    write_file(tree / "root/sys/module/printk/parameters/time", "Y\n");
}

TEST(KernelModules, NoModuleSupportIsAFactNotMissingCoverage) {
    TempDir tmp("irsnap-nomod");
    kernel_without_modules(tmp.path());
    MemorySink sink;
    collectors::collect_kernel_modules(fixture_context(tmp.path()), sink);
    EXPECT_TRUE(sink.notes.empty()) << sink.notes.front();
    EXPECT_TRUE(sink.errors.empty()) << sink.errors.front().message;
    ASSERT_EQ(sink.records.size(), 1u);
    EXPECT_EQ(sink.records[0]["kind"], "kernel");
    EXPECT_EQ(sink.records[0]["loadable_modules"], false);
    EXPECT_EQ(sink.records[0]["module_support"], "kernel built without module support");
}

TEST(KernelModules, MissingListOnAModularKernelIsAnError) {
    TempDir tmp("irsnap-hidden-list");
    kernel_without_modules(tmp.path());
    write_file(tmp.path() / "proc/sys/kernel/modules_disabled", "0\n");  // CONFIG_MODULES=y
    MemorySink sink;
    collectors::collect_kernel_modules(fixture_context(tmp.path()), sink);
    ASSERT_EQ(sink.errors.size(), 1u);
    EXPECT_EQ(sink.errors[0].code, ENOENT);
    ASSERT_FALSE(sink.records.empty());
    EXPECT_EQ(sink.records[0]["loadable_modules"], true);
    EXPECT_TRUE(sink.records[0]["module_support"].is_null());
}

TEST(KernelModules, EmptyAndUnreadableListsAreToldApart) {
    TempDir tmp("irsnap-kmods-list");
    kernel_without_modules(tmp.path());
    write_file(tmp.path() / "proc/sys/kernel/modules_disabled", "1\n");
    write_file(tmp.path() / "proc/modules", "");
    MemorySink empty;
    collectors::collect_kernel_modules(fixture_context(tmp.path()), empty);
    EXPECT_TRUE(empty.errors.empty());
    EXPECT_TRUE(empty.notes.empty());
    ASSERT_EQ(empty.records.size(), 1u);
    EXPECT_EQ(empty.records[0]["module_support"],
              "loadable modules; loading disabled until reboot (modules_disabled = 1)");

    fs::remove(tmp.path() / "proc/modules");
    ASSERT_EQ(::mkfifo((tmp.path() / "proc/modules").c_str(), 0600), 0);
    MemorySink fifo;
    collectors::collect_kernel_modules(fixture_context(tmp.path()), fifo);
    ASSERT_EQ(fifo.errors.size(), 1u);
    EXPECT_EQ(fifo.errors[0].stage, "type");
}

TEST(KernelModules, ARootkitsNameThatIsNotUtf8IsEscaped) {
    TempDir tmp("irsnap-kmod-name");
    kernel_without_modules(tmp.path());
    write_file(tmp.path() / "proc/sys/kernel/modules_disabled", "0\n");
    write_file(tmp.path() / "proc/modules",
               "ev\xffl 16384 0 - Live 0x0000000000000000 (OE)\n"
               "dep 16384 1 ev\xffl, Live 0x0000000000000000\n");
    MemorySink sink;
    collectors::collect_kernel_modules(fixture_context(tmp.path()), sink);
    ASSERT_EQ(sink.records.size(), 3u);
    EXPECT_EQ(sink.records[1]["name"], "ev\\xffl");
    EXPECT_EQ(sink.records[1]["escaped_fields"], json::array({"name"}));
    EXPECT_EQ(sink.records[2]["used_by"], json::array({"ev\\xffl"}));
    EXPECT_EQ(sink.records[2]["escaped_fields"], json::array({"used_by"}));
}

}  // namespace
}  // namespace irsnap::test
