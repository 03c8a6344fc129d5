// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the socket iterators' records (iter/tcp, iter/udp, iter/unix). Kernel
// output, but a parser that misreads it invents hidden sockets or misses them.
#include <linux/types.h>

#include "fuzz_common.hpp"
#include "irsnap/linux/bpf_iter_records.h"
#include "irsnap/linux/kernel_sockets.hpp"

using namespace irsnap;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view bytes = fuzz::as_text(data, size);
    auto sockets = kernel_view::parse_socket_records(bytes);
    if (!sockets) return 0;
    FUZZ_CHECK(sockets->size() * sizeof(irsnap_socket_record) == bytes.size());
    for (const auto& s : *sockets) {
        FUZZ_CHECK(s.unix_path.size() <= sizeof(irsnap_socket_record::unix_path));
        FUZZ_CHECK(std::string_view(s.view()).substr(0, 5) == "iter/");
    }
    return 0;
}
