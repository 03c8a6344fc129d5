// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: /proc/PID/stat, plus tty_name and capability_names on what it yields.
#include "fuzz_common.hpp"
#include "irsnap/linux/procfs.hpp"

using namespace irsnap::procfs;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = irsnap::fuzz::as_text(data, size);
    auto st = parse_proc_pid_stat(text);
    if (!st) return 0;
    // comm is exactly what lies between the first '(' and the LAST ')'.
    const size_t open = text.find('(');
    const size_t close = text.rfind(')');
    FUZZ_CHECK(open != std::string_view::npos && close != std::string_view::npos && open < close);
    FUZZ_CHECK(st->comm == text.substr(open + 1, close - open - 1));
    // The state is one non-blank character taken from after the comm.
    FUZZ_CHECK(st->state != ' ' && st->state != '\t' && st->state != '\n');
    FUZZ_CHECK(text.find(st->state, close) != std::string_view::npos);

    const std::string tty = tty_name(st->tty_nr);
    FUZZ_CHECK(tty.empty() == (st->tty_nr == 0));
    const auto caps = capability_names(st->flags);
    FUZZ_CHECK(caps.size() == static_cast<size_t>(__builtin_popcountll(st->flags)));
    return 0;
}
