// SPDX-License-Identifier: Apache-2.0
#include "irsnap/windows/win_trust_status.hpp"

namespace irsnap::win {
namespace {

// winerror.h values (HRESULTs are fixed ABI).
constexpr uint32_t k_success = 0;
constexpr uint32_t k_trust_e_nosignature = 0x800B0100;
constexpr uint32_t k_trust_e_subject_form_unknown = 0x800B0003;
constexpr uint32_t k_trust_e_provider_unknown = 0x800B0001;
constexpr uint32_t k_trust_e_subject_not_trusted = 0x800B0004;
constexpr uint32_t k_trust_e_explicit_distrust = 0x800B0111;
constexpr uint32_t k_trust_e_bad_digest = 0x80096010;
constexpr uint32_t k_trust_e_cert_signature = 0x80096004;
constexpr uint32_t k_cert_e_expired = 0x800B0101;
constexpr uint32_t k_cert_e_untrustedroot = 0x800B0109;
constexpr uint32_t k_cert_e_chaining = 0x800B010A;
constexpr uint32_t k_cert_e_revoked = 0x800B010C;
constexpr uint32_t k_cert_e_untrustedtestroot = 0x800B010D;
constexpr uint32_t k_cert_e_untrustedca = 0x800B0112;
constexpr uint32_t k_cert_e_wrong_usage = 0x800B0110;
constexpr uint32_t k_crypt_e_revoked = 0x80092010;
constexpr uint32_t k_crypt_e_security_settings = 0x80092026;

}  // namespace

bool trust_means_unsigned(uint32_t hresult) {
    return hresult == k_trust_e_nosignature || hresult == k_trust_e_subject_form_unknown ||
           hresult == k_trust_e_provider_unknown;
}

std::string trust_status_of(uint32_t hresult) {
    if (hresult == k_success) return "valid";
    if (trust_means_unsigned(hresult)) return "unsigned";
    switch (hresult) {
        case k_cert_e_expired:
            return "expired";
        case k_cert_e_revoked:
        case k_crypt_e_revoked:
            return "revoked";
        case k_trust_e_bad_digest:
        case k_trust_e_cert_signature:  // the signature over the certificate does not verify
            return "bad_digest";
        case k_cert_e_untrustedroot:
        case k_cert_e_chaining:
        case k_cert_e_untrustedtestroot:
        case k_cert_e_untrustedca:
        case k_cert_e_wrong_usage:
        case k_trust_e_subject_not_trusted:
        case k_trust_e_explicit_distrust:
        case k_crypt_e_security_settings:  // policy forbids this signer (e.g. a blocked hash)
            return "untrusted";
        default:
            return "error";
    }
}

}  // namespace irsnap::win
