// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: command line -> target path, environment expansion and NT path forms. The
// "file system" says a path exists when its length is a multiple of 3, so every branch is taken.
#include <string>

#include "fuzz_common.hpp"
#include "irsnap/windows/win_command_target.hpp"

using namespace irsnap::autoruns_win;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = irsnap::fuzz::as_text(data, size);
    TargetOptions o;
    o.search_dirs = {"C:\\Windows\\System32", "C:\\Windows"};
    size_t asked = 0;
    auto exists = [&](const std::string& p) {
        ++asked;
        return p.size() % 3 == 0;
    };
    for (bool service : {false, true}) {
        o.relative_to_system_root = service;
        asked = 0;
        auto t = command_target(text, o, exists);
        // Bounded tries: at most 64 prefixes, each in 2 dirs with and without .exe, plus the
        // fallback and a DLL.
        FUZZ_CHECK(asked <= 64 * 4 + 8);
        if (t) FUZZ_CHECK(t->arguments.size() <= text.size());
    }
    const std::string expanded = expand_environment(text, [](const std::string& name) {
        return name.size() == 1 ? std::optional<std::string>("X") : std::nullopt;
    });
    FUZZ_CHECK(expanded.size() <= text.size());  // every expansion here shortens %N% to X
    normalize_windows_path(text, "C:\\Windows", true);
    return 0;
}
