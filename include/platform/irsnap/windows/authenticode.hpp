// SPDX-License-Identifier: Apache-2.0
// Authenticode: is this file signed by someone Windows trusts? One answer per path per run,
// shared by processes, modules, drivers and autoruns (the same DLL is loaded by hundreds of
// processes; WinVerifyTrust costs milliseconds, catalog lookups more).
#pragma once

#include <string>

namespace irsnap::win {

struct Signature {
    /// "valid", "unsigned", "untrusted" (chain to an untrusted root), "expired", "revoked",
    /// "bad_digest" (the file changed after signing), "error" (could not be checked: see note).
    std::string status;
    /// Subject common name of the signing certificate ("Microsoft Windows"); empty if none.
    std::string signer;
    /// "embedded" (in the PE file) or "catalog" (a system .cat file); empty when unsigned.
    std::string source;
    /// Why the check could not complete (status "error"), else empty.
    std::string note;

    /// The record's `signed` field: true only for a valid signature.
    bool is_signed() const { return status == "valid"; }
};

/// Checks `path` (a Win32 path, not NT) with WinVerifyTrust, from the file's embedded signature
/// or, when it has none, from the system catalogs. Never goes to the network (no revocation
/// fetch: the host may be isolated, and a collector must not make traffic). Thread-safe; cached
/// per normalised path for the run.
Signature check_signature(const std::wstring& path);

}  // namespace irsnap::win
