// SPDX-License-Identifier: Apache-2.0
// iter/ksym, loaded from the skeleton embedded at build time (ksym.bpf.c).
#include <linux/types.h>

#include <cerrno>
#include <string>

#include "irsnap/linux/kernel_symbols.hpp"
#include "iterator.hpp"
#include "ksym.skel.h"

namespace irsnap::kernel_view {

namespace {

Result<std::shared_ptr<irsnap_ksym>> load_ksym_program() {
    return bpf_iter::load_skeleton<irsnap_ksym>("iter/ksym", irsnap_ksym__open, irsnap_ksym__load,
                                                irsnap_ksym__destroy);
}

}  // namespace

Result<std::set<std::string>> read_kernel_symbol_modules() {
    auto skeleton = load_ksym_program();
    if (!skeleton) return skeleton.error();
    std::set<std::string> modules;
    std::string carry, last;
    std::optional<ItemError> bad;
    auto failed = bpf_iter::stream_iterator(
        (*skeleton)->progs.irsnap_ksym, "iter/ksym", [&](std::string_view chunk) {
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
    if (failed) return *failed;
    if (bad) return *bad;
    return modules;
}

}  // namespace irsnap::kernel_view

void irsnap::bpf_iter::preload_ksym_program() {
    if (auto loaded = kernel_view::load_ksym_program())
        keep_preloaded("iter/ksym", *loaded, (*loaded)->obj);
}
