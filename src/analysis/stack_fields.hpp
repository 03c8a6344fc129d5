// SPDX-License-Identifier: Apache-2.0
// Reads a few top-level fields of a JSON line without building a tree: stacking touches every
// record of every bundle and needs only a handful of scalars from each.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace irsnap::stack {

class LineFields {
  public:
    /// `keys`: the top-level keys to keep, slot i for keys[i]. Views must outlive the object.
    explicit LineFields(std::span<const std::string_view> keys);

    /// Parses one line. False when it is not exactly one JSON object; the slots are then empty.
    bool parse(std::string_view json_text);

    /// The string at slot `i`; nullopt when absent, null or not a string.
    std::optional<std::string_view> text(size_t i) const;
    std::string_view text_or(size_t i) const { return text(i).value_or(std::string_view()); }
    /// The integer at slot `i`; nullopt when absent or not an integer.
    std::optional<int64_t> number(size_t i) const;
    /// True only for a JSON true.
    bool flag(size_t i) const;

  private:
    enum class Type : uint8_t { absent, text, number, flag };
    struct Value {
        Type type = Type::absent;
        std::string text;  ///< capacity reused from line to line
        int64_t number = 0;
        bool flag = false;
    };
    class Scanner;

    std::unordered_map<std::string_view, size_t> m_slot_of;
    std::vector<Value> m_values;
};

}  // namespace irsnap::stack
