// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace irsnap {

/// True when `bytes` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view bytes);

/// Reversible text for bytes from the OS (argv, paths, names) that may not be UTF-8.
/// Valid UTF-8 is returned unchanged and `escaped` is false. Otherwise every byte that is not
/// part of a valid UTF-8 sequence becomes `\xHH` and every backslash becomes `\\`, and `escaped`
/// is true; the record then lists the field in `escaped_fields` so a reader can undo it.
std::string escape_bytes(std::string_view bytes, bool& escaped);

/// The escaped form unconditionally. Used for every element of a multi-valued field (argv,
/// environment) as soon as one element needs escaping, so the whole field reverses with one rule.
std::string escape_bytes_always(std::string_view bytes);

/// One field of text from a host or a bundle, made safe to print on an analyst's terminal: a
/// process name or a tar member name must not clear the screen, set the window title, fake a
/// line of output or reverse the text around it. Escaped, all as ASCII text:
///   C0 controls (newline and tab too), DEL, and bytes that are not valid UTF-8   `\xHH`
///   C1 controls U+0080-U+009F (U+009B is a CSI on many terminals)                `\u009b`
///   bidi and line-breaking format characters (U+202E, U+2066 ... U+2029)         `\u202e`
/// Everything else, including other non-ASCII text, is kept. Not reversible (a backslash stays
/// as it is, so Windows paths read normally): it is for eyes, not for records.
std::string terminal_safe(std::string_view text);

/// Serialised JSON made safe for a terminal: C1 controls and the format characters above are
/// written as JSON `\uXXXX` escapes (valid JSON, same value); JSON already escapes C0. `json`
/// must be the UTF-8 output of a JSON serialiser (those characters only occur inside strings).
std::string json_terminal_safe(std::string_view json);

/// Inverse of escape_bytes for a string that was escaped.
std::string unescape_bytes(std::string_view text);

/// Appends one code point as UTF-8. Surrogates and values past U+10FFFF become U+FFFD, so the
/// result is always valid UTF-8 (JSON records must be).
void append_utf8(std::string& out, uint32_t code_point);

/// Fields of a line separated by runs of any of `separators` (config files, /proc tables).
std::vector<std::string_view> split_fields(std::string_view line,
                                           std::string_view separators = " \t");

/// `text` begins with `prefix`, ASCII letters compared without case (Windows paths and names).
bool starts_with_nocase(std::string_view text, std::string_view prefix);

/// Lower-case hex of raw bytes.
std::string to_hex(const unsigned char* data, size_t size);

/// A path from text given as UTF-8 (command line, manifest). Linux: the bytes unchanged. Windows:
/// decoded as UTF-8; a plain std::string would be read in the C runtime's code page instead.
std::filesystem::path path_from_utf8(std::string_view text);

}  // namespace irsnap
