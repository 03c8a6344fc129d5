// SPDX-License-Identifier: Apache-2.0
#pragma once

namespace irsnap {

/// Initialises OpenSSL's libcrypto once, safely: NO_LOAD_CONFIG, because by default it reads
/// openssl.cnf or $OPENSSL_CONF and may load a provider module named there, i.e. run a
/// compromised host's code inside the collector; NO_ATEXIT, because a preparation step abandoned
/// on its own thread (bounded.hpp) may still be hashing when main returns. Throws
/// std::runtime_error when it fails. Every OpenSSL user calls it first (SHA-256 on Linux, age on
/// both platforms).
void init_openssl();

}  // namespace irsnap
