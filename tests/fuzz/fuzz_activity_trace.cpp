// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the observe window's two kernel event formats, the activity tracepoints'
// ring-buffer records and the process connector's netlink datagrams. Kernel output, but a
// decoder that reads past a length it was given is a crash in a live responder's loop.
#include <linux/types.h>

#include "fuzz_common.hpp"
#include "irsnap/linux/activity_trace.hpp"
#include "irsnap/linux/bpf_trace_records.h"
#include "irsnap/linux/proc_connector.hpp"

using namespace irsnap;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view bytes = fuzz::as_text(data, size);
    if (auto e = trace::decode_trace_record(bytes)) {
        FUZZ_CHECK(e->comm.size() <= 16);
        FUZZ_CHECK(e->filename.size() < IRSNAP_TRACE_FILENAME_MAX);
        size_t argv_bytes = 0;
        for (const auto& arg : e->argv) argv_bytes += arg.size() + 1;
        FUZZ_CHECK(argv_bytes <= IRSNAP_TRACE_ARGV_MAX + 1);
        FUZZ_CHECK(!trace::tcp_state_name(e->new_state).empty());
    }
    // Each event needs at least a netlink header, a cn_msg and proc_event's first 16 bytes.
    const auto events = procconn::parse_proc_connector(bytes);
    FUZZ_CHECK(events.size() * (16 + 20 + 16) <= size);
    return 0;
}
