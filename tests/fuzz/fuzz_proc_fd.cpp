// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: /proc/PID/fdinfo/N and fd link texts (socket links, descriptor kinds).
#include <string>

#include "fuzz_common.hpp"
#include "irsnap/linux/proc_fd.hpp"

using namespace irsnap::procfs;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = irsnap::fuzz::as_text(data, size);
    if (auto info = parse_proc_pid_fdinfo(text)) {
        FUZZ_CHECK(text.find("pos:") != std::string_view::npos);
        FUZZ_CHECK(text.find("flags:") != std::string_view::npos);
        const std::string flags = describe_open_flags(info->flags);
        FUZZ_CHECK(flags.rfind("O_", 0) == 0);
    }
    if (auto inode = parse_socket_link(text)) {
        FUZZ_CHECK(text.rfind("socket:[", 0) == 0 && text.back() == ']');
    }
    const uint32_t mode = size >= 4 ? static_cast<uint32_t>(data[0]) << 12 : 0;
    const auto kind = classify_fd(text, mode, size % 3, size % 2 == 0);
    FUZZ_CHECK(!kind.type.empty());
    FUZZ_CHECK(kind.anon_kind.empty() || kind.type == "anon_inode");
    return 0;
}
