// SPDX-License-Identifier: Apache-2.0
// The Linux timeline walk over a tree built in a temp dir and read through --root (host_root):
// symlinks recorded and not followed, a FIFO recorded and never opened, odd names escaped, the
// merged-/usr duplicate walked once, homes from the tree's own /etc/passwd, atimes untouched,
// and the bounds (records, depth, deadline, change window) reported as coverage.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <map>

#include "fixture_util.hpp"
#include "irsnap/linux/timeline_walk.hpp"
#include "timeline/timeline.hpp"

namespace irsnap::timeline {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::MemorySink;
using test::TempDir;

void write(const fs::path& path, const std::string& text, fs::perms mode = fs::perms(0644)) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
    fs::permissions(path, mode);
}

/// A small host: temporary places with planted oddities, /etc/passwd naming homes, merged /usr.
struct Tree {
    TempDir tmp{"irsnap-timeline"};
    fs::path root = tmp.path() / "root";

    Tree() {
        write(root / "tmp/payload", "MZ planted", fs::perms(0755));
        write(root / "tmp/suid", "#!/bin/sh\n", fs::perms(04755));
        write(root / "tmp/a/b/c/d/deep", "deep");
        write(root / "tmp/evil\nname|x", "newline and pipe");
        write(root / "tmp/bad\xff", "not UTF-8");
        fs::create_symlink("/etc/passwd", root / "tmp/link");
        EXPECT_EQ(::mkfifo((root / "tmp/fifo").c_str(), 0600), 0);
        write(root / "etc/passwd",
              "root:x:0:0:root:/root:/bin/bash\n"
              "bin:x:2:2:bin:/bin:/usr/sbin/nologin\n"
              "weird:x:3:3::/var:/bin/sh\n"
              "alice:x:1000:1000::/home/alice:/bin/bash\n"
              "svc:x:998:998::/srv/svc/:/usr/sbin/nologin\n");
        write(root / "usr/bin/ls", "ELF");
        fs::create_symlink("usr/bin", root / "bin");  // merged /usr
        write(root / "usr/lib/x86_64-linux-gnu/security/pam_evil.so", "ELF");
        write(root / "home/alice/.bashrc", "curl x | sh\n");
        write(root / "root/.ssh/authorized_keys", "ssh-ed25519 AAAA planted\n");
        write(root / "srv/svc/file", "svc");
        write(root / "var/lib/big/data", "never walked: /var is no home");
        fs::create_directories(root / "var/tmp");
    }

    Context context(uint64_t max_records = 1000) const {
        Context ctx;
        ctx.host_root = root;
        ctx.params.timeline_max_entries = max_records;
        return ctx;
    }
};

std::map<std::string, json> by_path(const MemorySink& sink) {
    std::map<std::string, json> out;
    for (const auto& r : sink.records) {
        EXPECT_TRUE(out.emplace(r["path"].get<std::string>(), r).second)
            << "recorded twice: " << r["path"];
    }
    return out;
}

class Collected : public Visitor {
  public:
    void entry(const Root& root, const Entry& e) override { entries.emplace_back(root, e); }
    void error(ItemError e) override { errors.push_back(std::move(e)); }
    void race() override { ++races; }
    std::vector<std::pair<Root, Entry>> entries;
    std::vector<ItemError> errors;
    int races = 0;
};

TEST(TimelineWalk, RecordsTheTreeWithoutFollowingOrOpening) {
    Tree tree;
    MemorySink sink;
    collectors::collect_timeline(tree.context(), sink);
    EXPECT_TRUE(sink.errors.empty()) << sink.errors.front().path;
    const auto records = by_path(sink);
    for (const auto& [path, r] : records) {
        EXPECT_EQ(path.find(tree.tmp.path().string()), std::string::npos) << path;
    }

    const json& payload = records.at("/tmp/payload");
    struct ::stat st {};
    ASSERT_EQ(::lstat((tree.root / "tmp/payload").c_str(), &st), 0);
    EXPECT_EQ(payload["file_type"], "regular");
    EXPECT_EQ(payload["mode_string"], "-rwxr-xr-x");
    EXPECT_EQ(payload["mode"], 0755);
    EXPECT_EQ(payload["inode"], st.st_ino);
    EXPECT_EQ(payload["uid"], st.st_uid);
    EXPECT_EQ(payload["size"], 10);
    EXPECT_EQ(payload["walk_root"], "/tmp");
    EXPECT_EQ(payload["walk_scope"], "all");
    EXPECT_TRUE(payload["mtime"].is_string());
    EXPECT_EQ(records.at("/tmp/suid")["mode_string"], "-rwsr-xr-x");

    // The symlink is an entry of its own; what it points to is not read through it.
    const json& link = records.at("/tmp/link");
    EXPECT_EQ(link["file_type"], "symlink");
    EXPECT_EQ(link["link_target"], "/etc/passwd");
    EXPECT_EQ(link["mode_string"], "lrwxrwxrwx");
    EXPECT_EQ(records.at("/tmp/fifo")["file_type"], "fifo");  // listed, never opened
    EXPECT_EQ(records.at("/tmp/evil\nname|x")["file_type"], "regular");
    EXPECT_EQ(records.at("/tmp/bad\\xff")["escaped_fields"], json({"path"}));
    EXPECT_TRUE(records.count("/tmp/a/b/c/d/deep"));

    // Merged /usr: /bin is the same directory as /usr/bin, walked once under its real name.
    EXPECT_TRUE(records.count("/usr/bin/ls"));
    EXPECT_FALSE(records.count("/bin/ls"));
    // Libraries: only what changed in the window (all of it, in a tree made just now).
    EXPECT_EQ(records.at("/usr/lib/x86_64-linux-gnu/security/pam_evil.so")["walk_scope"],
              "changed_in_window");
    // Homes: /root and /home always, and those /etc/passwd names; never /var, which holds
    // /var/tmp (a root of its own).
    EXPECT_TRUE(records.count("/root/.ssh/authorized_keys"));
    EXPECT_EQ(records.at("/home/alice/.bashrc")["walk_root"], "/home");
    EXPECT_EQ(records.at("/srv/svc/file")["walk_root"], "/srv/svc");
    EXPECT_FALSE(records.count("/var/lib/big/data"));
    EXPECT_TRUE(records.count("/var/tmp"));
    // Roots that are missing are no coverage problem: the tree simply has none.
    EXPECT_TRUE(sink.notes.empty()) << sink.notes.front();
}

TEST(TimelineWalk, ListingADirectoryLeavesItsAccessTimeAlone) {
    Tree tree;
    const fs::path dir = tree.root / "tmp/a";
    const timespec old_times[2] = {{978307200, 0}, {978307200, 0}};  // 2001-01-01
    ASSERT_EQ(::utimensat(AT_FDCWD, dir.c_str(), old_times, 0), 0);
    MemorySink sink;
    collectors::collect_timeline(tree.context(), sink);
    struct ::stat st {};
    ASSERT_EQ(::stat(dir.c_str(), &st), 0);
    // relatime would set it on the first read: an atime older than a day is always updated.
    EXPECT_EQ(st.st_atim.tv_sec, 978307200);
    EXPECT_EQ(by_path(sink).at("/tmp/a")["atime"], "2001-01-01T00:00:00.000000Z");
}

TEST(TimelineWalk, StopsAtTheRecordLimitAndSaysWhere) {
    Tree tree;
    MemorySink sink;
    collectors::collect_timeline(tree.context(3), sink);
    EXPECT_EQ(sink.records.size(), 3u);
    ASSERT_EQ(sink.notes.size(), 1u);
    EXPECT_NE(sink.notes[0].find("--timeline-max-entries limit (3 records) in /tmp"),
              std::string::npos)
        << sink.notes[0];
    EXPECT_NE(sink.notes[0].find("not walked: the rest of /tmp, /var/tmp, /dev/shm"),
              std::string::npos)
        << sink.notes[0];
    EXPECT_NE(sink.notes[0].find("/srv/svc"), std::string::npos) << sink.notes[0];
}

TEST(TimelineWalk, DepthLimitAndChangeWindow) {
    Tree tree;
    const Context ctx = tree.context();
    Limits limits;
    limits.max_depth = 2;
    limits.since_ns = INT64_MAX;  // nothing is recent: the library roots record nothing
    Collected seen;
    const auto roots = linux_roots({});
    const Report report = walk_linux(ctx, roots, limits, seen);
    EXPECT_EQ(report.stop, Stop::none);
    ASSERT_EQ(report.too_deep.count, 1u);
    EXPECT_EQ(report.too_deep.first.at(0), "/tmp/a/b/c");
    bool lib = false, payload = false, c = false;
    for (const auto& [root, e] : seen.entries) {
        lib = lib || e.path.rfind("/usr/lib", 0) == 0;
        payload = payload || e.path == "/tmp/payload";
        c = c || e.path == "/tmp/a/b/c";  // an entry of /tmp/a/b: recorded, not entered
    }
    EXPECT_FALSE(lib);
    EXPECT_TRUE(payload);
    EXPECT_TRUE(c);
    for (const auto& r : report.roots) {
        if (r.root.path == "/bin") {
            EXPECT_EQ(r.status, "duplicate");
            EXPECT_EQ(r.detail, "/usr/bin");
        }
        if (r.root.path == "/usr/lib") {
            EXPECT_EQ(r.status, "walked");
            EXPECT_GT(r.visited, 0u);
            EXPECT_EQ(r.records, 0u);
        }
        if (r.root.path == "/opt") {
            EXPECT_EQ(r.status, "missing");
        }
    }
    const auto notes = coverage_notes(report, limits);
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_EQ(notes[0].find("directories more than 2 levels below their root"), 0u) << notes[0];
}

TEST(TimelineWalk, CancelledBeforeTheFirstRoot) {
    Tree tree;
    Context ctx = tree.context();
    std::atomic<bool> cancel{true};
    ctx.cancel = &cancel;
    MemorySink sink;
    collectors::collect_timeline(ctx, sink);
    EXPECT_TRUE(sink.records.empty());
    EXPECT_TRUE(ctx.stop_observed());
    ASSERT_EQ(sink.notes.size(), 1u);
    EXPECT_EQ(sink.notes[0].find("stopped by the collector's deadline or an interrupt after 0 "
                                 "records in /tmp; not walked: /tmp, /var/tmp"),
              0u)
        << sink.notes[0];
}

/// What a non-root walk of `tree` says: the coverage notes, and whether the denied directory's
/// content showed up. As root, the walk runs in a child that drops to nobody first.
std::string walk_as_unprivileged(const Tree& tree) {
    auto walk = [&] {
        MemorySink sink;
        collectors::collect_timeline(tree.context(), sink);
        const auto records = by_path(sink);
        std::string out = records.count("/tmp/private") ? "listed" : "unlisted";
        if (records.count("/tmp/private/inside")) out += " LEAKED";
        for (const auto& n : sink.notes) out += "\n" + n;
        return out;
    };
    if (::geteuid() != 0) return walk();
    int fds[2];
    if (::pipe(fds) != 0) return "pipe failed";
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(fds[0]);
        std::string out = (::setgid(65534) == 0 && ::setuid(65534) == 0) ? walk() : "setuid failed";
        [[maybe_unused]] ssize_t n = ::write(fds[1], out.data(), out.size());
        ::_exit(0);
    }
    ::close(fds[1]);
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, n);
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return out;
}

TEST(TimelineWalk, UnreadableDirectoriesAreCounted) {
    Tree tree;
    fs::create_directories(tree.root / "tmp/private/inside");
    fs::permissions(tree.root / "tmp/private", fs::perms::none);
    fs::permissions(tree.tmp.path(), fs::perms(0755));  // nobody may reach the tree itself
    const std::string result = walk_as_unprivileged(tree);
    fs::permissions(tree.root / "tmp/private", fs::perms::owner_all);
    EXPECT_EQ(result.rfind("listed\n", 0), 0u) << result;
    EXPECT_NE(result.find("permission denied on 1 (first: /tmp/private)"), std::string::npos)
        << result;
}

TEST(TimelineRoots, HomesFromPasswd) {
    const auto accounts = users::parse_etc_passwd(
        "root:x:0:0:root:/root:/bin/bash\n"
        "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
        "bin:x:2:2:bin:/bin:/usr/sbin/nologin\n"
        "sys:x:3:3:sys:/dev:/usr/sbin/nologin\n"
        "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"
        "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
        "systemd-network:x:998:998::/:/usr/sbin/nologin\n"
        "alice:x:1000:1000::/home/alice:/bin/bash\n"
        "bob:x:1001:1001::/srv/bob/:/bin/bash\n"
        "bob2:x:1002:1002::/srv/bob:/bin/bash\n"
        "adm:x:4:4::/var:/bin/sh\n"
        "usr:x:5:5::/usr:/bin/sh\n"
        "rel:x:6:6::relative/home:/bin/sh\n"
        "dots:x:7:7::/home/../etc:/bin/sh\n"
        "proc:x:8:8::/proc/1/root:/bin/sh\n"
        "tmp:x:9:9::/tmp/x:/bin/sh\n"
        "lib:x:10:10::/usr/lib/svc:/bin/sh\n");
    std::vector<std::string> paths;
    for (const auto& r : linux_roots(accounts)) {
        paths.push_back(r.path + (r.scope == Scope::changed ? " (changed)" : ""));
    }
    EXPECT_EQ(paths, (std::vector<std::string>{"/tmp",
                                               "/var/tmp",
                                               "/dev/shm",
                                               "/run/user",
                                               "/etc",
                                               "/usr/local",
                                               "/opt",
                                               "/usr/bin",
                                               "/usr/sbin",
                                               "/bin",
                                               "/sbin",
                                               "/usr/lib (changed)",
                                               "/usr/lib64 (changed)",
                                               "/usr/libexec (changed)",
                                               "/lib (changed)",
                                               "/lib64 (changed)",
                                               "/root",
                                               "/home",
                                               "/var/www",
                                               "/nonexistent",
                                               "/srv/bob",
                                               "/usr/lib/svc"}));
}

TEST(TimelineRoots, MountKinds) {
    EXPECT_EQ(mount_kind("ext4"), MountKind::disk);
    EXPECT_EQ(mount_kind("overlay"), MountKind::disk);  // a container's own root
    EXPECT_EQ(mount_kind("tmpfs"), MountKind::memory);
    EXPECT_EQ(mount_kind("nfs4"), MountKind::remote);
    EXPECT_EQ(mount_kind("fuse.sshfs"), MountKind::remote);
    EXPECT_EQ(mount_kind("fuse.portal"), MountKind::remote);
    EXPECT_EQ(mount_kind("cifs"), MountKind::remote);
    EXPECT_EQ(mount_kind("proc"), MountKind::pseudo);
    EXPECT_EQ(mount_kind("autofs"), MountKind::pseudo);
}

}  // namespace
}  // namespace irsnap::timeline
