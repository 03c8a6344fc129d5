// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: authorized_keys lines (quoted options) and the key fingerprint.
#include <string>

#include "fuzz_common.hpp"
#include "irsnap/hash.hpp"
#include "irsnap/linux/autoruns_parsers.hpp"

using namespace irsnap::autoruns;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    irsnap::init_crypto();
    const std::string_view text = irsnap::fuzz::as_text(data, size);
    for (const auto& k : parse_authorized_keys(text).keys) {
        FUZZ_CHECK(!k.key_type.empty() && !k.key_base64.empty() && !k.text.empty());
        for (const auto& [name, value] : k.options) FUZZ_CHECK(!name.empty());
        const std::string fp = ssh_key_fingerprint(k.key_base64);
        // SHA256: and 43 unpadded base64 characters, or nothing when the blob does not decode.
        FUZZ_CHECK(fp.empty() || (fp.size() == 50 && fp.rfind("SHA256:", 0) == 0));
    }
    if (auto decoded = decode_base64(text)) FUZZ_CHECK(decoded->size() <= text.size());
    return 0;
}
