// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <vector>

#include "irsnap/collector.hpp"

namespace irsnap {

/// The explicit, ordered list of collectors (collectors/registry.cpp): every collector of every
/// platform; the runner skips those whose spec does not list this one.
const std::vector<Collector>& registered_collectors();

}  // namespace irsnap
