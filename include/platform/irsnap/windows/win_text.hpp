// SPDX-License-Identifier: Apache-2.0
// UTF-16 (every W API) <-> UTF-8 (every record, the manifest, the log).
#pragma once

#include <string>
#include <string_view>

namespace irsnap::win {

/// UTF-16 to UTF-8. Unpaired surrogates (legal in Windows names, not in Unicode) become
/// U+FFFD, so the text is valid UTF-8; see utf16_has_unpaired_surrogate to record that.
std::string to_utf8(std::wstring_view text);
/// UTF-8 to UTF-16; invalid bytes become U+FFFD.
std::wstring to_wide(std::string_view text);
/// True when `text` holds a surrogate without its pair (the UTF-8 form is then lossy).
bool utf16_has_unpaired_surrogate(std::wstring_view text);

}  // namespace irsnap::win
