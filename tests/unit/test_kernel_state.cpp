// SPDX-License-Identifier: Apache-2.0
// The kernel_state parsers (/dev/kmsg records, lockdown, sysctl values) and the kernel-run
// programs of autoruns (binfmt_misc, core_pattern) over literal text, and both collectors over
// the "kstate" fixture tree.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "autoruns/autoruns.hpp"
#include "fixture_util.hpp"
#include "irsnap/linux/autoruns_parsers.hpp"
#include "irsnap/linux/kernel_state.hpp"
#include "kernel_state/kernel_state.hpp"

namespace irsnap::test {
namespace {

using nlohmann::json;

TEST(KmsgRecord, PrefixMessageAndProperties) {
    auto r = procfs::parse_dev_kmsg_record(
        "12,2045,70174379440,c,more;evil: module verification failed: signature and/or "
        "required key missing - tainting kernel\\x0a\n SUBSYSTEM=module\n DEVICE=+module:evil\n");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->facility, 1u);
    EXPECT_EQ(r->level, 4u);
    EXPECT_EQ(r->seq, 2045u);
    EXPECT_EQ(r->usec, 70174379440u);
    EXPECT_EQ(r->flag, "c");
    // The kernel's own \x0a escape stays text; the message ends at the real newline.
    EXPECT_EQ(r->message.substr(r->message.size() - 4), "\\x0a");
    ASSERT_EQ(r->properties.size(), 2u);
    EXPECT_EQ(r->properties[1].first, "DEVICE");
    EXPECT_EQ(r->properties[1].second, "+module:evil");
    EXPECT_EQ(procfs::kmsg_markers(r->message),
              (std::vector<std::string>{"module_verification_failed"}));

    auto plain = procfs::parse_dev_kmsg_record("6,1,0,-;a;b");  // ';' in the message is text
    ASSERT_TRUE(plain.has_value());
    EXPECT_EQ(plain->message, "a;b");
    EXPECT_EQ(plain->facility, 0u);
    for (const char* bad : {"", "6,1,0;x\n", "x,1,0,-;m", "6,1,0,;m", "6,1,-5,-;m", "no prefix"}) {
        EXPECT_FALSE(procfs::parse_dev_kmsg_record(bad).has_value()) << bad;
    }
}

TEST(KmsgRecord, MarkersOfBpfAndLockdown) {
    EXPECT_EQ(procfs::kmsg_markers("hook[42] is installing a program with bpf_probe_write_user "
                                   "helper that may corrupt user memory!"),
              (std::vector<std::string>{"bpf_probe_write_user"}));
    EXPECT_EQ(procfs::kmsg_markers("Lockdown: insmod: unsigned module loading is restricted"),
              (std::vector<std::string>{"lockdown"}));
    EXPECT_EQ(procfs::kmsg_markers("rk: loading out-of-tree module taints kernel."),
              (std::vector<std::string>{"taints_kernel"}));
    EXPECT_TRUE(procfs::kmsg_markers("e1000e: link up").empty());
}

TEST(KernelSettings, LockdownAndSysctlValues) {
    std::vector<std::string> modes;
    EXPECT_EQ(
        procfs::parse_sys_kernel_security_lockdown("none [integrity] confidentiality\n", &modes),
        "integrity");
    EXPECT_EQ(modes, (std::vector<std::string>{"none", "integrity", "confidentiality"}));
    EXPECT_FALSE(procfs::parse_sys_kernel_security_lockdown("none integrity\n").has_value());
    EXPECT_FALSE(procfs::parse_sys_kernel_security_lockdown("[]\n").has_value());
    EXPECT_EQ(procfs::parse_proc_sys_value("4\t4\t1\t7\n"), "4\t4\t1\t7");
    EXPECT_EQ(procfs::parse_proc_sys_integer("-1\n"), -1);
    EXPECT_FALSE(procfs::parse_proc_sys_integer("4\t4\n").has_value());
    EXPECT_FALSE(procfs::parse_proc_sys_integer("\n").has_value());
}

TEST(KernelHelpers, BinfmtMiscEntriesAndCorePattern) {
    auto magic = autoruns::parse_binfmt_misc_entry(
        "enabled\ninterpreter /usr/bin/qemu arm\nflags: OCF\noffset 0\nmagic 7f454c46\n"
        "mask ffffffff\n");
    EXPECT_EQ(magic.enabled, true);
    EXPECT_EQ(magic.interpreter, "/usr/bin/qemu arm");
    EXPECT_EQ(magic.flags, "OCF");
    EXPECT_EQ(magic.offset, 0u);
    EXPECT_EQ(magic.magic, "7f454c46");
    EXPECT_EQ(magic.mask, "ffffffff");
    EXPECT_EQ(magic.malformed, 0u);
    auto ext = autoruns::parse_binfmt_misc_entry(
        "disabled\ninterpreter /tmp/x\nflags: \nextension .zz\noffset x\nbogus\n");
    EXPECT_EQ(ext.enabled, false);
    EXPECT_EQ(ext.flags, "");
    EXPECT_EQ(ext.extension, ".zz");
    EXPECT_FALSE(ext.offset.has_value());
    EXPECT_EQ(ext.malformed, 2u);

    EXPECT_EQ(autoruns::core_pattern_pipe_command("|/usr/share/apport/apport -p%p %s\n"),
              "/usr/share/apport/apport -p%p %s");
    EXPECT_EQ(autoruns::core_pattern_pipe_command("| /x\n"), "/x");
    EXPECT_FALSE(autoruns::core_pattern_pipe_command("core.%p\n").has_value());
    EXPECT_FALSE(autoruns::core_pattern_pipe_command(" |/x\n").has_value());
}

const json* setting(const MemorySink& sink, const std::string& name) {
    for (const auto& r : sink.records) {
        if (r["kind"] == "setting" && r["name"] == name) return &r;
    }
    return nullptr;
}

TEST(KernelStateCollector, SettingsOverFixture) {
    TempDir tmp("irsnap-kstate");
    materialise_fixture("kstate", tmp.path());
    MemorySink sink;
    collectors::collect_kernel_state(fixture_context(tmp.path()), sink);
    EXPECT_TRUE(sink.errors.empty());
    const json* tainted = setting(sink, "kernel.tainted");
    ASSERT_NE(tainted, nullptr);
    EXPECT_EQ((*tainted)["value_int"], 12289);
    std::string letters;
    for (const auto& f : (*tainted)["taint_flags"]) letters += f["letter"].get<std::string>();
    EXPECT_EQ(letters, "POE");
    const json* lockdown = setting(sink, "security.lockdown");
    ASSERT_NE(lockdown, nullptr);
    EXPECT_EQ((*lockdown)["value"], "integrity");
    EXPECT_EQ((*lockdown)["path"], "/sys/kernel/security/lockdown");
    const json* absent = setting(sink, "kernel.modules_disabled");
    ASSERT_NE(absent, nullptr);
    EXPECT_EQ((*absent)["status"], "absent");
    EXPECT_TRUE((*absent)["value"].is_null());
    EXPECT_EQ((*setting(sink, "kernel.kptr_restrict"))["value"], "0");
    // A fixture is no running kernel: no log, and a note says so.
    for (const auto& r : sink.records) EXPECT_EQ(r["kind"], "setting");
    ASSERT_EQ(sink.notes.size(), 1u);
    EXPECT_NE(sink.notes[0].find("not the live /proc"), std::string::npos);
}

TEST(AutorunsKernelHelpers, OverFixture) {
    TempDir tmp("irsnap-kstate");
    materialise_fixture("kstate", tmp.path());
    MemorySink sink;
    collectors::collect_autoruns(fixture_context(tmp.path()), sink);
    std::map<std::string, std::vector<json>> by_category;
    for (const auto& r : sink.records) by_category[r["category"].get<std::string>()].push_back(r);
    ASSERT_EQ(by_category["core_pattern"].size(), 1u);
    const json& core = by_category["core_pattern"][0];
    EXPECT_EQ(core["source_path"], "/proc/sys/kernel/core_pattern");
    EXPECT_EQ(core["command"], "/tmp/.x/crash %p %s");
    EXPECT_EQ(core["target_path"], "/tmp/.x/crash");
    EXPECT_EQ(core["target_exists"], true);
    EXPECT_TRUE(core["mtime"].is_null());  // a /proc file's times say nothing about changes
    ASSERT_EQ(by_category["kernel_modprobe"].size(), 1u);
    EXPECT_EQ(by_category["kernel_modprobe"][0]["target_path"], "/tmp/.x/modprobe");
    EXPECT_EQ(by_category["kernel_modprobe"][0]["target_exists"], false);
    ASSERT_EQ(by_category["uevent_helper"].size(), 1u);  // hotplug is empty: sysfs only
    EXPECT_EQ(by_category["uevent_helper"][0]["source_path"], "/sys/kernel/uevent_helper");
    const auto& binfmt = by_category["binfmt_misc"];
    ASSERT_EQ(binfmt.size(), 2u);  // register and status are not entries
    EXPECT_EQ(binfmt[0]["details"]["name"], "qemu-arm");
    EXPECT_EQ(binfmt[0]["details"]["flags"], "OCF");
    EXPECT_EQ(binfmt[0]["target_path"], "/usr/bin/qemu-arm-static");
    EXPECT_TRUE(binfmt[0]["target_sha256"].is_null());  // hashing is off in a bare context
    EXPECT_EQ(binfmt[1]["details"]["extension"], ".zz");
    EXPECT_EQ(binfmt[1]["enabled"], true);
    EXPECT_EQ(binfmt[1]["target_path"], "/tmp/.x/interp");

    // An automount systemd has not triggered yet is left alone: opening it would mount.
    std::filesystem::create_directories(tmp.path() / "proc/self");
    std::ofstream(tmp.path() / "proc/self/mountinfo")
        << "40 22 0:35 / /proc/sys/fs/binfmt_misc rw,relatime shared:13 - autofs systemd-1 "
           "rw,fd=29,pgrp=1,timeout=0,minproto=5,maxproto=5,direct\n";
    MemorySink again;
    collectors::collect_autoruns(fixture_context(tmp.path()), again);
    for (const auto& r : again.records) EXPECT_NE(r["category"], "binfmt_misc");
    ASSERT_EQ(again.notes.size(), 1u);
    EXPECT_NE(again.notes[0].find("automount"), std::string::npos);
}

}  // namespace
}  // namespace irsnap::test
