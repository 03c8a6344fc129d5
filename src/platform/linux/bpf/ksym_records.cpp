// SPDX-License-Identifier: Apache-2.0
#include <linux/types.h>

#include <cstring>

#include <fmt/format.h>

#include "irsnap/linux/bpf_iter_records.h"
#include "irsnap/linux/kernel_symbols.hpp"

namespace irsnap::kernel_view {

Result<size_t> parse_ksym_records(std::string_view bytes,
                                  const std::function<void(std::string_view module)>& take) {
    constexpr size_t k_size = sizeof(irsnap_ksym_record);
    size_t at = 0;
    for (; bytes.size() - at >= k_size; at += k_size) {
        irsnap_ksym_record r;
        std::memcpy(&r, bytes.data() + at, k_size);  // the stream has no alignment guarantee
        if (r.size != k_size || r.kind != IRSNAP_ITER_KSYM) {
            return ItemError::without_code(
                "parse", "iter/ksym",
                fmt::format("record at byte {} says size {} kind {}: not this build's iter/ksym",
                            at, r.size, r.kind));
        }
        take(bytes.substr(at + offsetof(irsnap_ksym_record, module),
                          strnlen(r.module, sizeof(r.module))));
    }
    return at;
}

bool is_pseudo_module(std::string_view name) {
    return name == "bpf" || name.starts_with("__builtin__");
}

}  // namespace irsnap::kernel_view
