// SPDX-License-Identifier: Apache-2.0
// The parts of the Windows system collector, one file each.
#pragma once

#include "irsnap/collector.hpp"

namespace irsnap::collectors {

/// One 'session' record per LSA logon session (system_sessions_windows.cpp).
void emit_logon_sessions(RecordSink& sink);

}  // namespace irsnap::collectors
