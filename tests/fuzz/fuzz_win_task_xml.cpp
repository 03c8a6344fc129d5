// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: scheduled task XML (any encoding) and the XML reader under it.
#include <string>

#include "fuzz_common.hpp"
#include "irsnap/windows/win_reg_value.hpp"
#include "irsnap/windows/win_task_xml.hpp"
#include "irsnap/windows/win_xml.hpp"

using namespace irsnap::autoruns_win;

namespace {

bool valid_utf8(const std::string& s) {
    return sanitize_utf8(s) == s;
}

size_t count(const XmlElement& e, size_t depth, size_t& max_depth) {
    if (depth > max_depth) max_depth = depth;
    size_t n = 1;
    for (const auto& c : e.children) n += count(c, depth + 1, max_depth);
    return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view bytes = irsnap::fuzz::as_text(data, size);
    const TaskDefinition d = parse_task_xml(bytes);
    FUZZ_CHECK(d.encoding == "utf-8" || d.encoding == "utf-16le" || d.encoding == "utf-16be");
    for (const auto& a : d.actions) {
        FUZZ_CHECK(!a.kind.empty());
        FUZZ_CHECK(a.command.size() <= 2048 && a.arguments.size() <= 2048);
        FUZZ_CHECK(valid_utf8(a.command) && valid_utf8(a.arguments) && valid_utf8(a.class_id));
    }
    for (const auto& t : d.triggers) FUZZ_CHECK(!t.type.empty() && valid_utf8(t.user_id));
    FUZZ_CHECK(valid_utf8(d.user_id) && valid_utf8(d.uri));
    // The reader's own bounds, on the bytes taken as UTF-8 text.
    const XmlDocument doc = parse_xml(bytes, 8, 100);
    if (doc.root) {
        size_t depth = 0;
        FUZZ_CHECK(count(*doc.root, 1, depth) <= 100);
        FUZZ_CHECK(depth <= 8);
    }
    return 0;
}
