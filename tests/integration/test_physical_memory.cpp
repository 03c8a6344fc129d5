// SPDX-License-Identifier: Apache-2.0
// Physical memory end to end with the real binary, against a proc root holding an iomem and a
// file laid out like /proc/kcore (this machine has no kcore; the kernel lab reads a real one):
// the LiME image holds every System RAM range with the bytes at their physical addresses, an
// unmapped part as a recorded hole, digests that match, in a directory bundle, a tar stream and
// a sealed bundle; an output too small is refused before a byte is written; and without a source
// the refusal is one line on the console.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "../unit/fixture_util.hpp"
#include "../unit/kcore_builder.hpp"
#include "irsnap/hash.hpp"
#include "irsnap/lime.hpp"
#include "run_util.hpp"

namespace irsnap::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string seeded_bytes(size_t size, uint32_t seed) {
    std::mt19937 gen(seed);
    std::string out(size, '\0');
    for (auto& c : out) c = static_cast<char>(gen() & 0xff);
    return out;
}

std::string read_whole_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// RAM [0x1000, 0x9c00) and [0x100000, 0x140000). As the kernel's does, the kcore maps whole
/// pages only: the first range's last page, which it covers in part, is not mapped (zeros that
/// do not make the image partial). With `hole`, kcore maps only the first 0x30000 bytes of the
/// second range and the rest is a recorded hole (partial). The marker sits at 0x120010.
struct FakeHost {
    FakeHost(const fs::path& root, bool hole) : proc(root / "proc"), m_hole(hole) {
        fs::create_directories(proc);
        std::ofstream(proc / "iomem") << "00000000-00000fff : Reserved\n"
                                         "00001000-00009bff : System RAM\n"
                                         "000a0000-000bffff : PCI Bus 0000:00\n"
                                         "00100000-0013ffff : System RAM\n"
                                         "  00100000-0010ffff : Kernel code\n";
        low = seeded_bytes(0x9000, 1);
        high = seeded_bytes(hole ? 0x30000 : 0x40000, 2);
        high.replace(0x20010, marker.size(), marker);
        std::ofstream(proc / "kcore", std::ios::binary) << fake_kcore(
            {{UINT64_MAX, std::string(4096, 'v')}, {0x1000, low.substr(0x1000)}, {0x100000, high}});
    }
    /// The LiME file irsnap should write.
    std::string expected_image() const {
        return lime::range_header(0x1000, 0x9c00) + low.substr(0x1000) + std::string(0xc00, '\0') +
               lime::range_header(0x100000, 0x140000) + high +
               std::string(m_hole ? 0x10000 : 0, '\0');
    }
    fs::path proc;
    std::string low, high;
    const std::string marker = "irsnap-physical-marker-7f3a";

  private:
    bool m_hole;
};

std::vector<json> physmem_records(const fs::path& bundle, const std::string& kind) {
    std::vector<json> out;
    for (auto& r : read_jsonl(artifact(bundle, "physical_memory"))) {
        if (r["kind"] == kind) out.push_back(std::move(r));
    }
    return out;
}

TEST(PhysicalMemory, LimeImageHoldsEveryRamRangeAtItsPhysicalAddress) {
    TempDir tmp("irsnap-physmem");
    const FakeHost host(tmp.path(), true);
    const fs::path out = tmp.path() / "out";
    auto run = run_command({irsnap_binary(), "collect", "-q", "-o", out.string(), "--proc-root",
                            host.proc.string(), "--physical-memory", "--exclude",
                            "timeline,files,autoruns"});
    ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.out << run.err;
    const fs::path bundle = only_bundle(out);
    auto verify = run_command({irsnap_binary(), "verify", bundle.string()});
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;

    const auto images = physmem_records(bundle, "image");
    ASSERT_EQ(images.size(), 1u);
    const json& image = images[0];
    EXPECT_EQ(image["source"], "/proc/kcore");
    EXPECT_EQ(image["status"], "partial") << image.dump();
    EXPECT_EQ(image["ranges"], 2);
    EXPECT_EQ(image["ram_bytes"], 0x8c00 + 0x40000);
    EXPECT_EQ(image["unreadable_bytes"], 0xc00 + 0x10000);
    EXPECT_EQ(image["bytes_read"], 0x8000 + 0x30000);
    const std::string expected = host.expected_image();
    EXPECT_EQ(image["size"], expected.size());
    EXPECT_EQ(image["sha256"], sha256_hex(expected));

    const auto ranges = physmem_records(bundle, "range");
    ASSERT_EQ(ranges.size(), 2u);
    EXPECT_EQ(ranges[0]["start"], "0x1000");
    EXPECT_EQ(ranges[0]["end"], "0x9c00");
    EXPECT_EQ(ranges[0]["lime_offset"], 0);
    EXPECT_EQ(ranges[0]["sha256"], sha256_hex(host.low.substr(0x1000) + std::string(0xc00, '\0')));
    EXPECT_EQ(ranges[0]["holes"], json::parse(R"([{"start":"0x9000","end":"0x9c00"}])"));
    EXPECT_EQ(ranges[1]["lime_offset"], 32 + 0x8c00);
    EXPECT_EQ(ranges[1]["holes"], json::parse(R"([{"start":"0x130000","end":"0x140000"}])"));
    const auto sources = physmem_records(bundle, "source");
    ASSERT_EQ(sources.size(), 1u);
    EXPECT_EQ(sources[0]["usable"], true);

    // extract re-hashes the member against the image record and writes it read-only.
    const fs::path into = tmp.path() / "extracted";
    fs::create_directories(into);
    auto extract = run_command({irsnap_binary(), "extract", bundle.string(), into.string()});
    ASSERT_EQ(extract.exit_code, 0) << extract.out << extract.err;
    const std::string lime_file = read_whole_file(into / "memory" / "physical_memory.lime");
    ASSERT_EQ(lime_file.size(), expected.size());
    EXPECT_TRUE(lime_file == expected) << "the image differs from the fake host's RAM";
    const size_t marker_at = 32 + 0x8c00 + 32 + (0x120010 - 0x100000);
    EXPECT_EQ(lime_file.find(host.marker), marker_at);
    const auto header = lime::read_range_header(std::string_view(lime_file).substr(32 + 0x8c00));
    ASSERT_TRUE(header);
    EXPECT_EQ(header->start, 0x100000u);
}

TEST(PhysicalMemory, AStreamAnnouncesTheImageAndHoldsTheSameBytes) {
    TempDir tmp("irsnap-physmem");
    const FakeHost host(tmp.path(), false);
    const fs::path tar = tmp.path() / "bundle.tar";
    auto run = run_redirected({irsnap_binary(), "collect", "-q", "-o", "-", "--proc-root",
                               host.proc.string(), "--collectors", "physical_memory"},
                              "", tar.string());
    ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.err;
    const fs::path into = tmp.path() / "extracted";
    fs::create_directories(into);
    auto extract = run_command({irsnap_binary(), "extract", tar.string(), into.string()});
    ASSERT_EQ(extract.exit_code, 0) << extract.out << extract.err;
    EXPECT_TRUE(read_whole_file(into / "memory" / "physical_memory.lime") == host.expected_image());
    // Only the partly covered edge page is zeros: that is how kcore maps RAM, not a failure.
    fs::create_directories(tmp.path() / "unpacked");
    auto untar = run_command(
        {"/usr/bin/tar", "-xf", tar.string(), "-C", (tmp.path() / "unpacked").string()});
    ASSERT_EQ(untar.exit_code, 0) << untar.err;
    const auto images = physmem_records(only_bundle(tmp.path() / "unpacked"), "image");
    ASSERT_EQ(images.size(), 1u);
    EXPECT_EQ(images[0]["status"], "acquired") << images[0].dump();
    EXPECT_EQ(images[0]["unreadable_bytes"], 0xc00);
    EXPECT_NE(images[0]["status_note"].get<std::string>().find("partly covers"), std::string::npos);
}

TEST(PhysicalMemory, ASealedBundleHoldsTheImageWithNoPlaintextOnDisk) {
    TempDir tmp("irsnap-physmem");
    const FakeHost host(tmp.path(), false);
    const fs::path key = tmp.path() / "key.txt";
    const auto keygen = run_command({irsnap_binary(), "keygen", "-o", key.string()});
    ASSERT_EQ(keygen.out.rfind("Public key: age1", 0), 0u) << keygen.out << keygen.err;
    const std::string recipient = keygen.out.substr(12, keygen.out.find('\n') - 12);
    const fs::path out = tmp.path() / "out";
    auto run =
        run_command({irsnap_binary(), "collect", "-q", "-o", out.string(), "--recipient", recipient,
                     "--proc-root", host.proc.string(), "--collectors", "physical_memory"});
    ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.out << run.err;
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(out)) {
        if (e.is_regular_file()) files.push_back(e.path());
    }
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(files[0].extension(), ".age");
    EXPECT_EQ(read_whole_file(files[0]).find(host.marker), std::string::npos);
    const fs::path into = tmp.path() / "extracted";
    fs::create_directories(into);
    auto extract = run_command(
        {irsnap_binary(), "extract", "-i", key.string(), files[0].string(), into.string()});
    ASSERT_EQ(extract.exit_code, 0) << extract.out << extract.err;
    EXPECT_TRUE(read_whole_file(into / "memory" / "physical_memory.lime") == host.expected_image());
}

TEST(PhysicalMemory, OffByDefault) {
    TempDir tmp("irsnap-physmem");
    const FakeHost host(tmp.path(), true);
    const fs::path out = tmp.path() / "out";
    auto run = run_command({irsnap_binary(), "collect", "-q", "-o", out.string(), "--proc-root",
                            host.proc.string(), "--exclude", "timeline,files,autoruns"});
    ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.out << run.err;
    const fs::path bundle = only_bundle(out);
    const json manifest = json::parse(read_whole_file(bundle / "manifest.json"));
    bool seen = false;
    for (const auto& c : manifest["collectors"]) {
        if (c["name"] != "physical_memory") continue;
        seen = true;
        EXPECT_EQ(c["status"], "skipped") << c.dump();
        EXPECT_NE(c.dump().find("off by default"), std::string::npos) << c.dump();
    }
    EXPECT_TRUE(seen);
    for (const auto& e : fs::directory_iterator(bundle / "artifacts")) {
        EXPECT_EQ(e.path().filename().string().find("physical_memory"), std::string::npos);
    }
}

TEST(PhysicalMemory, WithoutASourceTheRefusalIsOneLineOnTheConsole) {
    TempDir tmp("irsnap-physmem");
    FakeHost host(tmp.path(), true);
    fs::remove(host.proc / "kcore");
    const fs::path out = tmp.path() / "out";
    auto run =
        run_command({irsnap_binary(), "collect", "-o", out.string(), "--proc-root",
                     host.proc.string(), "--physical-memory", "--collectors", "physical_memory"});
    ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.out << run.err;
    const std::string console = run.out + run.err;
    EXPECT_NE(console.find("not acquired: /proc/kcore: absent"), std::string::npos) << console;
    const auto images = physmem_records(only_bundle(out), "image");
    ASSERT_EQ(images.size(), 1u);
    EXPECT_EQ(images[0]["status"], "refused");
    EXPECT_EQ(images[0]["archive"], nullptr);
}

TEST(PhysicalMemory, AKcoreWithoutPhysicalAddressesOrAnImpossibleIomemIsRefusedAtOnce) {
    TempDir tmp("irsnap-physmem");
    FakeHost host(tmp.path(), false);
    // Linux before 4.11: every p_paddr 0, vmalloc's terabyte among the segments.
    std::ofstream(host.proc / "kcore", std::ios::binary)
        << fake_kcore({{0, std::string(0x2000, 'v')}, {0, host.low}});
    auto run = run_command({irsnap_binary(), "collect", "-o", (tmp.path() / "a").string(),
                            "--proc-root", host.proc.string(), "--collectors", "physical_memory"});
    ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.out << run.err;
    EXPECT_NE((run.out + run.err).find("before 4.11"), std::string::npos) << run.out << run.err;
    // RAM that adds up to more than any machine holds: refused before any source is opened.
    std::ofstream(host.proc / "iomem") << "00001000-fffffffffffffffe : System RAM\n";
    run = run_command({irsnap_binary(), "collect", "-o", (tmp.path() / "b").string(), "--proc-root",
                       host.proc.string(), "--collectors", "physical_memory"});
    ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.out << run.err;
    const auto images = physmem_records(only_bundle(tmp.path() / "b"), "image");
    ASSERT_EQ(images.size(), 1u);
    EXPECT_EQ(images[0]["status"], "refused");
    EXPECT_NE(images[0]["status_note"].get<std::string>().find("256 TiB"), std::string::npos);
}

TEST(PhysicalMemory, AnOutputTooSmallIsRefusedBeforeAByteIsWritten) {
    IRSNAP_NEED_TOOL(have_tool("unshare"), "unshare (util-linux)");
    TempDir tmp("irsnap-physmem");
    const FakeHost host(tmp.path(), true);
    const fs::path small = tmp.path() / "small";
    fs::create_directories(small);
    // 64 MiB: the image is small, but irsnap keeps 256 MiB free beside it.
    const std::string script = "mount -t tmpfs -o size=64m irsnap-test " + small.string() +
                               " && \"$0\" -q -o " + small.string() + "/out --proc-root " +
                               host.proc.string() +
                               " --physical-memory --collectors physical_memory; rc=$?; cp -a " +
                               small.string() + "/out " + tmp.path().string() + "/copied; exit $rc";
    auto run = run_command({"/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c",
                            script, irsnap_binary()});
    ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.out << run.err;
    const fs::path bundle = only_bundle(tmp.path() / "copied");
    auto verify = run_command({irsnap_binary(), "verify", bundle.string()});
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
    const auto images = physmem_records(bundle, "image");
    ASSERT_EQ(images.size(), 1u);
    EXPECT_EQ(images[0]["status"], "disk_space") << images[0].dump();
    EXPECT_NE(images[0]["status_note"].get<std::string>().find("256 MiB to spare"),
              std::string::npos);
    for (const auto& e : fs::directory_iterator(bundle / "artifacts")) {
        EXPECT_EQ(e.path().extension(), ".jsonl") << e.path();
    }
}

}  // namespace
}  // namespace irsnap::test
