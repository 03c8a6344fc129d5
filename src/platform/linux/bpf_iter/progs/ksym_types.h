/* SPDX-License-Identifier: Apache-2.0 */
/* The kernel symbol iterator's types, declared like kernel_types.h (CO-RE, fields read only). */
#ifndef IRSNAP_BPF_KSYM_TYPES_H
#define IRSNAP_BPF_KSYM_TYPES_H

#include "kernel_types.h"

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct kallsym_iter {
    char module_name[56];
};
struct bpf_iter__ksym {
    struct bpf_iter_meta* meta;
    struct kallsym_iter* ksym;
};

#pragma clang attribute pop

#endif
