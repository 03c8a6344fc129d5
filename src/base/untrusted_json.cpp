// SPDX-License-Identifier: Apache-2.0
#include "irsnap/untrusted_json.hpp"

#include <algorithm>

namespace irsnap {
namespace {

/// An output adapter that keeps the first `limit` bytes and then stops the serializer (by
/// throwing), so a huge value costs only what is kept.
class BoundedOutput final : public nlohmann::detail::output_adapter_protocol<char> {
  public:
    struct Full {};
    BoundedOutput(std::string& out, size_t limit) : m_out(out), m_limit(limit) {}
    void write_character(char c) override {
        if (m_out.size() >= m_limit) throw Full{};
        m_out.push_back(c);
    }
    void write_characters(const char* s, std::size_t length) override {
        const size_t room = m_limit - std::min(m_limit, m_out.size());
        m_out.append(s, std::min(room, length));
        if (length > room) throw Full{};
    }

  private:
    std::string& m_out;
    size_t m_limit;
};

}  // namespace

bool json_depth_within(std::string_view text, size_t max_depth) {
    size_t depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (const char c : text) {
        if (c == '\0') return false;
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        switch (c) {
            case '"':
                in_string = true;
                break;
            case '[':
            case '{':
                if (++depth > max_depth) return false;
                break;
            case ']':
            case '}':
                if (depth > 0) --depth;  // unbalanced: the parser rejects it
                break;
            default:
                break;
        }
    }
    return true;
}

nlohmann::json parse_untrusted_json(std::string_view text, size_t max_depth) {
    if (!json_depth_within(text, max_depth))
        return nlohmann::json(nlohmann::json::value_t::discarded);
    // The whole view is one document: the strict parser rejects trailing non-whitespace, and
    // json_depth_within has already refused the NUL it would take for the end.
    return nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
}

std::string describe_json(const nlohmann::json& value, size_t max_bytes) {
    constexpr std::string_view k_cut = "...";
    std::string out;
    if (max_bytes <= k_cut.size()) return std::string(k_cut.substr(0, max_bytes));
    const size_t keep = max_bytes - k_cut.size();
    // One byte past `keep` tells "exactly fits" from "cut".
    auto adapter = std::make_shared<BoundedOutput>(out, keep + 1);
    try {
        nlohmann::detail::serializer<nlohmann::json> s(adapter, ' ',
                                                       nlohmann::json::error_handler_t::replace);
        s.dump(value, false, false, 0);
    } catch (const BoundedOutput::Full&) {  // NOLINT(bugprone-empty-catch): the cut is the point
    }
    if (out.size() <= keep) return out;
    out.resize(keep);
    // Never end inside a UTF-8 sequence: find the last lead byte and drop an unfinished one.
    size_t lead = out.size();
    while (lead > 0 && out.size() - lead < 4 &&
           (static_cast<unsigned char>(out[lead - 1]) & 0xC0) == 0x80) {
        --lead;
    }
    if (lead > 0) {
        const auto b = static_cast<unsigned char>(out[lead - 1]);
        const size_t length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
        if (lead - 1 + length > out.size()) out.resize(lead - 1);
    }
    out += k_cut;
    return out;
}

}  // namespace irsnap
