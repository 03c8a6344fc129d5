// SPDX-License-Identifier: Apache-2.0
// The kernel state rules (rules_kernel_state.cpp) over literal records: what must fire, what
// must not, and at which urgency.
#include <gtest/gtest.h>

#include "analysis/rules.hpp"
#include "irsnap/triage.hpp"
#include "triage_test_util.hpp"

namespace irsnap::triage {
namespace {

using nlohmann::json;

using test::input_of;
using test::of_rule;

TEST(KernelStateRules, TaintLogAndHardening) {
    auto in = input_of(
        {{"kernel_state",
          {
              R"({"kind":"setting","name":"kernel.tainted","value":"12288","taint_flags":[{"bit":12,"letter":"O"},{"bit":13,"letter":"E"}]})",
              R"({"kind":"setting","name":"kernel.kptr_restrict","value":"0","value_int":0})",
              R"({"kind":"setting","name":"kernel.unprivileged_bpf_disabled","value":"2","value_int":2})",
              R"({"kind":"log","seq":7,"time":"2026-12-05T10:00:00.000000Z","message":"rk: module verification failed: signature and/or required key missing - tainting kernel","flags":["module_verification_failed"]})",
              R"({"kind":"log","seq":8,"message":"hook[9] is installing a program with bpf_probe_write_user helper that may corrupt user memory!","flags":["bpf_probe_write_user"]})",
              R"({"kind":"log","seq":9,"message":"e1000e: link up","flags":[]})",
              R"({"kind":"setting","name":"kernel.tainted","value":"512","taint_flags":[{"bit":9,"letter":"W"}]})",
          }}});
    // The taint mask is IRS-KRN-001's (kernel_modules): no second finding for the same fact.
    EXPECT_TRUE(of_rule(in, "IRS-KST-001").empty());
    auto unsigned_module = of_rule(in, "IRS-KST-002");
    ASSERT_EQ(unsigned_module.size(), 1u);
    EXPECT_EQ(unsigned_module[0].evidence[0].line, 4u);
    auto bpf = of_rule(in, "IRS-KST-003");
    ASSERT_EQ(bpf.size(), 1u);
    EXPECT_EQ(bpf[0].urgency, Urgency::critical);
    auto hardening = of_rule(in, "IRS-KST-007");
    ASSERT_EQ(hardening.size(), 1u);  // kptr_restrict 0; unprivileged BPF is disabled (2)
    EXPECT_NE(hardening[0].why.find("kernel.kptr_restrict"), std::string::npos);
}

TEST(KernelStateRules, ProgramsTheKernelRuns) {
    auto in = input_of(
        {{"autoruns",
          {
              R"({"category":"core_pattern","source_path":"/proc/sys/kernel/core_pattern","command":"/usr/lib/systemd/systemd-coredump %P %u","target_path":"/usr/lib/systemd/systemd-coredump"})",
              R"({"category":"core_pattern","source_path":"/proc/sys/kernel/core_pattern","command":"/tmp/.x/crash %p","target_path":"/tmp/.x/crash"})",
              R"({"category":"core_pattern","source_path":"/proc/sys/kernel/core_pattern","command":"/opt/systemd-coredump","target_path":null})",
              R"({"category":"binfmt_misc","command":"/usr/bin/qemu-arm-static","target_path":"/usr/bin/qemu-arm-static","target_package_verdict":"verified","details":{"name":"qemu-arm"}})",
              R"({"category":"binfmt_misc","command":"/dev/shm/i","target_path":"/dev/shm/i","details":{"name":"zz"}})",
              R"({"category":"binfmt_misc","command":"/opt/x/interp","target_path":"/opt/x/interp","target_package_verdict":"unowned","details":{"name":"x"}})",
              R"({"category":"kernel_modprobe","command":"/sbin/modprobe","target_path":"/usr/bin/kmod"})",
              R"({"category":"kernel_modprobe","command":"/var/lib/.m/modprobe","target_path":null})",
              R"({"category":"uevent_helper","source_path":"/sys/kernel/uevent_helper","command":"/sbin/hotplug"})",
          }}});
    auto core = of_rule(in, "IRS-KST-004");
    ASSERT_EQ(core.size(), 2u);  // systemd-coredump in /usr/lib is known; /opt is not
    EXPECT_NE(core[0].why.find("temporary or hidden"), std::string::npos);
    auto binfmt = of_rule(in, "IRS-KST-005");
    ASSERT_EQ(binfmt.size(), 2u);
    EXPECT_EQ(binfmt[0].urgency, Urgency::critical);
    EXPECT_NE(binfmt[0].why.find("/dev/shm/i"), std::string::npos);
    EXPECT_EQ(binfmt[1].urgency, Urgency::medium);  // unowned, in no temporary place
    auto helpers = of_rule(in, "IRS-KST-006");
    ASSERT_EQ(helpers.size(), 2u);  // the default modprobe is not listed
    EXPECT_NE(helpers[0].why.find("/var/lib/.m/modprobe"), std::string::npos);
    EXPECT_NE(helpers[1].why.find("/sbin/hotplug"), std::string::npos);
}

}  // namespace
}  // namespace irsnap::triage

namespace irsnap::triage {
namespace {

TEST(KernelStateRules, AModuleHookingASystemCallThroughFtraceIsCritical) {
    auto in = test::input_of(
        {{"kernel_state",
          {
              R"({"kind":"ftrace_hook","name":"__x64_sys_getdents64","hook_flags":["R","I"],"callbacks":["hp_ftrace_thunk","ftrace_ops_assist_func"],"modules":["hide_pid"]})",
              R"({"kind":"ftrace_hook","name":"cmdline_proc_show","hook_flags":["R","I"],"callbacks":["livepatch_cmdline_proc_show"],"modules":["livepatch_sample"]})",
              R"({"kind":"ftrace_hook","name":"__x64_sys_openat","hook_flags":["D"],"callbacks":["bpf_trampoline_6442"],"modules":[]})",
          }}});
    auto hooks = test::of_rule(in, "IRS-KST-008");
    ASSERT_EQ(hooks.size(), 2u);  // the kernel's own trampoline (no module) is not one
    EXPECT_EQ(hooks[0].urgency, Urgency::critical);
    EXPECT_NE(hooks[0].why.find("__x64_sys_getdents64 by module hide_pid"), std::string::npos);
    EXPECT_EQ(hooks[1].urgency, Urgency::medium);  // a live patch's kind of hook
}

}  // namespace
}  // namespace irsnap::triage
