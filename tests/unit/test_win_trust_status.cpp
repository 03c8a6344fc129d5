// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "irsnap/windows/win_trust_status.hpp"

using irsnap::win::trust_means_unsigned;
using irsnap::win::trust_status_of;

namespace {

TEST(WinTrustStatus, MapsWinVerifyTrustResults) {
    EXPECT_EQ(trust_status_of(0), "valid");
    EXPECT_EQ(trust_status_of(0x800B0100), "unsigned");    // TRUST_E_NOSIGNATURE
    EXPECT_EQ(trust_status_of(0x800B0003), "unsigned");    // TRUST_E_SUBJECT_FORM_UNKNOWN
    EXPECT_EQ(trust_status_of(0x800B0109), "untrusted");   // CERT_E_UNTRUSTEDROOT
    EXPECT_EQ(trust_status_of(0x800B010A), "untrusted");   // CERT_E_CHAINING
    EXPECT_EQ(trust_status_of(0x800B0111), "untrusted");   // TRUST_E_EXPLICIT_DISTRUST
    EXPECT_EQ(trust_status_of(0x800B0101), "expired");     // CERT_E_EXPIRED
    EXPECT_EQ(trust_status_of(0x80092010), "revoked");     // CRYPT_E_REVOKED
    EXPECT_EQ(trust_status_of(0x800B010C), "revoked");     // CERT_E_REVOKED
    EXPECT_EQ(trust_status_of(0x80096010), "bad_digest");  // TRUST_E_BAD_DIGEST
    EXPECT_EQ(trust_status_of(0x80070005), "error");       // E_ACCESSDENIED
}

TEST(WinTrustStatus, OnlyNoSignatureCodesSendToTheCatalogs) {
    EXPECT_TRUE(trust_means_unsigned(0x800B0100));
    EXPECT_FALSE(trust_means_unsigned(0));
    EXPECT_FALSE(trust_means_unsigned(0x80096010));
}

}  // namespace
