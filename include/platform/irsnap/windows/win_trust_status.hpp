// SPDX-License-Identifier: Apache-2.0
// WinVerifyTrust's HRESULT to the signature status irsnap records. Pure (no windows.h) so the
// table is unit-tested on Linux: the HRESULT values are fixed by winerror.h.
#pragma once

#include <cstdint>
#include <string>

namespace irsnap::win {

/// "valid", "unsigned", "untrusted", "expired", "revoked", "bad_digest", or "error" for any
/// other code (the check itself failed; the caller records the code in a note).
std::string trust_status_of(uint32_t hresult);

/// True when the code means "no signature here" (TRUST_E_NOSIGNATURE and the codes a file that
/// is not a signable format gives): the caller then looks for a catalog signature.
bool trust_means_unsigned(uint32_t hresult);

}  // namespace irsnap::win
