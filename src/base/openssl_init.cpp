// SPDX-License-Identifier: Apache-2.0
#include "openssl_init.hpp"

#include <openssl/crypto.h>

#include <mutex>
#include <stdexcept>

namespace irsnap {

void init_openssl() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ATEXIT, nullptr) !=
            1) {
            throw std::runtime_error("OpenSSL initialisation failed");
        }
    });
}

}  // namespace irsnap
