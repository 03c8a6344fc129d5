// SPDX-License-Identifier: Apache-2.0
// The explicit list of collectors. Static self-registration is fragile in a static executable
// (unreferenced objects are dropped by the linker), so every collector is named here.
#include "irsnap/registry.hpp"
#include "activity/activity.hpp"
#include "autoruns/autoruns.hpp"
#include "bpf/bpf.hpp"
#include "files/files.hpp"
#include "handles/handles.hpp"
#include "hidden_processes/hidden_processes.hpp"
#include "interfaces/interfaces.hpp"
#include "irsnap/collector.hpp"
#include "kernel_modules/kernel_modules.hpp"
#include "kernel_state/kernel_state.hpp"
#include "memory/memory.hpp"
#include "modules/modules.hpp"
#include "neighbors/neighbors.hpp"
#include "network/network.hpp"
#include "network_config/network_config.hpp"
#include "physical_memory/physical_memory.hpp"
#include "processes/processes.hpp"
#include "routes/routes.hpp"
#include "samples/samples.hpp"
#include "system/system.hpp"
#include "timeline/timeline.hpp"

namespace irsnap {

const std::vector<Collector>& registered_collectors() {
    static const std::vector<Collector> k_collectors = {
        {&collectors::system_spec, &collectors::collect_system},
        {&collectors::network_spec, &collectors::collect_network},
        {&collectors::neighbors_spec, &collectors::collect_neighbors},
        {&collectors::routes_spec, &collectors::collect_routes},
        {&collectors::interfaces_spec, &collectors::collect_interfaces},
        {&collectors::network_config_spec, &collectors::collect_network_config},
        {&collectors::processes_spec, &collectors::collect_processes},
        {&collectors::hidden_processes_spec, &collectors::collect_hidden_processes},
        {&collectors::handles_spec, &collectors::collect_handles},
        {&collectors::modules_spec, &collectors::collect_modules},
        {&collectors::memory_spec, &collectors::collect_memory},
        {&collectors::samples_spec, &collectors::collect_samples},
        {&collectors::kernel_modules_spec, &collectors::collect_kernel_modules},
        {&collectors::bpf_spec, &collectors::collect_bpf},
        {&collectors::kernel_state_spec, &collectors::collect_kernel_state},
        // Off by default (--physical-memory): minutes of reading, after every quick volatile view.
        {&collectors::physical_memory_spec, &collectors::collect_physical_memory},
        // Off by default (--observe): a window of watching, once every snapshot is taken.
        {&collectors::activity_spec, &collectors::collect_activity},
        // Least volatile: files on disk wait until memory and network state are taken.
        {&collectors::autoruns_spec, &collectors::collect_autoruns},
        {&collectors::timeline_spec, &collectors::collect_timeline},
        {&collectors::files_spec, &collectors::collect_files},
    };
    return k_collectors;
}

}  // namespace irsnap
