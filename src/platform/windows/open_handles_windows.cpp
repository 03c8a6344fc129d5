// SPDX-License-Identifier: Apache-2.0
#include <stdexcept>

#include "irsnap/open_handles.hpp"

namespace irsnap {

// The Windows walk (SystemExtendedHandleInformation, names queried on a worker with a timeout)
// is not written yet; the collectors that use it (network, handles) are listed as not available
// on this platform, so this is reached only if one is registered without it.
HandleSnapshot walk_open_handles(const Context&) {
    throw std::runtime_error("the open-handle walk has no Windows implementation yet");
}

}  // namespace irsnap
