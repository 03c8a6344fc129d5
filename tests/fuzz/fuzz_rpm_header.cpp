// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: an rpm package header as the rpm database stores it (rpmdb.sqlite's
// Packages.blob). Seeds: a header rpmbuild wrote (the unit test's fixture package) and a legacy
// one with OLDFILENAMES and no region.
#include <span>

#include "fuzz_common.hpp"
#include "irsnap/linux/rpm_header.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto parsed = irsnap::rpm::parse_rpm_header(std::span<const uint8_t>(data, size));
    if (!parsed) {
        FUZZ_CHECK(parsed.error().stage == "parse");
        FUZZ_CHECK(!parsed.error().message.empty());
        return 0;
    }
    const auto& h = *parsed;
    // Only a blob whose intro matches its size parses, and a package always has a name.
    FUZZ_CHECK(size >= 8 && !h.name.empty());
    FUZZ_CHECK(h.digest_algorithm.size() >= 3);
    // Every file costs at least two bytes of data (a NUL-terminated name, or a one-byte basename
    // and its four-byte directory index): the list cannot outgrow the input.
    FUZZ_CHECK(h.files.size() <= size / 2);
    for (const auto& f : h.files) {
        FUZZ_CHECK(!f.path.empty());
        // A path is a dirname and a basename, each a string of the blob.
        FUZZ_CHECK(f.path.size() <= 2 * size);
        FUZZ_CHECK(f.path.find('\0') == std::string::npos);
        FUZZ_CHECK(f.digest.size() < size);
    }
    return 0;
}
