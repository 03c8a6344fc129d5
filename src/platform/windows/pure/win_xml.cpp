// SPDX-License-Identifier: Apache-2.0
#include "irsnap/windows/win_xml.hpp"

#include "irsnap/windows/win_reg_value.hpp"

namespace irsnap::autoruns_win {
namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool ends_name(char c) {
    return is_space(c) || c == '/' || c == '>' || c == '=' || c == '<';
}

/// "t:Task" -> "Task". A name that ends in ':' (malformed) stays whole: an empty name would make
/// an element no reader can name (found by fuzz_win_task_xml: a trigger with no type).
std::string local_name(std::string_view qualified) {
    const size_t colon = qualified.rfind(':');
    if (colon == std::string_view::npos || colon + 1 == qualified.size()) {
        return std::string(qualified);
    }
    return std::string(qualified.substr(colon + 1));
}

std::string trimmed(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return std::string(s);
}

/// Reads the attributes of a start tag from `pos` up to and including its '>'. Returns whether
/// the tag closes itself ("/>").
bool read_attributes(std::string_view t, size_t& pos, XmlElement& e) {
    while (pos < t.size()) {
        const char c = t[pos];
        if (is_space(c)) {
            ++pos;
        } else if (c == '>') {
            ++pos;
            return false;
        } else if (c == '/' && pos + 1 < t.size() && t[pos + 1] == '>') {
            pos += 2;
            return true;
        } else if (c == '<') {
            return false;  // a broken tag: let the main loop read the next one
        } else {
            const size_t start = pos;
            while (pos < t.size() && !ends_name(t[pos])) ++pos;
            std::string name = local_name(t.substr(start, pos - start));
            if (pos == start) ++pos;  // a stray '/' or '=': skip it
            while (pos < t.size() && is_space(t[pos])) ++pos;
            std::string value;
            if (pos < t.size() && t[pos] == '=') {
                ++pos;
                while (pos < t.size() && is_space(t[pos])) ++pos;
                if (pos < t.size() && (t[pos] == '"' || t[pos] == '\'')) {
                    const char quote = t[pos++];
                    size_t end = t.find(quote, pos);
                    if (end == std::string_view::npos) end = t.size();
                    value = decode_entities(t.substr(pos, end - pos));
                    pos = end == t.size() ? end : end + 1;
                } else {
                    const size_t vstart = pos;
                    while (pos < t.size() && !is_space(t[pos]) && t[pos] != '>') ++pos;
                    value = decode_entities(t.substr(vstart, pos - vstart));
                }
            }
            if (!name.empty()) e.attributes.emplace_back(std::move(name), std::move(value));
        }
    }
    return false;
}

}  // namespace

const XmlElement* XmlElement::child(std::string_view wanted) const {
    for (const auto& c : children) {
        if (c.name == wanted) return &c;
    }
    return nullptr;
}

std::string XmlElement::child_text(std::string_view wanted) const {
    const XmlElement* c = child(wanted);
    return c ? trimmed(c->text) : std::string();
}

std::optional<std::string> XmlElement::attribute(std::string_view wanted) const {
    for (const auto& [k, v] : attributes) {
        if (k == wanted) return v;
    }
    return std::nullopt;
}

std::string decode_entities(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    size_t i = 0;
    while (i < text.size()) {
        const size_t amp = text.find('&', i);
        if (amp == std::string_view::npos) break;
        out.append(text.substr(i, amp - i));
        // Entities are short: looking further would make "&&&&..." quadratic.
        const size_t near = text.substr(amp, 13).find(';');
        const size_t semi = near == std::string_view::npos ? near : amp + near;
        i = amp + 1;
        if (semi == std::string_view::npos) {
            out.push_back('&');
            continue;
        }
        const std::string_view name = text.substr(amp + 1, semi - amp - 1);
        static constexpr std::pair<std::string_view, char> k_named[] = {
            {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
        bool done = false;
        for (const auto& [n, c] : k_named) {
            if (name == n) {
                out.push_back(c);
                done = true;
            }
        }
        if (!done && name.size() >= 2 && name[0] == '#') {
            const bool hex = name[1] == 'x' || name[1] == 'X';
            const std::string_view digits = name.substr(hex ? 2 : 1);
            uint32_t cp = 0;
            bool ok = !digits.empty();
            for (char c : digits) {
                int d = c >= '0' && c <= '9'          ? c - '0'
                        : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                      : -1;
                if (d < 0 || cp > 0x10FFFF) ok = false;
                if (!ok) break;
                cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(d);
            }
            if (ok) {
                append_utf8(out, cp == 0 ? 0xFFFD : cp);
                done = true;
            }
        }
        if (done) {
            i = semi + 1;
        } else {
            out.push_back('&');  // unknown: kept as written
        }
    }
    out.append(text.substr(std::min(i, text.size())));
    return out;
}

std::string decode_xml_bytes(std::string_view b, std::string& encoding) {
    auto starts = [&](std::string_view p) { return b.substr(0, p.size()) == p; };
    if (starts("\xFF\xFE") || (b.size() >= 2 && b[0] != '\0' && b[1] == '\0')) {
        encoding = "utf-16le";
        return utf16_to_utf8(b.substr(starts("\xFF\xFE") ? 2 : 0));
    }
    if (starts("\xFE\xFF") || (b.size() >= 2 && b[0] == '\0' && b[1] != '\0')) {
        encoding = "utf-16be";
        return utf16_to_utf8(b.substr(starts("\xFE\xFF") ? 2 : 0), true);
    }
    encoding = "utf-8";
    return sanitize_utf8(b.substr(starts("\xEF\xBB\xBF") ? 3 : 0));
}

XmlDocument parse_xml(std::string_view t, size_t max_depth, size_t max_elements) {
    XmlDocument doc;
    std::vector<XmlElement> stack;  // open elements, innermost last
    size_t elements = 0;
    auto fail = [&](std::string what) {
        if (doc.error.empty()) doc.error = std::move(what);
    };
    auto close_top = [&]() {
        XmlElement done = std::move(stack.back());
        stack.pop_back();
        if (!stack.empty()) {
            stack.back().children.push_back(std::move(done));
        } else if (!doc.root) {
            doc.root = std::move(done);
        } else {
            fail("more than one top-level element");
        }
    };
    auto skip_past = [&](size_t& pos, std::string_view end) {
        const size_t at = t.find(end, pos);
        pos = at == std::string_view::npos ? t.size() : at + end.size();
        return at != std::string_view::npos;
    };
    size_t pos = 0;
    while (pos < t.size()) {
        if (t[pos] != '<') {
            size_t next = t.find('<', pos);
            if (next == std::string_view::npos) next = t.size();
            if (!stack.empty()) stack.back().text += decode_entities(t.substr(pos, next - pos));
            pos = next;
            continue;
        }
        const std::string_view rest = t.substr(pos);
        if (rest.substr(0, 4) == "<!--") {
            pos += 4;
            if (!skip_past(pos, "-->")) fail("unterminated comment");
        } else if (rest.substr(0, 9) == "<![CDATA[") {
            pos += 9;
            const size_t end = t.find("]]>", pos);
            const size_t stop = end == std::string_view::npos ? t.size() : end;
            if (!stack.empty()) stack.back().text.append(t.substr(pos, stop - pos));
            if (end == std::string_view::npos) fail("unterminated CDATA");
            pos = end == std::string_view::npos ? t.size() : end + 3;
        } else if (rest.substr(0, 2) == "<?") {
            pos += 2;
            if (!skip_past(pos, "?>")) fail("unterminated processing instruction");
        } else if (rest.substr(0, 2) == "<!") {
            pos += 2;
            if (!skip_past(pos, ">")) fail("unterminated declaration");
        } else if (rest.substr(0, 2) == "</") {
            pos += 2;
            const size_t start = pos;
            while (pos < t.size() && !ends_name(t[pos])) ++pos;
            const std::string name = local_name(t.substr(start, pos - start));
            skip_past(pos, ">");
            size_t match = stack.size();
            while (match > 0 && stack[match - 1].name != name) --match;
            if (match == 0) {
                fail("end tag </" + name + "> without a start tag");
                continue;
            }
            if (match != stack.size()) fail("unclosed element <" + stack.back().name + ">");
            while (stack.size() >= match) close_top();
        } else {
            ++pos;
            const size_t start = pos;
            while (pos < t.size() && !ends_name(t[pos])) ++pos;
            if (pos == start) {  // "<" followed by nothing usable: character data
                if (!stack.empty()) stack.back().text.push_back('<');
                continue;
            }
            if (stack.size() >= max_depth || elements >= max_elements) {
                fail(stack.size() >= max_depth ? "nesting deeper than the limit"
                                               : "more elements than the limit");
                break;
            }
            ++elements;
            XmlElement e;
            e.name = local_name(t.substr(start, pos - start));
            const bool empty = read_attributes(t, pos, e);
            stack.push_back(std::move(e));
            if (empty) close_top();
        }
    }
    if (!stack.empty()) fail("unclosed element <" + stack.back().name + ">");
    while (!stack.empty()) close_top();
    return doc;
}

}  // namespace irsnap::autoruns_win
