// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the mount half of the hidden-process judge. mountinfo text (untrusted: any
// user can mount with odd names in its own namespace) is parsed and searched for mounts that
// cover the proc root; the first byte picks how the proc root is spelled.
#include "fuzz_common.hpp"
#include "irsnap/linux/hidden_pids.hpp"

using namespace irsnap;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    static const char* const k_roots[] = {"/proc", "/proc/", "/", "/mnt/proc"};
    const std::string root = k_roots[data[0] % 4];
    const std::string_view text = fuzz::as_text(data + 1, size - 1);
    const auto mounts = procfs::parse_proc_pid_mountinfo(text);
    std::string bare = root;
    while (bare.size() > 1 && bare.back() == '/') bare.pop_back();
    const std::string prefix = bare == "/" ? bare : bare + "/";
    for (const auto& f : hidden::find_covering_mounts(mounts, root)) {
        FUZZ_CHECK(f.mount.has_value());
        FUZZ_CHECK(!f.why.empty());
        const std::string& point = f.mount->mount_point;
        if (f.kind == hidden::k_kind_proc_covered) {
            FUZZ_CHECK(point == bare && !f.pid);
        } else if (f.kind == hidden::k_kind_dir_covered) {
            FUZZ_CHECK(point.rfind(prefix, 0) == 0 && f.pid && *f.pid > 0);
            const std::string rest = point.substr(prefix.size());
            FUZZ_CHECK(rest.substr(0, rest.find('/')) == std::to_string(*f.pid));
        } else {
            FUZZ_CHECK(f.kind == hidden::k_kind_entry_covered);
            FUZZ_CHECK(point.rfind(prefix, 0) == 0 && !f.pid);
        }
    }
    if (auto hidepid = hidden::proc_hidepid(mounts, root)) {
        FUZZ_CHECK(*hidepid != "0" && *hidepid != "off");
        FUZZ_CHECK(hidepid->find(',') == std::string::npos);
    }
    // A pid name is a canonical decimal: it prints back to the same text.
    if (auto pid = hidden::parse_pid_name(text)) FUZZ_CHECK(std::to_string(*pid) == text);
    return 0;
}
