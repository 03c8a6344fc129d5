// SPDX-License-Identifier: Apache-2.0
#include "irsnap/private_proc_root.hpp"

namespace irsnap {

std::optional<PrivateProcRoot> private_proc_root_if_covered(const std::string&, std::string& why) {
    why.clear();
    return std::nullopt;  // no /proc to cover
}

}  // namespace irsnap
