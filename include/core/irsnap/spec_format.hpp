// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "irsnap/collector.hpp"

namespace irsnap {

nlohmann::json spec_to_json(const CollectorSpec& spec);
/// The page docs/collectors/<name>.md is generated from (scripts/gen-collector-docs.sh).
std::string spec_to_markdown(const CollectorSpec& spec);
/// Plain text for `irsnap describe NAME`.
std::string spec_to_text(const CollectorSpec& spec);

}  // namespace irsnap
