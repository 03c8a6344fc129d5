// SPDX-License-Identifier: Apache-2.0
// The rule families, each in its own file; triage.cpp lists them (an explicit registry: a rule
// runs because it is named here, never because a static initialiser happened to run).
#pragma once

#include <span>

#include "irsnap/triage.hpp"

namespace irsnap::triage {

std::span<const Rule> cross_view_rules();   // rules_cross_view.cpp
std::span<const Rule> process_rules();      // rules_processes.cpp
std::span<const Rule> network_rules();      // rules_network.cpp
std::span<const Rule> memory_rules();       // rules_memory.cpp
std::span<const Rule> persistence_rules();  // rules_persistence.cpp
std::span<const Rule> kernel_rules();       // rules_kernel.cpp

}  // namespace irsnap::triage
