// SPDX-License-Identifier: Apache-2.0
#include <stdexcept>

#include "irsnap/open_handles.hpp"

namespace irsnap {

// Not used on Windows: the handles collector reads the system handle table and writes each
// record as it goes (handles_windows.cpp), and the network collector takes socket owners from
// the TCP/UDP tables, so no walk is shared between collectors and nothing needs holding.
HandleSnapshot walk_open_handles(const HostView&, unsigned, bool) {
    throw std::runtime_error(
        "the shared open-handle walk is not used on Windows (handles_windows.cpp reads the "
        "system handle table directly)");
}

}  // namespace irsnap
