// SPDX-License-Identifier: Apache-2.0
// Golden-file comparison shared by the golden tests (unit tests only: it needs IRSNAP_GOLDEN_DIR).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace irsnap::test {

/// Compares records (one JSON line each, after `normalise` blanks machine-specific values) with
/// tests/golden/<name>. Regenerate after an intended change with IRSNAP_UPDATE_GOLDEN=1 (the
/// file is rewritten and the test skipped) and review the diff.
void compare_with_golden(const std::string& name, const std::vector<nlohmann::json>& records,
                         nlohmann::json (*normalise)(nlohmann::json));

}  // namespace irsnap::test
