// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the streaming tar reader (verify and unpack read streams from anywhere).
#include <string>

#include "fuzz_common.hpp"
#include "irsnap/tar_reader.hpp"

namespace {

struct Counting : irsnap::TarVisitor {
    uint64_t announced = 0;
    uint64_t received = 0;
    bool open = false;
    uint64_t ended = 0;
    void begin(const irsnap::TarMember& m) override {
        FUZZ_CHECK(!open);
        open = true;
        announced = m.size;
        received = 0;
    }
    void data(std::string_view bytes) override {
        FUZZ_CHECK(open && !bytes.empty());
        received += bytes.size();
        FUZZ_CHECK(received <= announced);
    }
    void end() override {
        FUZZ_CHECK(open && received == announced);
        open = false;
        ++ended;
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view bytes = irsnap::fuzz::as_text(data, size);
    // The same input in one piece and in odd pieces must end the same way.
    Counting whole, pieces;
    irsnap::TarReader a(whole), b(pieces);
    a.feed(bytes);
    for (size_t i = 0; i < bytes.size(); i += 7) b.feed(bytes.substr(i, 7));
    const irsnap::TarEnd& x = a.finish();
    const irsnap::TarEnd& y = b.finish();
    FUZZ_CHECK(x.offset == y.offset && x.error == y.error && x.end_marker == y.end_marker);
    FUZZ_CHECK(x.last_complete == y.last_complete && x.members == y.members);
    FUZZ_CHECK(x.members == whole.ended);
    FUZZ_CHECK(x.offset <= size);
    FUZZ_CHECK(x.cut_member_bytes <= x.cut_member_size);
    FUZZ_CHECK(!x.describe().empty());
    return 0;
}
