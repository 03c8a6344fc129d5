// SPDX-License-Identifier: Apache-2.0
// One JSON object written straight to text, for collectors that emit tens of thousands of records
// (one per open descriptor): building an nlohmann::json tree per record cost more than reading
// the descriptor. The text is byte-for-byte what nlohmann::json::dump() gives for the same object
// (keys sorted, no spaces, UTF-8 kept), so artifacts do not depend on which path wrote them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace irsnap {

class JsonLine {
  public:
    /// Keys must be distinct and must outlive finish(): string literals or long-lived strings.
    JsonLine& field(std::string_view key, std::string_view text);
    JsonLine& field(std::string_view key, const char* text) {
        return field(key, std::string_view(text));
    }
    JsonLine& field(std::string_view key, const std::string& text) {
        return field(key, std::string_view(text));
    }
    JsonLine& field(std::string_view key, int64_t number);
    JsonLine& field(std::string_view key, uint64_t number);
    JsonLine& field(std::string_view key, int32_t number) {
        return field(key, static_cast<int64_t>(number));
    }
    JsonLine& field(std::string_view key, uint32_t number) {
        return field(key, static_cast<uint64_t>(number));
    }
    JsonLine& field(std::string_view key, bool value);
    JsonLine& null_field(std::string_view key);
    JsonLine& field(std::string_view key, const std::vector<std::string>& texts);
    /// `json_text` is already valid JSON (e.g. an nlohmann dump): inserted as it is.
    JsonLine& raw_field(std::string_view key, std::string_view json_text);

    bool has(std::string_view key) const;
    /// The object as one line without the newline. The builder is empty afterwards.
    std::string finish();

  private:
    struct Member {
        std::string_view key;
        size_t offset;
        size_t size;
    };
    void add(std::string_view key, size_t offset);

    std::vector<Member> m_members;
    std::string m_values;  ///< every rendered value, back to back
};

/// Appends `text` as a JSON string literal, quotes included, exactly as nlohmann::json::dump()
/// with error_handler_t::replace would (invalid UTF-8 becomes U+FFFD).
void append_json_string(std::string& out, std::string_view text);

}  // namespace irsnap
