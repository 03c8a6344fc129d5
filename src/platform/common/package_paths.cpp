// SPDX-License-Identifier: Apache-2.0
// Package-trust facts shared by the collectors and triage, on every OS.
#include "irsnap/package_index.hpp"

namespace irsnap {

bool in_system_directory(std::string_view path) {
    for (std::string_view dir : {"/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/"}) {
        if (path.starts_with(dir)) return true;
    }
    // /usr/lib, /usr/lib64, /usr/libexec, /lib, /lib32 ...; /usr/local is the administrator's.
    return path.starts_with("/usr/lib") || path.starts_with("/lib");
}

}  // namespace irsnap
