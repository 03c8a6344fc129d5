// SPDX-License-Identifier: Apache-2.0
// Placeholder until WinVerifyTrust lands: every file is reported as not checked.
#include "authenticode.hpp"

namespace irsnap::win {

Signature check_signature(const std::wstring& /*path*/) {
    return {"error", "", "", "signature checks not implemented yet"};
}

}  // namespace irsnap::win
