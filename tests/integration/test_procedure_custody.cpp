// SPDX-License-Identifier: Apache-2.0
// `irsnap procedure` (text limits, HTML printed to PDF is one page) and `irsnap custody`
// appended events checked by `irsnap verify`.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "../unit/fixture_util.hpp"
#include "build_info.hpp"
#include "irsnap/hash.hpp"
#include "run_util.hpp"

namespace irsnap::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

size_t columns(const std::string& line) {
    size_t n = 0;
    for (unsigned char c : line) n += (c & 0xC0) != 0x80;  // UTF-8 code points
    return n;
}

/// A program found in PATH, or "" (run_command does not search PATH).
std::string find_program(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::istringstream dirs(path ? path : "/usr/bin:/bin");
    for (std::string dir; std::getline(dirs, dir, ':');) {
        fs::path candidate = fs::path(dir) / name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
    return "";
}

void write_file(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    ASSERT_TRUE(out.good()) << path;
}

TEST(Procedure, TextFitsOnePageAndNamesVersionDigestAndCase) {
    const std::string tool_sha = file_sha256(irsnap_binary());
    for (const std::string platform : {"linux", "windows"}) {
        auto run = run_command({irsnap_binary(), "procedure", "--case-id", "CASE-2026-17",
                                "--examiner", "A. Analyst", "--platform", platform});
        ASSERT_EQ(run.exit_code, 0) << run.err;
        const auto lines = split_lines(run.out);
        EXPECT_LE(lines.size(), 60u) << run.out;
        for (const auto& line : lines) EXPECT_LE(columns(line), 100u) << line;
        EXPECT_NE(run.out.find(std::string("irsnap ") + build::k_version), std::string::npos);
        // This (Linux) irsnap is not the irsnap.exe on a Windows stick: no digest there.
        EXPECT_EQ(run.out.find(tool_sha) != std::string::npos, platform == "linux") << run.out;
        EXPECT_NE(run.out.find("CASE-2026-17"), std::string::npos);
        EXPECT_NE(run.out.find("A. Analyst"), std::string::npos);
        EXPECT_NE(run.out.find(platform == "linux" ? "sudo sh -c '" : "irsnap.exe"),
                  std::string::npos);
        for (const char* field :
             {"Case id", "Evidence id", "Host name", "Collected by", "Date/time (UTC)",
              "Bundle name", "Manifest SHA-256", "Handed to", "Custody line_sha256", "Signature"}) {
            EXPECT_NE(run.out.find(field), std::string::npos) << field;
        }
    }
    // Whoever prepares the stick compares this line with the page.
    auto version = run_command({irsnap_binary(), "--version"});
    EXPECT_NE(version.out.find("sha256: " + tool_sha + "\n"), std::string::npos) << version.out;
    auto blank = run_command({irsnap_binary(), "procedure"});
    ASSERT_EQ(blank.exit_code, 0);
    EXPECT_EQ(blank.out.find("CASE-"), std::string::npos);
    // A very long case id is cut, so the page keeps its width.
    auto wide = run_command({irsnap_binary(), "procedure", "--case-id", std::string(300, 'X')});
    for (const auto& line : split_lines(wide.out)) EXPECT_LE(columns(line), 100u) << line;
    EXPECT_EQ(run_command({irsnap_binary(), "procedure", "--format", "pdf"}).exit_code, 2);
    EXPECT_EQ(run_command({irsnap_binary(), "procedure", "--platform", "macos"}).exit_code, 2);
}

TEST(Procedure, ToolDigestIsTheStickExecutablesNeverAnotherPlatforms) {
    TempDir tmp("irsnap-proc");
    const std::string own_sha = file_sha256(irsnap_binary());
    // The Windows page from the Linux irsnap: a blank to fill in, and how.
    auto blank = run_command({irsnap_binary(), "procedure", "--platform", "windows"});
    ASSERT_EQ(blank.exit_code, 0) << blank.err;
    EXPECT_EQ(blank.out.find(own_sha), std::string::npos) << blank.out;
    EXPECT_NE(blank.out.find("Tool SHA-256: " + std::string(64, '_') + "\n"), std::string::npos)
        << blank.out;
    EXPECT_NE(blank.out.find("`irsnap.exe --version` on the stick prints"), std::string::npos)
        << blank.out;
    EXPECT_EQ(blank.out.find("`irsnap --version`"), std::string::npos) << blank.out;
    EXPECT_NE(blank.err.find("--binary irsnap.exe"), std::string::npos) << blank.err;
    EXPECT_EQ(blank.err.find("not available"), std::string::npos) << blank.err;
    auto html =
        run_command({irsnap_binary(), "procedure", "--platform", "windows", "--format", "html"});
    EXPECT_EQ(html.out.find(own_sha), std::string::npos);
    EXPECT_NE(html.out.find("irsnap.exe --version"), std::string::npos);

    // --binary: that file's digest, when its format is the page's platform.
    const fs::path exe = tmp.path() / "irsnap.exe";
    write_file(exe,
               std::string("MZ\x90\0\x03\0\0\0", 8) + "This program cannot be run in DOS mode");
    const std::string exe_sha = file_sha256(exe);
    for (const std::string format : {"txt", "html"}) {
        auto page = run_command({irsnap_binary(), "procedure", "--platform", "windows", "--binary",
                                 exe.string(), "--format", format});
        ASSERT_EQ(page.exit_code, 0) << page.err;
        EXPECT_NE(page.out.find(exe_sha), std::string::npos) << page.out;
        EXPECT_EQ(page.out.find(own_sha), std::string::npos);
        EXPECT_NE(page.out.find("`irsnap.exe --version` on the stick must print"),
                  std::string::npos)
            << page.out;
    }
    auto linux_page = run_command({irsnap_binary(), "procedure", "--binary", irsnap_binary()});
    ASSERT_EQ(linux_page.exit_code, 0) << linux_page.err;
    EXPECT_NE(linux_page.out.find(own_sha), std::string::npos);
    // A file of the wrong format for the page is refused: one line, exit 2, no page.
    for (const auto& [platform, file] : std::vector<std::pair<std::string, std::string>>{
             {"windows", irsnap_binary()},
             {"linux", exe.string()},
             {"linux", (tmp.path() / "none").string()}}) {
        if (platform == "linux" && file.ends_with("none")) write_file(file, "#!/bin/sh\n");
        auto refused =
            run_command({irsnap_binary(), "procedure", "--platform", platform, "--binary", file});
        EXPECT_EQ(refused.exit_code, 2) << platform << " " << file << ": " << refused.err;
        EXPECT_TRUE(refused.out.empty());
        EXPECT_EQ(std::count(refused.err.begin(), refused.err.end(), '\n'), 1) << refused.err;
    }
    EXPECT_EQ(
        run_command({irsnap_binary(), "procedure", "--binary", (tmp.path() / "missing").string()})
            .exit_code,
        2);
}

/// The command lines of the Linux page's step 4, as printed (without the indent).
std::vector<std::string> linux_command_lines(const std::string& page) {
    std::vector<std::string> out;
    for (const auto& line : split_lines(page)) {
        const size_t at = line.find_first_not_of(' ');
        if (at == std::string::npos) continue;
        if (out.empty() && line.compare(at, 11, "sudo sh -c ") != 0) continue;
        out.push_back(line.substr(at));
        if (out.size() == 2) break;
    }
    return out;
}

TEST(Procedure, LinuxCommandRunsFromANoexecStick) {
    // A FAT stick mounted by udisks (showexec) drops the execute bit, so `sudo ./irsnap` failed.
    // vfat cannot be mounted here (the kernel lacks it), so the stick is a tmpfs mounted noexec
    // with irsnap at mode 0644: stricter, since even an executable file cannot be run from it.
    // The exact lines from the page run in bash, as root, in a private mount namespace with its
    // own /dev/shm; the bundle must land on the stick and verify, and /dev/shm be left empty.
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (mount namespace, tmpfs mounts)";
    const std::string unshare = find_program("unshare");
    IRSNAP_NEED_TOOL(!unshare.empty(), "unshare (util-linux)");
    auto page = run_command({irsnap_binary(), "procedure"});
    ASSERT_EQ(page.exit_code, 0);
    const auto lines = linux_command_lines(page.out);
    ASSERT_EQ(lines.size(), 2u) << page.out;
    EXPECT_EQ(page.out.find("sudo ./irsnap"), std::string::npos) << page.out;

    TempDir tmp("irsnap-stick");
    const fs::path stick = tmp.path() / "media-usb";
    const fs::path shim = tmp.path() / "bin";
    const fs::path copy = tmp.path() / "copy";
    fs::create_directories(stick);
    fs::create_directories(shim);
    fs::create_directories(copy);
    // Root's sudo is a pass-through; where sudo is not installed, a shim stands in for it.
    write_file(shim / "sudo", "#!/bin/sh\nexec \"$@\"\n");
    fs::permissions(shim / "sudo", fs::perms::owner_all | fs::perms::group_read |
                                       fs::perms::group_exec | fs::perms::others_read |
                                       fs::perms::others_exec);
    const std::string script = R"(
set -e
mount --make-rprivate /
mount -t tmpfs -o noexec,mode=0755 stick "$STICK"
mount -t tmpfs -o mode=1777 shm /dev/shm
cp "$IRSNAP" "$STICK/irsnap"
chmod 0644 "$STICK/irsnap"
cd "$STICK"
if ./irsnap --version >/dev/null 2>&1; then echo "the stick lets irsnap run"; exit 90; fi
command -v sudo >/dev/null || PATH="$SHIM:$PATH"
set +e
bash -c "$COMMAND"
echo "exit=$?"
echo "shm=[$(ls -A /dev/shm)]"
cp -a "$STICK"/. "$COPY"/
)";
    const std::string command = lines[0] + "\n" + lines[1];
    auto run = run_command({"/usr/bin/env", "STICK=" + stick.string(),
                            std::string("IRSNAP=") + irsnap_binary(), "SHIM=" + shim.string(),
                            "COPY=" + copy.string(), "COMMAND=" + command, unshare, "-m", "/bin/sh",
                            "-c", script});
    ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
    EXPECT_TRUE(run.out.find("exit=0\n") != std::string::npos ||
                run.out.find("exit=1\n") != std::string::npos)
        << run.out << run.err;
    EXPECT_NE(run.out.find("shm=[]\n"), std::string::npos) << run.out;
    EXPECT_NE(run.err.find("DONE  bundle: " + stick.string() + "/"), std::string::npos) << run.err;
    // The stick's content, copied out of the namespace: the binary and one bundle.
    std::vector<fs::path> bundles;
    for (const auto& e : fs::directory_iterator(copy)) {
        if (e.is_directory()) bundles.push_back(e.path());
    }
    ASSERT_EQ(bundles.size(), 1u) << run.err;
    EXPECT_TRUE(fs::exists(copy / "irsnap"));
    auto verified = run_command({irsnap_binary(), "verify", bundles[0].string()});
    EXPECT_EQ(verified.exit_code, 0) << verified.out;
    const json manifest = json::parse(read_text_file(bundles[0] / "manifest.json"));
    EXPECT_EQ(manifest["tool"]["executable"].get<std::string>().rfind("/dev/shm/", 0), 0u);
    EXPECT_EQ(manifest["tool"]["executable_sha256"], file_sha256(irsnap_binary()));
}

TEST(Procedure, SampleOutputMatchesWhatCollectPrints) {
    TempDir tmp("irsnap-proc");
    auto collect = run_command({irsnap_binary(), "collect", "-o", (tmp.path() / "out").string(),
                                "--collectors", "system"});
    ASSERT_TRUE(collect.exit_code == 0 || collect.exit_code == 1) << collect.err;
    auto page = run_command({irsnap_binary(), "procedure"});
    for (const char* text : {"DONE  bundle: ", "      manifest SHA-256: ",
                             "      write this digest on the custody form.\n"}) {
        EXPECT_NE(collect.err.find(text), std::string::npos)
            << "collect no longer prints: " << text;
        EXPECT_NE(page.out.find(text), std::string::npos) << "procedure lacks: " << text;
    }
}

/// Pages of a PDF: pdfinfo when installed, and always the page objects themselves.
int pdf_pages(const fs::path& pdf) {
    const std::string bytes = read_text_file(pdf);
    int objects = 0;
    for (size_t at = bytes.find("/Type /Page"); at != std::string::npos;
         at = bytes.find("/Type /Page", at + 1)) {
        if (bytes.compare(at, 12, "/Type /Pages") != 0) ++objects;
    }
    const std::string pdfinfo = find_program("pdfinfo");
    // poppler-utils comes with install-deps.sh --test: under IRSNAP_REQUIRE_TOOLS it must be here.
    EXPECT_FALSE(pdfinfo.empty() && tools_required()) << "pdfinfo (poppler-utils) is missing";
    if (!pdfinfo.empty()) {
        auto info = run_command({pdfinfo, pdf.string()});
        const size_t at = info.out.find("Pages:");
        EXPECT_NE(at, std::string::npos) << info.out << info.err;
        if (at != std::string::npos) {
            EXPECT_EQ(std::atoi(info.out.c_str() + at + 6), objects);
        }
    }
    return objects;
}

TEST(Procedure, HtmlIsSelfContainedAndPrintsOnOnePage) {
    TempDir tmp("irsnap-proc");
    for (const std::string platform : {"linux", "windows"}) {
        auto run =
            run_command({irsnap_binary(), "procedure", "--format", "html", "--platform", platform,
                         "--case-id", "CASE<1>&\"x\"", "--examiner", "A. Analyst"});
        ASSERT_EQ(run.exit_code, 0) << run.err;
        const std::string& html = run.out;
        EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
        for (const char* external : {"http:", "https:", "src=", "<link", "@import", "url("}) {
            EXPECT_EQ(html.find(external), std::string::npos) << external;
        }
        EXPECT_NE(html.find("@media print"), std::string::npos);
        EXPECT_NE(html.find("CASE&lt;1&gt;&amp;&quot;x&quot;"), std::string::npos);
        EXPECT_EQ(html.find("CASE<1>"), std::string::npos);
        // The Windows page of this Linux irsnap leaves the tool digest blank (see above).
        EXPECT_EQ(html.find(file_sha256(irsnap_binary())) != std::string::npos,
                  platform == "linux");
        write_file(tmp.path() / (platform + ".html"), html);
    }

    const std::string chromium = find_program("chromium");
    IRSNAP_NEED_TOOL(!chromium.empty(), "chromium (the one-page PDF check)");
    const std::string timeout = find_program("timeout");
    // Letter is shorter and A4 narrower: the page must fit both.
    for (const std::string platform : {"linux", "windows"}) {
        for (const std::string paper : {"letter", "A4"}) {
            const std::string html = read_text_file(tmp.path() / (platform + ".html"));
            const fs::path page = tmp.path() / (platform + "_" + paper + ".html");
            const fs::path pdf = tmp.path() / (platform + "_" + paper + ".pdf");
            std::string forced = html;
            forced.insert(forced.find("</head>"), "<style>@page { size: " + paper + "; }</style>");
            write_file(page, forced);
            std::vector<std::string> argv = {chromium, "--headless", "--no-sandbox",
                                             "--disable-gpu", "--print-to-pdf=" + pdf.string(),
                                             // Containers often have a tiny /dev/shm.
                                             "--disable-dev-shm-usage",
                                             // The profile stays in the temp dir, not $HOME.
                                             "--user-data-dir=" + (tmp.path() / "profile").string(),
                                             page.string()};
            if (!timeout.empty()) argv.insert(argv.begin(), {timeout, "120"});
            auto run = run_command(argv, tmp.path().string());
            ASSERT_TRUE(fs::exists(pdf))
                << "chromium made no PDF (exit " << run.exit_code << "): " << run.err;
            EXPECT_EQ(pdf_pages(pdf), 1) << platform << " on " << paper;
        }
    }
}

fs::path collect_small(const TempDir& tmp) {
    auto run = run_command({irsnap_binary(), "collect", "-o", (tmp.path() / "out").string(),
                            "--collectors", "system", "-q"});
    EXPECT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.err;
    return only_bundle(tmp.path() / "out");
}

RunResult record(const fs::path& bundle, const std::string& by, const std::string& to) {
    return run_command({irsnap_binary(), "custody", bundle.string(), "--event", "transferred",
                        "--by", by, "--to", to, "--note", "sealed bag 7", "--json"});
}

TEST(CustodyCli, AppendedEventsChainAndVerify) {
    TempDir tmp("irsnap-custody");
    const fs::path bundle = collect_small(tmp);
    auto first = record(bundle, "A. Analyst", "B. Courier");
    ASSERT_EQ(first.exit_code, 0) << first.err;
    EXPECT_NE(first.err.find("write this digest on the custody form"), std::string::npos);
    auto second = record(bundle, "B. Courier", "C. Lab");
    ASSERT_EQ(second.exit_code, 0) << second.err;

    const std::string log = read_text_file(bundle / "custody.jsonl");
    const auto lines = split_lines(log);
    ASSERT_EQ(lines.size(), 2u) << log;
    EXPECT_EQ(fs::status(bundle / "custody.jsonl").permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);

    json manifest = json::parse(read_text_file(bundle / "manifest.json"));
    json e1 = json::parse(lines[0]), e2 = json::parse(lines[1]);
    EXPECT_EQ(e1["sequence"], 2);
    EXPECT_EQ(e2["sequence"], 3);
    EXPECT_EQ(e1["previous_sha256"], sha256_hex(manifest["custody"][0].dump() + "\n"));
    EXPECT_EQ(e2["previous_sha256"], sha256_hex(lines[0] + "\n"));
    EXPECT_EQ(e1["manifest_sha256"], file_sha256(bundle / "manifest.json"));
    EXPECT_EQ(e2["by"], "B. Courier");
    EXPECT_EQ(json::parse(second.out)["line_sha256"], sha256_hex(lines[1] + "\n"));

    // One digest to write down, under one name: the console says "line_sha256" with the value
    // --json gives that name, which is what the next event links to (not the line's own
    // event_sha256, a different value).
    const std::string first_line_sha = sha256_hex(lines[0] + "\n");
    EXPECT_EQ(json::parse(first.out)["line_sha256"], first_line_sha);
    EXPECT_NE(first.err.find("      line_sha256: " + first_line_sha + "\n"), std::string::npos)
        << first.err;
    EXPECT_EQ(first.err.find("event SHA-256"), std::string::npos) << first.err;
    EXPECT_NE(e1["event_sha256"], first_line_sha);
    EXPECT_EQ(e2["previous_sha256"], first_line_sha);

    auto verified = run_command({irsnap_binary(), "verify", bundle.string()});
    EXPECT_EQ(verified.exit_code, 0) << verified.out;
}

TEST(CustodyCli, EditedFirstEventFailsVerifyNamingLineOne) {
    TempDir tmp("irsnap-custody");
    const fs::path bundle = collect_small(tmp);
    ASSERT_EQ(record(bundle, "A. Analyst", "B. Courier").exit_code, 0);
    ASSERT_EQ(record(bundle, "B. Courier", "C. Lab").exit_code, 0);
    std::string log = read_text_file(bundle / "custody.jsonl");
    const size_t at = log.find("B. Courier");  // in line 1
    ASSERT_LT(at, log.find('\n'));
    log[at] = 'P';
    {
        std::ofstream out(bundle / "custody.jsonl", std::ios::binary | std::ios::trunc);
        out << log;
    }
    auto verified = run_command({irsnap_binary(), "verify", bundle.string()});
    EXPECT_EQ(verified.exit_code, 5) << verified.out;
    EXPECT_NE(verified.out.find("custody.jsonl line 1: edited"), std::string::npos) << verified.out;
    EXPECT_EQ(verified.out.find("custody.jsonl line 2"), std::string::npos) << verified.out;

    // Nothing is appended to a bundle that does not verify.
    auto refused = record(bundle, "C. Lab", "D. Archive");
    EXPECT_EQ(refused.exit_code, 5) << refused.err;
    EXPECT_EQ(read_text_file(bundle / "custody.jsonl"), log);
}

TEST(CustodyCli, ChangedManifestIsAWrongDigestForEveryEvent) {
    TempDir tmp("irsnap-custody");
    const fs::path bundle = collect_small(tmp);
    ASSERT_EQ(record(bundle, "A. Analyst", "B. Courier").exit_code, 0);
    // Rewrite the manifest and its .sha256 consistently: only the custody log still knows.
    std::string manifest = read_text_file(bundle / "manifest.json");
    manifest.insert(manifest.size() - 2, " ");
    {
        std::ofstream out(bundle / "manifest.json", std::ios::binary | std::ios::trunc);
        out << manifest;
    }
    {
        std::ofstream out(bundle / "manifest.json.sha256", std::ios::binary | std::ios::trunc);
        out << sha256_hex(manifest) << "  manifest.json\n";
    }
    auto verified = run_command({irsnap_binary(), "verify", bundle.string()});
    EXPECT_EQ(verified.exit_code, 5) << verified.out;
    EXPECT_NE(verified.out.find("custody.jsonl line 1: wrong manifest digest"), std::string::npos)
        << verified.out;
}

TEST(CustodyCli, UsageErrors) {
    TempDir tmp("irsnap-custody");
    const fs::path bundle = collect_small(tmp);
    auto no_to = run_command(
        {irsnap_binary(), "custody", bundle.string(), "--event", "transferred", "--by", "A"});
    EXPECT_EQ(no_to.exit_code, 2);
    auto bad_event = run_command(
        {irsnap_binary(), "custody", bundle.string(), "--event", "Moved!", "--by", "A"});
    EXPECT_EQ(bad_event.exit_code, 2);
    auto file = run_command({irsnap_binary(), "custody", (bundle / "manifest.json").string(),
                             "--event", "examined", "--by", "A"});
    EXPECT_EQ(file.exit_code, 2);
    EXPECT_NE(file.err.find("unpack"), std::string::npos) << file.err;
    EXPECT_FALSE(fs::exists(bundle / "custody.jsonl"));
    auto examined = run_command(
        {irsnap_binary(), "custody", bundle.string(), "--event", "examined", "--by", "A"});
    EXPECT_EQ(examined.exit_code, 0) << examined.err;
}

}  // namespace
}  // namespace irsnap::test
