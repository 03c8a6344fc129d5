// SPDX-License-Identifier: Apache-2.0
// A small, tolerant XML reader for the few XML files autoruns reads (scheduled task
// definitions). Not a validating parser: it reads elements, attributes, character data with the
// five named entities and numeric references, CDATA, and skips comments, processing instructions
// and declarations. Untrusted input: it never throws, every step consumes input (no loops on
// malformed text), and depth and element count are bounded. Pure and platform-independent.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace irsnap::autoruns_win {

struct XmlElement {
    std::string name;  ///< local name: a namespace prefix ("t:Task") is removed
    std::vector<std::pair<std::string, std::string>> attributes;
    std::string text;  ///< character data directly inside, entities decoded, untrimmed
    std::vector<XmlElement> children;

    /// First child with this local name, or null.
    const XmlElement* child(std::string_view name) const;
    /// Trimmed text of the first child with this name; empty when there is none.
    std::string child_text(std::string_view name) const;
    std::optional<std::string> attribute(std::string_view name) const;
};

struct XmlDocument {
    std::optional<XmlElement> root;  ///< the first top-level element
    /// The first problem met (unclosed element, mismatched end tag, depth or size limit); the
    /// document is still read as far as it goes. Empty when none.
    std::string error;
};

constexpr size_t k_xml_max_depth = 32;
constexpr size_t k_xml_max_elements = 20000;

/// Parses UTF-8 text (see decode_xml_bytes).
XmlDocument parse_xml(std::string_view text, size_t max_depth = k_xml_max_depth,
                      size_t max_elements = k_xml_max_elements);

/// Raw file bytes to UTF-8: a BOM says UTF-8, UTF-16LE or UTF-16BE; without one, "<\0" and
/// "\0<" mean UTF-16 (LE, BE), anything else UTF-8. Invalid sequences become U+FFFD. `encoding`
/// is set to "utf-8", "utf-16le" or "utf-16be".
std::string decode_xml_bytes(std::string_view bytes, std::string& encoding);

/// The five named entities and &#N; / &#xH; references decoded; unknown ones kept as written.
std::string decode_entities(std::string_view text);

}  // namespace irsnap::autoruns_win
