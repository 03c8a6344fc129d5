// SPDX-License-Identifier: Apache-2.0
#include "irsnap/json_line.hpp"

#include <algorithm>
#include <cassert>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace irsnap {

void append_json_string(std::string& out, std::string_view text) {
    // The common case (plain ASCII path or name) is copied; anything that needs escaping or is
    // not ASCII goes through nlohmann's serializer, which is the reference for the exact bytes.
    const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u >= 0x20 && u < 0x80 && c != '"' && c != '\\';
    });
    if (plain) {
        out.push_back('"');
        out.append(text);
        out.push_back('"');
        return;
    }
    out += nlohmann::json(std::string(text))
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void JsonLine::add(std::string_view key, size_t offset) {
    assert(!has(key));
    m_members.push_back({key, offset, m_values.size() - offset});
}

JsonLine& JsonLine::field(std::string_view key, std::string_view text) {
    const size_t offset = m_values.size();
    append_json_string(m_values, text);
    add(key, offset);
    return *this;
}

JsonLine& JsonLine::field(std::string_view key, int64_t number) {
    const size_t offset = m_values.size();
    fmt::format_to(std::back_inserter(m_values), "{}", number);
    add(key, offset);
    return *this;
}

JsonLine& JsonLine::field(std::string_view key, uint64_t number) {
    const size_t offset = m_values.size();
    fmt::format_to(std::back_inserter(m_values), "{}", number);
    add(key, offset);
    return *this;
}

JsonLine& JsonLine::field(std::string_view key, bool value) {
    return raw_field(key, value ? "true" : "false");
}

JsonLine& JsonLine::null_field(std::string_view key) {
    return raw_field(key, "null");
}

JsonLine& JsonLine::field(std::string_view key, const std::vector<std::string>& texts) {
    const size_t offset = m_values.size();
    m_values.push_back('[');
    for (size_t i = 0; i < texts.size(); ++i) {
        if (i) m_values.push_back(',');
        append_json_string(m_values, texts[i]);
    }
    m_values.push_back(']');
    add(key, offset);
    return *this;
}

JsonLine& JsonLine::raw_field(std::string_view key, std::string_view json_text) {
    const size_t offset = m_values.size();
    m_values.append(json_text);
    add(key, offset);
    return *this;
}

bool JsonLine::has(std::string_view key) const {
    return std::any_of(m_members.begin(), m_members.end(),
                       [&](const Member& m) { return m.key == key; });
}

std::string JsonLine::finish() {
    // nlohmann's object is a std::map<std::string, ...>: keys in byte order.
    std::sort(m_members.begin(), m_members.end(),
              [](const Member& a, const Member& b) { return a.key < b.key; });
    std::string out;
    out.reserve(m_values.size() + m_members.size() * 16 + 2);
    out.push_back('{');
    for (size_t i = 0; i < m_members.size(); ++i) {
        if (i) out.push_back(',');
        append_json_string(out, m_members[i].key);
        out.push_back(':');
        out.append(m_values, m_members[i].offset, m_members[i].size);
    }
    out.push_back('}');
    m_members.clear();
    m_values.clear();
    return out;
}

}  // namespace irsnap
