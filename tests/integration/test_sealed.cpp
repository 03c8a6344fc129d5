// SPDX-License-Identifier: Apache-2.0
// Sealed bundles end to end: a run sealed to an age key leaves one .tar.age and no plaintext,
// the reference `age` tool opens it, irsnap opens it and what `age -r` wrote, damage is named,
// a stick's irsnap.recipients seals a zero-option run, custody works beside the sealed file.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include <ctime>

#include "irsnap/age.hpp"
#include "run_util.hpp"

namespace irsnap::test {
namespace {

namespace fs = std::filesystem;

class Sealed : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/irsnap-sealed-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        m_dir = tmpl;
        const RunResult kg = run_command({irsnap_binary(), "keygen", "-o", key().string()});
        ASSERT_EQ(kg.exit_code, 0) << kg.err;
        ASSERT_EQ(kg.out.rfind("Public key: age1", 0), 0u) << kg.out;
        m_recipient = kg.out.substr(12, kg.out.find('\n') - 12);
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(m_dir, ec);
    }
    fs::path key() const { return m_dir / "key.txt"; }
    fs::path m_dir;
    std::string m_recipient;
};

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<fs::path> files_under(const fs::path& dir) {
    std::vector<fs::path> out;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
        if (e.is_regular_file()) out.push_back(e.path());
    }
    return out;
}

std::string host_name() {
    char buf[256] = {};
    ::gethostname(buf, sizeof buf - 1);
    return buf;
}

TEST_F(Sealed, DirectoryRunLeavesOnlySealedBytesThatAgeAndIrsnapOpen) {
    // A planted argv marker: the processes collector records it, so plaintext would show it.
    const std::string marker = "irsnap-seal-marker-7f3a9c";
    const fs::path child_copy = m_dir / marker;
    fs::copy_file(IRSNAP_TEST_CHILD, child_copy);
    const pid_t child = spawn({child_copy.string(), marker});
    const fs::path out = m_dir / "out";
    const RunResult run =
        run_command({irsnap_binary(), "-o", out.string(), "--recipient", m_recipient,
                     "--collectors", "system,processes", "--no-hash", "--json"});
    kill_and_reap(child);
    ASSERT_LE(run.exit_code, 1) << run.err;
    const auto files = files_under(out);
    ASSERT_EQ(files.size(), 1u);
    const fs::path& sealed = files[0];
    EXPECT_EQ(sealed.extension(), ".age");
    const std::string bytes = slurp(sealed);
    EXPECT_EQ(bytes.rfind(std::string(age::k_magic), 0), 0u);
    EXPECT_EQ(bytes.find(marker), std::string::npos);
    // The bundle's name (HOST_YYYYMMDDT...): with a short host name, "vm_" alone turns up in
    // random ciphertext now and then (3 bytes: once in 16 MiB).
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    EXPECT_EQ(bytes.find(host_name() + "_" + std::to_string(1900 + utc.tm_year)),
              std::string::npos);
    EXPECT_EQ(bytes.find("manifest.json"), std::string::npos);

    // The summary's digest is the file's; the manifest's is the one inside.
    const auto summary = nlohmann::json::parse(run.out);
    EXPECT_EQ(summary["sealed"]["sha256"], file_sha256(sealed));
    EXPECT_EQ(summary["sealed"]["recipients"][0], m_recipient);

    RunResult v = run_command({irsnap_binary(), "verify", "-i", key().string(), sealed.string()});
    EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
    EXPECT_NE(v.out.find("VERIFIED"), std::string::npos);

    // Without the key: a one-line usage error, exit 2.
    v = run_command({irsnap_binary(), "verify", sealed.string()});
    EXPECT_EQ(v.exit_code, 2);
    EXPECT_NE(v.err.find("-i"), std::string::npos) << v.err;

    // One flipped byte in the payload: exit 5, naming the chunk and its offset.
    std::string flipped = bytes;
    flipped[flipped.size() - 40] ^= 0x01;
    const fs::path bad = m_dir / "bad.tar.age";
    std::ofstream(bad, std::ios::binary) << flipped;
    v = run_command({irsnap_binary(), "verify", "-i", key().string(), bad.string()});
    EXPECT_EQ(v.exit_code, 5) << v.out;
    EXPECT_NE(v.out.find("byte offset"), std::string::npos) << v.out;

    // triage reads it, and finds the marker process.
    v = run_command({irsnap_binary(), "triage", "-i", key().string(), "--json", sealed.string()});
    EXPECT_LE(v.exit_code, 1) << v.err;

    IRSNAP_NEED_TOOL(have_tool("age"), "age");
    const fs::path plain = m_dir / "plain.tar";
    v = run_command({"/bin/sh", "-c",
                     "age -d -i '" + key().string() + "' '" + sealed.string() + "' > '" +
                         plain.string() + "'"});
    ASSERT_EQ(v.exit_code, 0) << v.err;
    EXPECT_NE(slurp(plain).find(marker), std::string::npos);
    v = run_command({irsnap_binary(), "verify", plain.string()});
    EXPECT_EQ(v.exit_code, 0) << v.out;

    // And the other way: what `age -r` seals, irsnap opens.
    const fs::path by_age = m_dir / "by_age.tar.age";
    v = run_command(
        {"/bin/sh", "-c",
         "age -r " + m_recipient + " -o '" + by_age.string() + "' '" + plain.string() + "'"});
    ASSERT_EQ(v.exit_code, 0) << v.err;
    v = run_command({irsnap_binary(), "verify", "-i", key().string(), by_age.string()});
    EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
}

TEST_F(Sealed, StreamOverAPipeVerifiesWithTheKeyWhateverOpenSslConfigTheHostHas) {
    // An openssl.cnf that leaves only the null provider: loaded, it would make every cipher
    // fetch fail. Neither side may read it (no host configuration is obeyed).
    const fs::path conf = m_dir / "openssl.cnf";
    std::ofstream(conf) << "openssl_conf = openssl_init\n[openssl_init]\nproviders = prov\n"
                           "[prov]\nnull = null_sect\n[null_sect]\nactivate = 1\n";
    const std::string env = "OPENSSL_CONF='" + conf.string() + "' ";
    const RunResult v =
        run_command({"/bin/sh", "-c",
                     env + "'" + irsnap_binary() + "' -o - -q --recipient " + m_recipient +
                         " --collectors system | " + env + "'" + irsnap_binary() + "' verify -i '" +
                         key().string() + "' -"});
    EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
    EXPECT_NE(v.out.find("VERIFIED -"), std::string::npos) << v.out;
}

TEST_F(Sealed, StickWithRecipientsFileSealsAZeroOptionRun) {
    const fs::path stick = m_dir / "stick";
    fs::create_directories(stick);
    fs::copy_file(irsnap_binary(), stick / "irsnap");
    std::ofstream(stick / "irsnap.recipients") << "# case 42, analyst's key\n"
                                               << m_recipient << "\n";
    const RunResult run = run_command({(stick / "irsnap").string()}, m_dir.string());
    ASSERT_LE(run.exit_code, 1) << run.err;
    EXPECT_NE(run.err.find("sealed file SHA-256"), std::string::npos) << run.err;
    size_t sealed = 0;
    for (const auto& e : fs::directory_iterator(stick)) {
        const std::string name = e.path().filename().string();
        if (name.size() > 8 && name.substr(name.size() - 8) == ".tar.age") {
            ++sealed;
            const RunResult v =
                run_command({irsnap_binary(), "verify", "-i", key().string(), e.path().string()});
            EXPECT_EQ(v.exit_code, 0) << v.out;
            // Custody beside the sealed file, by someone without the key.
            const RunResult c =
                run_command({irsnap_binary(), "custody", e.path().string(), "--event",
                             "transferred", "--by", "courier", "--to", "lab"});
            EXPECT_EQ(c.exit_code, 0) << c.err;
            EXPECT_TRUE(fs::exists(e.path().string() + ".custody.jsonl"));
            const RunResult checked =
                run_command({irsnap_binary(), "verify", "-i", key().string(), e.path().string()});
            EXPECT_EQ(checked.exit_code, 0) << checked.out;
            std::ofstream(e.path(), std::ios::app) << "x";
            const RunResult again = run_command({irsnap_binary(), "custody", e.path().string(),
                                                 "--event", "received", "--by", "lab"});
            EXPECT_EQ(again.exit_code, 5) << again.err;
            // verify names the chain that no longer matches (besides the bytes after the end).
            const RunResult broken =
                run_command({irsnap_binary(), "verify", "-i", key().string(), e.path().string()});
            EXPECT_EQ(broken.exit_code, 5);
            EXPECT_NE(broken.out.find(".custody.jsonl line 1"), std::string::npos) << broken.out;
        } else {
            EXPECT_TRUE(name == "irsnap" || name == "irsnap.recipients" ||
                        name.find(".custody.jsonl") != std::string::npos)
                << name;
        }
    }
    EXPECT_EQ(sealed, 1u);
    // The printed procedure shows the key the stick seals to.
    const RunResult page =
        run_command({irsnap_binary(), "procedure", "--binary", (stick / "irsnap").string()});
    EXPECT_EQ(page.exit_code, 0) << page.err;
    EXPECT_NE(page.out.find("Seals to: " + m_recipient), std::string::npos) << page.out;
    EXPECT_NE(page.out.find("Sealed file SHA-256"), std::string::npos);
}

TEST_F(Sealed, ABadKeyStopsTheRunBeforeAnythingIsCollected) {
    // The last character changed (to one it is not: a random key may already end in 'q'), so
    // the Bech32 checksum fails.
    const fs::path out = m_dir / "out";
    const RunResult run = run_command(
        {irsnap_binary(), "-o", out.string(), "--recipient",
         m_recipient.substr(0, m_recipient.size() - 1) + (m_recipient.back() == 'q' ? "p" : "q")});
    EXPECT_EQ(run.exit_code, 2);
    EXPECT_NE(run.err.find("--recipient"), std::string::npos) << run.err;
    EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace irsnap::test
