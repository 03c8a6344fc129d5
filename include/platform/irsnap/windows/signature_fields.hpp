// SPDX-License-Identifier: Apache-2.0
// The Authenticode fields every Windows record with a file carries (processes, modules, drivers):
// one spelling, since triage (IRS-MEM-003) joins processes and modules on `signed`.
#pragma once

#include <nlohmann/json.hpp>

#include "irsnap/windows/authenticode.hpp"

namespace irsnap::win {

inline void add_signature(const Signature& s, nlohmann::json& r) {
    r["signed"] = s.is_signed();
    r["signature"] = s.status;
    r["signer"] = s.signer.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.signer);
    r["signature_source"] = s.source.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.source);
    r["signature_note"] = s.note.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.note);
}

}  // namespace irsnap::win
