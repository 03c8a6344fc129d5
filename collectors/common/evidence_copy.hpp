// SPDX-License-Identifier: Apache-2.0
// What the copying collectors (samples, files) share: reading a member from the descriptor that
// found the file, and naming the outcome of one copy.
#pragma once

#include <cstdint>
#include <string>

#include "irsnap/collector.hpp"
#include "irsnap/evidence_zip.hpp"

namespace irsnap::collectors {

/// The member's bytes straight from `fd` (pread from `from`): a stop makes the rest zeros.
ZipSource descriptor_source(int fd, uint64_t from, const Context& ctx);

struct CopyOutcome {
    std::string status;  ///< copied | interrupted | read_failed | changed_while_read
    std::string note;
};

/// The record's status for one copied member. `expected_sha256` (empty: none) is the digest the
/// content had when it was chosen; `stopped_before` whether the run was stopping before the copy.
CopyOutcome copy_outcome(const ZipMemberResult& copied, bool stopped_before, const Context& ctx,
                         const std::string& expected_sha256);

}  // namespace irsnap::collectors
