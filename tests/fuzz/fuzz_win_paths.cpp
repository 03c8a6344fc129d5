// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the Windows name normalisers. Object and driver names are chosen by whoever
// creates the pipe, file or service, so they are untrusted text. The first byte picks the
// function; for the two that take a second input (the Windows directory, a drive table), the
// text before the first newline is that input.
#include <algorithm>
#include <set>
#include <string>

#include "fuzz_common.hpp"
#include "irsnap/windows/win_driver_path.hpp"
#include "irsnap/windows/win_object_path.hpp"

using namespace irsnap::win;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const std::string_view text = irsnap::fuzz::as_text(data + 1, size - 1);
    const auto newline = text.find('\n');
    const std::string_view head = newline == std::string_view::npos ? "" : text.substr(0, newline);
    const std::string_view body =
        newline == std::string_view::npos ? text : text.substr(newline + 1);
    switch (data[0] % 3) {
        case 0: {
            if (auto path = normalize_driver_path(body, head)) {
                FUZZ_CHECK(!path->empty());
                FUZZ_CHECK(path->find('/') == std::string::npos);
                FUZZ_CHECK(path->size() <= body.size() + head.size() + 1);
            }
            break;
        }
        case 1: {
            // The head is a drive table: "C:=\Device\HarddiskVolume3;D:=..." (';'-separated).
            std::vector<DosDevice> drives;
            size_t longest = 0;
            for (size_t start = 0; start <= head.size();) {
                const auto end = std::min(head.find(';', start), head.size());
                const std::string_view entry = head.substr(start, end - start);
                if (const auto eq = entry.find('='); eq != std::string_view::npos) {
                    drives.push_back(
                        {std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1))});
                    longest = std::max(longest, eq);
                }
                start = end + 1;
            }
            if (auto path = nt_path_to_win32(body, drives)) {
                FUZZ_CHECK(path->size() <= body.size() + longest + 2);
            }
            break;
        }
        default: {
            static const std::set<std::string> k_types{"pipe", "socket", "file", "char_device",
                                                       "unknown"};
            FUZZ_CHECK(k_types.count(file_object_type(body, data[0] & 0x80)) == 1);
            break;
        }
    }
    return 0;
}
