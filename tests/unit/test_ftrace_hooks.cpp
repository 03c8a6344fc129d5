// SPDX-License-Identifier: Apache-2.0
// tracefs's enabled_functions over literal text: the lines a module's ftrace hook, a BPF
// trampoline and a kprobe leave, and lines that are not hooks.
#include <gtest/gtest.h>

#include "irsnap/linux/ftrace_hooks.hpp"

namespace irsnap {
namespace {

using Strings = std::vector<std::string>;

TEST(FtraceHooks, AModulesHookNamesItsCallbackAndModule) {
    const std::string text =
        "__x64_sys_getdents64 (1) R I   \ttramp: 0xffffffffc0201000 "
        "(hp_ftrace_thunk+0x0/0x60 [hide_pid]) ->ftrace_ops_assist_func+0x0/0x110\n"
        "__x64_sys_openat (1)       D   \tdirect-->bpf_trampoline_6442505024+0x0/0x1000\n"
        "do_sys_openat2 (1)    R          \tkprobe_ftrace_handler+0x0/0x1a0 ->"
        "arch_ftrace_ops_list_func+0x0/0x210\n";
    size_t malformed = 9;
    const auto hooks = ftrace::parse_enabled_functions(text, &malformed);
    EXPECT_EQ(malformed, 0u);
    ASSERT_EQ(hooks.size(), 3u);
    EXPECT_EQ(hooks[0].function, "__x64_sys_getdents64");
    EXPECT_EQ(hooks[0].count, 1u);
    EXPECT_EQ(hooks[0].flags, (Strings{"R", "I"}));
    EXPECT_EQ(hooks[0].callbacks, (Strings{"hp_ftrace_thunk", "ftrace_ops_assist_func"}));
    EXPECT_EQ(hooks[0].modules, (Strings{"hide_pid"}));
    EXPECT_EQ(hooks[1].flags, (Strings{"D"}));
    EXPECT_EQ(hooks[1].callbacks, (Strings{"bpf_trampoline_6442505024"}));
    EXPECT_TRUE(hooks[1].modules.empty());
    EXPECT_EQ(hooks[2].callbacks, (Strings{"kprobe_ftrace_handler", "arch_ftrace_ops_list_func"}));
}

TEST(FtraceHooks, LinesThatAreNotHooksAreCountedNotGuessed) {
    size_t malformed = 0;
    const auto hooks = ftrace::parse_enabled_functions(
        "no count here\n(3) no function\n\nschedule (2)\nbad [mod with space] (x\n", &malformed);
    ASSERT_EQ(hooks.size(), 1u);
    EXPECT_EQ(hooks[0].function, "schedule");
    EXPECT_EQ(hooks[0].count, 2u);
    EXPECT_TRUE(hooks[0].modules.empty());
    EXPECT_EQ(malformed, 3u);
}

}  // namespace
}  // namespace irsnap
