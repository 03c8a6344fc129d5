// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: irsnap's own IP text parser and formatter, differentially against glibc's
// inet_pton / inet_ntop (the Windows build cannot use those on hosts-file text, so it must agree
// with them exactly), and the hosts-file parser built on it.
#include <arpa/inet.h>

#include <cstring>
#include <string>

#include "fuzz_common.hpp"
#include "irsnap/hosts_file.hpp"
#include "irsnap/ip_text.hpp"

using namespace irsnap;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = fuzz::as_text(data, size);
    if (size <= 64 && std::memchr(data, 0, size) == nullptr) {
        const std::string s(text);
        unsigned char raw4[4], raw6[16];
        const bool libc4 = inet_pton(AF_INET, s.c_str(), raw4) == 1;
        const bool libc6 = inet_pton(AF_INET6, s.c_str(), raw6) == 1;
        const auto own4 = ip::parse_ipv4(text);
        const auto own6 = ip::parse_ipv6(text);
        FUZZ_CHECK(libc4 == own4.has_value());
        FUZZ_CHECK(libc6 == own6.has_value());
        if (libc4) FUZZ_CHECK(std::memcmp(raw4, own4->data(), 4) == 0);
        if (libc6) FUZZ_CHECK(std::memcmp(raw6, own6->data(), 16) == 0);
    }
    if (size >= 16) {
        char buf[INET6_ADDRSTRLEN];
        FUZZ_CHECK(inet_ntop(AF_INET6, data, buf, sizeof buf) != nullptr);
        FUZZ_CHECK(ip::format_ipv6(data) == buf);
    }
    for (const auto& e : etc::parse_etc_hosts(text)) {
        FUZZ_CHECK(ip::is_ip_literal(e.address) && !e.names.empty());
    }
    return 0;
}
