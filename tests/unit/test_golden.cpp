// SPDX-License-Identifier: Apache-2.0
// Collector output over a fixture tree, compared with tests/golden/. Regenerate after an
// intended change with IRSNAP_UPDATE_GOLDEN=1 and review the diff.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cstdlib>
#include <fstream>
#include <regex>

#include "fixture_util.hpp"
#include "golden_util.hpp"
#include "irsnap/hash.hpp"
#include "irsnap/hash_cache.hpp"
#include "kernel_modules/kernel_modules.hpp"
#include "modules/modules.hpp"
#include "processes/processes.hpp"

namespace irsnap::test {
namespace {

/// Device and inode numbers depend on the machine running the test.
nlohmann::json normalise(nlohmann::json record) {
    for (auto key : {"exe_device", "exe_inode"}) {
        if (record.contains(key) && !record[key].is_null()) record[key] = "<machine-specific>";
    }
    return record;
}

/// Runs the processes collector over a fresh copy of the "basic" fixture tree.
MemorySink collect_basic(bool hash) {
    TempDir tmp("irsnap-golden");
    materialise_fixture("basic", tmp.path());
    Context ctx = fixture_context(tmp.path());
    HashCache hashes(2, 0, nullptr);
    if (hash) ctx.hashes = &hashes;
    MemorySink sink;
    collectors::collect_processes(ctx, sink);
    return sink;
}

TEST(Golden, ProcessesOverBasicFixture) {
    MemorySink sink = collect_basic(true);

    ASSERT_EQ(sink.records.size(), 3u);  // 1, 2, 4242; 4243 has a truncated stat line
    ASSERT_EQ(sink.errors.size(), 1u);
    EXPECT_EQ(sink.errors[0].stage, "parse");
    EXPECT_NE(sink.errors[0].path.find("4243/stat"), std::string::npos);
    compare_with_golden("processes_basic.jsonl", sink.records, normalise);
}

TEST(Golden, HostileProcessFieldsAreExact) {
    MemorySink sink = collect_basic(true);
    const nlohmann::json* evil = nullptr;
    for (const auto& r : sink.records) {
        if (r["pid"] == 4242) evil = &r;
    }
    ASSERT_NE(evil, nullptr);
    const auto& r = *evil;
    EXPECT_EQ(r["name"], "evil) proc");  // comm parsed up to the LAST ')'
    EXPECT_EQ(r["state"], "R");
    EXPECT_EQ(r["ppid"], 1);
    EXPECT_EQ(r["nice"], 5);
    EXPECT_EQ(r["tty"], "pts/0");
    EXPECT_EQ(r["user"], "alice");
    EXPECT_EQ(r["ld_preload"], "/tmp/libevil.so");
    EXPECT_EQ(r["ld_audit"], "/dev/shm/a.so");
    EXPECT_TRUE(r["ld_library_path"].is_null());
    // btime 1763770000 + 123456 ticks / 100 Hz
    EXPECT_EQ(r["start_time"], "2025-11-22T00:27:14.560000Z");
    // A file really named "x (deleted)" is not deleted: st_nlink decides, not the suffix.
    EXPECT_EQ(r["exe_path"], "../../root/tmp/x (deleted)");  // the real name, suffix and all
    EXPECT_EQ(r["exe_deleted"], false);
    EXPECT_TRUE(r["exe_sha256"].is_string());
    // Non-UTF-8 bytes are escaped reversibly and the fields are named.
    EXPECT_EQ(r["argv"][1], "--flag=\\xff\\xfe");
    EXPECT_EQ(r["argv"][2], "arg with space");
    EXPECT_EQ(r["argv"][3], "back\\\\slash");
    EXPECT_EQ(r["cwd"], "/home/alice/\\xff");
    EXPECT_EQ(r["escaped_fields"], nlohmann::json::array({"argv", "cwd"}));
    EXPECT_EQ(r["cgroup"],
              "2:memory:/user.slice;1:name=systemd:/user.slice/session-3.scope;"
              "0::/user.slice/session-3.scope");
    EXPECT_EQ(r["namespaces"]["net"], 4026532999u);
    EXPECT_TRUE(r["namespaces"]["pid"].is_null());  // absent link: unknown, not zero
}

TEST(Golden, KernelThreadHasNoExecutable) {
    MemorySink sink = collect_basic(false);
    for (const auto& r : sink.records) {
        if (r["pid"] != 2) continue;
        EXPECT_EQ(r["kernel_thread"], true);
        EXPECT_EQ(r["argv"], nlohmann::json::array());
        EXPECT_TRUE(r["exe_path"].is_null());
        return;
    }
    FAIL() << "pid 2 not emitted";
}

/// Replaces {dev:FILE} and {ino:FILE} in proc/100/maps of the "maps" fixture with the device (hex
/// major:minor, as maps prints it) and inode of FILE in the materialised tree, so the collector's
/// host-path fallback finds the very inode the mapping names.
void fill_maps_placeholders(const std::filesystem::path& tree) {
    const auto maps = tree / "proc/100/maps";
    std::string text = read_text_file(maps);
    const std::regex placeholder(R"(\{(dev|ino):([^}]*)\})");
    std::string out;
    auto last = text.cbegin();
    for (std::sregex_iterator it(text.begin(), text.end(), placeholder), end; it != end; ++it) {
        const auto& m = *it;
        out.append(last, m[0].first);
        struct stat st {};
        if (::stat((tree / m[2].str()).c_str(), &st) != 0) {
            throw std::runtime_error("fixture file missing: " + m[2].str());
        }
        char buf[64];
        if (m[1] == "dev") {
            std::snprintf(buf, sizeof buf, "%02x:%02x", major(st.st_dev), minor(st.st_dev));
        } else {
            std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(st.st_ino));
        }
        out += buf;
        last = m[0].second;
    }
    out.append(last, text.cend());
    std::ofstream(maps, std::ios::binary | std::ios::trunc) << out;
}

MemorySink collect_maps(bool hash) {
    TempDir tmp("irsnap-golden");
    materialise_fixture("maps", tmp.path());
    fill_maps_placeholders(tmp.path());
    Context ctx = fixture_context(tmp.path());
    HashCache hashes(2, 0, nullptr);
    if (hash) ctx.hashes = &hashes;
    MemorySink sink;
    collectors::collect_modules(ctx, sink);
    return sink;
}

const nlohmann::json* find_path(const std::vector<nlohmann::json>& records,
                                const std::string& path) {
    for (const auto& r : records) {
        if (r["path"] == path) return &r;
    }
    return nullptr;
}

TEST(Golden, ModulesOverMapsFixture) {
    MemorySink sink = collect_maps(true);
    EXPECT_EQ(sink.races, 1);  // pid 300 has no maps: it "exited"; pid 2 is a kernel thread
    ASSERT_EQ(sink.errors.size(), 1u);
    EXPECT_EQ(sink.errors[0].stage, "parse");
    EXPECT_TRUE(sink.notes.empty());
    // The device and inode of files the test placed are machine-specific; the rest is exact.
    std::vector<nlohmann::json> records = sink.records;
    for (auto& r : records) {
        if (r.contains("device") && r.value("hash_note", nlohmann::json()).is_null()) {
            r["device"] = "<machine-specific>";
            r["inode"] = "<machine-specific>";
        }
    }
    compare_with_golden("modules_basic.jsonl", records, normalise);
}

TEST(Golden, ModulesHashesByPathOnlyWhenTheInodeMatches) {
    MemorySink sink = collect_maps(true);
    const auto tree_file = std::filesystem::path(IRSNAP_FIXTURE_DIR) / "proc/maps/root";
    const auto* app = find_path(sink.records, "/usr/bin/app");
    ASSERT_NE(app, nullptr);
    EXPECT_EQ((*app)["sha256"], sha256_hex(read_text_file(tree_file / "usr/bin/app")));
    EXPECT_EQ((*app)["ranges"].size(), 2u);
    EXPECT_EQ((*app)["size_bytes"], 0x3000);
    EXPECT_EQ((*app)["executable"], true);
    const auto* spaced = find_path(sink.records, "/opt/my app/lib x.so");
    ASSERT_NE(spaced, nullptr);
    EXPECT_EQ((*spaced)["sha256"], sha256_hex(read_text_file(tree_file / "opt/my app/lib x.so")));
    const auto* stale = find_path(sink.records, "/usr/lib/libstale.so");
    ASSERT_NE(stale, nullptr);
    EXPECT_TRUE((*stale)["sha256"].is_null());
    EXPECT_EQ((*stale)["hash_note"], "file on disk differs from the mapped one");
    // A file really named "x (deleted)" that still holds the inode is not deleted.
    const auto* named = find_path(sink.records, "/data/x (deleted)");
    ASSERT_NE(named, nullptr);
    EXPECT_EQ((*named)["deleted"], false);
    EXPECT_TRUE((*named)["sha256"].is_string());
    const auto* dropper = find_path(sink.records, "/tmp/dropper");
    ASSERT_NE(dropper, nullptr);
    EXPECT_EQ((*dropper)["deleted"], true);
    const auto* memfd = find_path(sink.records, "/memfd:payload");
    ASSERT_NE(memfd, nullptr);
    EXPECT_EQ((*memfd)["memfd"], true);
    EXPECT_EQ((*memfd)["deleted"], true);
    const auto* shm = find_path(sink.records, "/SYSV00000000");
    ASSERT_NE(shm, nullptr);
    EXPECT_EQ((*shm)["hash_note"], "shared memory object, not a file");
    const auto* escaped = find_path(sink.records, "/opt/\\xff.so");
    ASSERT_NE(escaped, nullptr);
    EXPECT_EQ((*escaped)["escaped_fields"], nlohmann::json::array({"path"}));
    // Anonymous executable memory: one record for the process, kernel regions ([vdso]) left out.
    const nlohmann::json* anon = nullptr;
    for (const auto& r : sink.records) {
        if (r["kind"] == "anonymous_executable") anon = &r;
    }
    ASSERT_NE(anon, nullptr);
    EXPECT_EQ((*anon)["pid"], 100);
    EXPECT_EQ((*anon)["anonymous_executable_count"], 2);
    EXPECT_EQ((*anon)["writable_executable_count"], 1);
    EXPECT_EQ((*anon)["ranges"][1]["name"], "[anon:jit]");
}

TEST(Golden, ModulesWithoutHashingSayWhy) {
    MemorySink sink = collect_maps(false);
    const auto* app = find_path(sink.records, "/usr/bin/app");
    ASSERT_NE(app, nullptr);
    EXPECT_TRUE((*app)["sha256"].is_null());
    EXPECT_EQ((*app)["hash_note"], "hashing disabled (--no-hash)");
}

MemorySink collect_kmods() {
    TempDir tmp("irsnap-golden");
    materialise_fixture("kmods", tmp.path());
    Context ctx = fixture_context(tmp.path());
    HashCache hashes(2, 0, nullptr);
    ctx.hashes = &hashes;
    MemorySink sink;
    collectors::collect_kernel_modules(ctx, sink);
    return sink;
}

const nlohmann::json* find_module(const std::vector<nlohmann::json>& records,
                                  const std::string& name) {
    for (const auto& r : records) {
        if (r["kind"] == "module" && r["name"] == name) return &r;
    }
    return nullptr;
}

TEST(Golden, KernelModulesOverKmodsFixture) {
    MemorySink sink = collect_kmods();
    EXPECT_TRUE(sink.notes.empty());
    EXPECT_EQ(sink.errors.size(), 2u);  // one malformed line each in /proc/modules, modules.dep
    compare_with_golden("kernel_modules_basic.jsonl", sink.records, normalise);
}

TEST(Golden, KernelModulesCrossViewAndFiles) {
    MemorySink sink = collect_kmods();
    ASSERT_FALSE(sink.records.empty());
    const auto& kernel = sink.records.front();
    EXPECT_EQ(kernel["kind"], "kernel");
    EXPECT_EQ(kernel["tainted"], 12289);  // P + O + E
    ASSERT_EQ(kernel["taint_flags"].size(), 3u);
    EXPECT_EQ(kernel["taint_flags"][2]["letter"], "E");
    EXPECT_EQ(kernel["kernel_release"], "6.1.0-test");

    const auto root = std::filesystem::path(IRSNAP_FIXTURE_DIR) / "proc/kmods/root";
    const auto* evil = find_module(sink.records, "evil_rootkit");
    ASSERT_NE(evil, nullptr);
    EXPECT_EQ((*evil)["taint"], "OE");
    EXPECT_TRUE((*evil)["address"].is_null());
    EXPECT_EQ((*evil)["cross_view_discrepancy"], false);
    EXPECT_EQ((*evil)["version"], "1.0-evil");
    // modules.dep names it evil-rootkit: '-' and '_' are the same module name.
    EXPECT_EQ((*evil)["file_path"], "/lib/modules/6.1.0-test/updates/evil-rootkit.ko");
    EXPECT_EQ((*evil)["sha256"],
              sha256_hex(read_text_file(root / "lib/modules/6.1.0-test/updates/evil-rootkit.ko")));
    const auto* ext4 = find_module(sink.records, "ext4");
    ASSERT_NE(ext4, nullptr);
    EXPECT_EQ((*ext4)["address"], "0xffffffffc0a2a000");
    EXPECT_EQ(
        (*ext4)["sha256"],
        sha256_hex(read_text_file(root / "lib/modules/6.1.0-test/kernel/fs/ext4/ext4.ko.zst")));
    const auto* ghost = find_module(sink.records, "ghost");
    ASSERT_NE(ghost, nullptr);
    EXPECT_EQ((*ghost)["in_sys_module"], false);
    EXPECT_EQ((*ghost)["cross_view_discrepancy"], true);
    const auto* hidden = find_module(sink.records, "hidden_mod");
    ASSERT_NE(hidden, nullptr);
    EXPECT_EQ((*hidden)["in_proc_modules"], false);
    EXPECT_EQ((*hidden)["cross_view_discrepancy"], true);
    EXPECT_EQ((*hidden)["size"], 12288);
    EXPECT_EQ((*hidden)["taint"], "OE");
    // Built-in code has a /sys/module directory without initstate: not a loadable module.
    EXPECT_EQ(find_module(sink.records, "builtin_thing"), nullptr);
    const auto* mbcache = find_module(sink.records, "mbcache");
    ASSERT_NE(mbcache, nullptr);
    EXPECT_EQ((*mbcache)["used_by"], nlohmann::json::array({"ext4"}));
    EXPECT_TRUE((*mbcache)["sha256"].is_null());  // listed in modules.dep, file absent
    EXPECT_FALSE((*mbcache)["hash_note"].is_null());
}

TEST(Golden, KernelWithoutModuleSupportStillReportsTaint) {
    TempDir tmp("irsnap-golden");
    materialise_fixture("kmods", tmp.path());
    std::filesystem::remove(tmp.path() / "proc/modules");
    std::filesystem::remove_all(tmp.path() / "root/sys/module");
    Context ctx = fixture_context(tmp.path());
    MemorySink sink;
    collectors::collect_kernel_modules(ctx, sink);
    ASSERT_EQ(sink.records.size(), 1u);
    EXPECT_EQ(sink.records[0]["loadable_modules"], false);
    EXPECT_EQ(sink.records[0]["module_support"], "kernel built without module support");
    EXPECT_EQ(sink.records[0]["tainted"], 12289);
    // A fact, not missing coverage: no loadable module can exist, so nothing is unseen.
    EXPECT_TRUE(sink.notes.empty()) << sink.notes.front();
}

}  // namespace
}  // namespace irsnap::test
