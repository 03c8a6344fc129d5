// SPDX-License-Identifier: Apache-2.0
#include "irsnap/linux/autoruns_parsers.hpp"
#include "irsnap/linux/autoruns_text.hpp"

namespace irsnap::autoruns {
namespace {

/// sh: a backslash escapes the next character, so a line continues only when it ends in an odd
/// number of them.
bool continues(std::string_view line) {
    size_t n = 0;
    while (n < line.size() && line[line.size() - 1 - n] == '\\') ++n;
    return n % 2 == 1;
}

/// Cuts `s` to `max_bytes`, moving back to the start of a UTF-8 character when the cut would
/// split one (at most three bytes: text that is not UTF-8 is cut where it is).
void cut_to(std::string& s, size_t max_bytes) {
    size_t end = max_bytes;
    for (int i = 0; i < 3 && end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80; ++i) {
        --end;
    }
    if (end == 0 || (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) end = max_bytes;
    s.resize(end);
}

}  // namespace

ScriptLines parse_script_lines(std::string_view text, size_t max_lines, size_t max_line_bytes) {
    ScriptLines out;
    if (text.substr(0, k_script_binary_probe_bytes).find('\0') != std::string_view::npos) {
        out.binary = true;
        return out;
    }
    // Bytes held for a line while it is joined: enough to know it must be cut, never the whole
    // of a line a crafted file continues for megabytes.
    const size_t hold = max_line_bytes + 4;
    std::string logical;
    size_t first = 0;
    size_t number = 0;
    bool continuing = false;
    bool cut = false;
    auto emit = [&] {
        continuing = false;
        std::string_view trimmed = detail::trim(logical);
        // A lone backslash joined to a blank or a comment line leaves no code.
        if (trimmed.empty() || trimmed.front() == '#') return;
        std::string kept(trimmed);
        if (kept.size() > max_line_bytes) {
            cut_to(kept, max_line_bytes);
            while (!kept.empty() && detail::is_blank(kept.back())) kept.pop_back();
            cut = true;
            if (kept.empty()) {  // max_line_bytes 0: nothing of a line fits
                out.cut_lines = true;
                return;
            }
        }
        out.cut_lines = out.cut_lines || cut;
        out.lines.push_back({first, std::move(kept)});
    };
    while (!text.empty()) {
        const size_t nl = text.find('\n');
        std::string_view raw = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
        ++number;
        if (raw.find('\0') != std::string_view::npos) {
            // A payload after the script (self-extracting archives): the code ends here.
            if (continuing) emit();
            out.binary_from = number;
            return out;
        }
        std::string_view piece = raw;
        if (!continuing) {
            piece = detail::trim(raw);
            if (piece.empty() || piece.front() == '#') continue;
            if (out.lines.size() >= max_lines) {
                out.more_lines = true;
                return out;
            }
            logical.clear();
            first = number;
            cut = false;
        }
        const bool more = continues(piece);
        if (more) piece.remove_suffix(1);
        const size_t room = logical.size() < hold ? hold - logical.size() : 0;
        if (piece.size() > room) cut = true;
        logical.append(piece.substr(0, room));
        continuing = more;
        if (!more) emit();
    }
    if (continuing) emit();  // the file ended inside a continued line
    return out;
}

}  // namespace irsnap::autoruns
