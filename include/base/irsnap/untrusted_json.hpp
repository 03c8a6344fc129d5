// SPDX-License-Identifier: Apache-2.0
// JSON from a bundle nobody vouches for: every analyst-side parse goes through here. nlohmann's
// parser is iterative, but destroying, copying and dumping a value recurse once per level, so a
// few kilobytes of "[[[[..." crash whoever touches the parsed value later. Depth is therefore
// checked before parsing, and an untrusted value is only ever printed with a size bound.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace irsnap {

/// Deepest nesting accepted. irsnap's own records and manifests stay under 8 levels (a
/// manifest's collectors[].errors[] object is 4); 64 leaves room for newer fields while keeping
/// every recursive walk of a parsed value a few kilobytes of stack.
inline constexpr size_t k_max_json_depth = 64;

/// True when `text` nests arrays and objects at most `max_depth` levels deep (counted outside
/// strings) and holds no NUL byte. Linear, no allocation: run before the parser.
bool json_depth_within(std::string_view text, size_t max_depth = k_max_json_depth);

/// Parses one JSON document from untrusted bytes. A discarded value (is_discarded()) when the
/// text is not JSON, nests deeper than `max_depth`, or has anything but whitespace after the
/// document (a NUL included: nlohmann stops at a NUL as if the input ended there). Never throws
/// for bad input.
nlohmann::json parse_untrusted_json(std::string_view text, size_t max_depth = k_max_json_depth);

/// `value` as compact JSON, cut to at most `max_bytes` bytes (then ending in "..." within the
/// bound, never in the middle of a UTF-8 sequence). For messages that quote a bundle's value.
std::string describe_json(const nlohmann::json& value, size_t max_bytes = 200);

}  // namespace irsnap
