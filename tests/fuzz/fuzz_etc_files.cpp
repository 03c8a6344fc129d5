// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: /etc/os-release and the /etc/hosts FQDN lookup.
#include <algorithm>
#include <string>

#include "fuzz_common.hpp"
#include "irsnap/linux/etc_files.hpp"

using namespace irsnap::etc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = irsnap::fuzz::as_text(data, size);

    for (const auto& [key, value] : parse_etc_os_release(text)) {
        FUZZ_CHECK(!key.empty() && key.find('=') == std::string::npos);
        FUZZ_CHECK(key.find('\n') == std::string::npos && value.find('\n') == std::string::npos);
    }

    // The first line (up to 64 bytes) names the host; the rest is the hosts file.
    const size_t nl = text.find('\n');
    const std::string hostname(text.substr(0, std::min<size_t>(nl, 64)));
    const std::string_view hosts = nl == std::string_view::npos ? "" : text.substr(nl + 1);
    const std::string fqdn = fqdn_from_etc_hosts(hosts, hostname);
    // Either the name itself, or a longer name that starts with "<hostname>.".
    FUZZ_CHECK(fqdn == hostname || fqdn.rfind(hostname + ".", 0) == 0);
    return 0;
}
