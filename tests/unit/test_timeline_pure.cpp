// SPDX-License-Identifier: Apache-2.0
// The pure parts of the file-system timeline over literal input: mode text, the change window,
// Windows attributes and roots, the coverage notes, and the record a timeline entry becomes.
// Built for Linux and Windows alike.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "irsnap/timeline.hpp"
#include "timeline/timeline.hpp"

namespace irsnap::timeline {
namespace {

using nlohmann::json;

RootReport root_report(std::string path, std::string status = "not_reached",
                       std::string detail = "") {
    RootReport r;
    r.root = Root{std::move(path), Scope::all};
    r.status = std::move(status);
    r.detail = std::move(detail);
    return r;
}

TEST(TimelineMode, LsStyleText) {
    EXPECT_EQ(mode_string(0100755), "-rwxr-xr-x");
    EXPECT_EQ(mode_string(0100644), "-rw-r--r--");
    EXPECT_EQ(mode_string(0100000), "----------");
    EXPECT_EQ(mode_string(041777), "drwxrwxrwt");   // /tmp
    EXPECT_EQ(mode_string(041776), "drwxrwxrwT");   // sticky without execute
    EXPECT_EQ(mode_string(0104755), "-rwsr-xr-x");  // setuid
    EXPECT_EQ(mode_string(0104644), "-rwSr--r--");
    EXPECT_EQ(mode_string(0102755), "-rwxr-sr-x");  // setgid
    EXPECT_EQ(mode_string(0102644), "-rw-r-Sr--");
    EXPECT_EQ(mode_string(0120777), "lrwxrwxrwx");
    EXPECT_EQ(mode_string(0010644), "prw-r--r--");
    EXPECT_EQ(mode_string(0140755), "srwxr-xr-x");
    EXPECT_EQ(mode_string(0020620), "crw--w----");
    EXPECT_EQ(mode_string(0060660), "brw-rw----");
    EXPECT_EQ(mode_string(0000644), "?rw-r--r--");  // no type bits: unknown
    EXPECT_EQ(mode_string(0107777), "-rwsrwsrwt");
}

TEST(TimelineMode, TypesAndNames) {
    EXPECT_EQ(type_of_mode(0100644), FileType::regular);
    EXPECT_EQ(type_of_mode(040755), FileType::directory);
    EXPECT_EQ(type_of_mode(0120777), FileType::symlink);
    EXPECT_EQ(type_of_mode(010644), FileType::fifo);
    EXPECT_EQ(type_of_mode(0140755), FileType::socket);
    EXPECT_EQ(type_of_mode(020620), FileType::char_device);
    EXPECT_EQ(type_of_mode(060660), FileType::block_device);
    EXPECT_EQ(type_of_mode(0170000), FileType::unknown);
    EXPECT_EQ(type_name(FileType::char_device), "char_device");
    EXPECT_EQ(type_name(FileType::unknown), "unknown");
    EXPECT_EQ(type_letter(FileType::fifo), 'p');
    EXPECT_EQ(scope_name(Scope::all), "all");
    EXPECT_EQ(scope_name(Scope::changed), "changed_in_window");
}

TEST(TimelineWindow, ChangedMeansMtimeCtimeOrBirthNotAccess) {
    Entry e;
    EXPECT_FALSE(changed_since(e, 100));  // no times known: not shown as changed
    e.atime_ns = 500;
    EXPECT_FALSE(changed_since(e, 100));  // a read is no change
    e.mtime_ns = 50;
    e.ctime_ns = 60;
    EXPECT_FALSE(changed_since(e, 100));
    e.ctime_ns = 100;  // touch -d can set mtime back, not ctime
    EXPECT_TRUE(changed_since(e, 100));
    e.ctime_ns = 60;
    e.btime_ns = 200;
    EXPECT_TRUE(changed_since(e, 100));
}

TEST(TimelineWindows, AttributeNames) {
    EXPECT_EQ(windows_attribute_names(0x26),
              (std::vector<std::string>{"hidden", "system", "archive"}));
    EXPECT_EQ(windows_attribute_names(0x410),
              (std::vector<std::string>{"directory", "reparse_point"}));
    EXPECT_EQ(windows_attribute_names(0x800001),
              (std::vector<std::string>{"readonly", "0x800000"}));
    EXPECT_TRUE(windows_attribute_names(0).empty());
}

TEST(TimelineWindows, RootsInWalkOrder) {
    const auto roots = windows_roots("C:\\Windows", "C:\\ProgramData", "C:\\Users\\Public",
                                     {"C:\\Users\\alice", "D:\\Profiles\\bob"});
    std::vector<std::string> paths;
    for (const auto& r : roots) {
        paths.push_back(r.path + (r.scope == Scope::changed ? " (changed)" : ""));
    }
    EXPECT_EQ(paths, (std::vector<std::string>{
                         "C:\\Windows\\Temp",
                         "C:\\Users\\alice\\AppData\\Local\\Temp",
                         "D:\\Profiles\\bob\\AppData\\Local\\Temp",
                         "C:\\Users\\Public",
                         "C:\\ProgramData",
                         "C:\\Windows\\System32 (changed)",
                         "C:\\Windows\\SysWOW64 (changed)",
                         "C:\\Users\\alice\\AppData",
                         "D:\\Profiles\\bob\\AppData",
                     }));
    // What the registry did not give is left out, not walked as "\Temp".
    const auto few = windows_roots("", "", "", {});
    EXPECT_TRUE(few.empty());
    // A user's own TEMP (HKU\SID\Environment) comes after the default ones, once.
    const auto temps = windows_roots("C:\\Windows", "", "", {"C:\\Users\\alice"},
                                     {"c:\\users\\ALICE\\appdata\\local\\temp", "D:\\tmp"});
    ASSERT_EQ(temps.size(), 6u);
    EXPECT_EQ(temps[2].path, "D:\\tmp");
    EXPECT_EQ(temps[2].scope, Scope::all);
}

TEST(TimelineCoverage, SaysWhereAndWhyItStoppedAndWhatWasNotWalked) {
    Report r;
    r.roots = {root_report("/tmp", "walked"),
               root_report("/bin", "duplicate", "/usr/bin"),
               root_report("/root", "stopped"),
               root_report("/home"),
               root_report("/srv/nfs", "skipped_fs", "nfs4"),
               root_report("/opt", "missing")};
    r.records = 5;
    r.stop = Stop::max_records;
    r.stopped_in = "/root/.cache/x";
    for (int i = 0; i < 7; ++i) r.denied.add("/root/d" + std::to_string(i));
    r.other_fs.add("/root/mnt\xff (ext4)");
    Limits limits;
    limits.max_records = 5;
    const auto notes = coverage_notes(r, limits);
    ASSERT_EQ(notes.size(), 4u);
    EXPECT_EQ(notes[0],
              "stopped at the --timeline-max-entries limit (5 records) in /root/.cache/x; not "
              "walked: the rest of /root, /home");
    EXPECT_EQ(notes[1], "/srv/nfs is on a network, FUSE or pseudo file system (nfs4): not walked");
    EXPECT_EQ(notes[2],
              "permission denied on 7 (first: /root/d0, /root/d1, /root/d2, /root/d3, /root/d4 "
              "and 2 more): what they hold is not in the timeline");
    EXPECT_EQ(notes[3],
              "mount points of other file systems (Windows: reparse points other than links) "
              "inside the walked directories, not entered: 1 (first: /root/mnt\\xff (ext4))");

    Report deadline;
    deadline.roots = {root_report("/tmp", "walked"), root_report("/etc")};
    deadline.stop = Stop::should_stop;
    deadline.stopped_in = "/etc";
    deadline.records = 12;
    EXPECT_EQ(coverage_notes(deadline, limits),
              (std::vector<std::string>{"stopped by the collector's deadline or an interrupt "
                                        "after 12 records in /etc; not walked: /etc"}));

    Report complete;
    complete.roots = {root_report("/tmp", "walked")};
    EXPECT_TRUE(coverage_notes(complete, limits).empty());
}

TEST(TimelineRecord, LinuxEntryWithEveryField) {
    Entry e;
    e.path = "/tmp/bad\xff|x";
    e.type = FileType::symlink;
    e.inode = 42;
    e.mode = 0120777;
    e.uid = 1000;
    e.gid = 100;
    e.size = 11;
    e.links = 1;
    e.atime_ns = 1'700'000'000'123'456'789;
    e.mtime_ns = 0;
    e.ctime_ns = 1'700'000'001'000'000'000;
    e.link_target = "/etc/passwd";
    const json r =
        json::parse(collectors::timeline_impl::record_line({"/tmp", Scope::all}, e, true));
    EXPECT_EQ(r["path"], "/tmp/bad\\xff|x");
    EXPECT_EQ(r["escaped_fields"], json({"path"}));
    EXPECT_EQ(r["walk_root"], "/tmp");
    EXPECT_EQ(r["walk_scope"], "all");
    EXPECT_EQ(r["file_type"], "symlink");
    EXPECT_EQ(r["inode"], 42);
    EXPECT_EQ(r["mode"], 0777);
    EXPECT_EQ(r["mode_string"], "lrwxrwxrwx");
    EXPECT_EQ(r["uid"], 1000);
    EXPECT_EQ(r["gid"], 100);
    EXPECT_EQ(r["size"], 11);
    EXPECT_EQ(r["links"], 1);
    EXPECT_EQ(r["atime"], "2023-11-14T22:13:20.123456Z");
    EXPECT_EQ(r["mtime"], "1970-01-01T00:00:00.000000Z");
    EXPECT_EQ(r["ctime"], "2023-11-14T22:13:21.000000Z");
    EXPECT_TRUE(r["btime"].is_null());  // not given: null, never a made-up time
    EXPECT_EQ(r["link_target"], "/etc/passwd");
    EXPECT_FALSE(r.contains("attributes"));
}

TEST(TimelineRecord, WindowsEntry) {
    Entry e;
    e.path = "C:\\Users\\alice\\AppData\\Local\\Temp\\x.exe";
    e.type = FileType::regular;
    e.inode = 0x0005000000001234ull;
    e.size = 4096;
    e.mtime_ns = 1'700'000'000'000'000'000;
    e.btime_ns = 1'600'000'000'000'000'000;
    e.attributes = 0x22;
    const json r = json::parse(collectors::timeline_impl::record_line(
        {"C:\\Users\\alice\\AppData\\Local\\Temp", Scope::all}, e, false));
    EXPECT_EQ(r["path"], "C:\\Users\\alice\\AppData\\Local\\Temp\\x.exe");
    EXPECT_EQ(r["inode"], 0x0005000000001234ull);
    EXPECT_EQ(r["attributes"], json({"hidden", "archive"}));
    EXPECT_EQ(r["btime"], "2020-09-13T12:26:40.000000Z");
    EXPECT_TRUE(r["atime"].is_null());
    for (const char* linux_only :
         {"mode", "mode_string", "uid", "gid", "links", "link_target", "escaped_fields"}) {
        EXPECT_FALSE(r.contains(linux_only)) << linux_only;
    }
}

}  // namespace
}  // namespace irsnap::timeline
