// SPDX-License-Identifier: Apache-2.0
// iter/ksym, loaded from the skeleton embedded at build time (ksym.bpf.c).
#include <linux/types.h>

#include <cerrno>
#include <string>

#include "irsnap/linux/kernel_symbols.hpp"
#include "iterator.hpp"
#include "ksym.skel.h"

namespace irsnap::kernel_view {

Result<std::set<std::string>> read_kernel_symbol_modules() {
    bpf_iter::capture_libbpf_output();
    irsnap_ksym* skeleton = irsnap_ksym__open();
    if (!skeleton) return bpf_iter::load_error("iter/ksym", errno);
    if (irsnap_ksym__load(skeleton) != 0) {
        const int err = errno;
        irsnap_ksym__destroy(skeleton);
        return bpf_iter::load_error("iter/ksym", err);
    }
    std::set<std::string> modules;
    std::string carry, last;
    std::optional<ItemError> bad;
    auto failed = bpf_iter::stream_iterator(
        skeleton->progs.irsnap_ksym, "iter/ksym", [&](std::string_view chunk) {
            carry.append(chunk);
            auto used = parse_ksym_records(carry, [&](std::string_view module) {
                if (module == last) return;  // a module's symbols come together
                last = module;
                if (!is_pseudo_module(module)) modules.emplace(module);
            });
            if (!used) {
                bad = used.error();
                return false;
            }
            carry.erase(0, *used);
            return true;
        });
    irsnap_ksym__destroy(skeleton);
    if (failed) return *failed;
    if (bad) return *bad;
    return modules;
}

}  // namespace irsnap::kernel_view
