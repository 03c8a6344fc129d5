// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the kernel views' parsers. The first byte picks one: iter/task records
// (bytes from an iterator: trusted kernel output, but a view that misparses invents hidden
// processes), then the kernel-list judging over them; fdinfo text; translated instructions;
// kallsyms text and a helper lookup.
#include <linux/types.h>

#include "fuzz_common.hpp"
#include "irsnap/linux/bpf_iter_records.h"
#include "irsnap/linux/bpf_objects.hpp"
#include "irsnap/linux/hidden_pids.hpp"
#include "irsnap/linux/kernel_tasks.hpp"

using namespace irsnap;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const std::string_view text = fuzz::as_text(data + 1, size - 1);
    switch (data[0] % 4) {
        case 0: {
            auto tasks = kernel_view::parse_task_records(text);
            if (!tasks) break;
            FUZZ_CHECK(tasks->size() * sizeof(irsnap_task_record) == text.size());
            hidden::PidListing listing;
            for (size_t i = 0; i < tasks->size(); i += 2) listing.tgids.insert((*tasks)[i].tgid);
            hidden::Tally tally;
            auto findings = hidden::judge_kernel_view(*tasks, listing, *tasks, listing, tally);
            for (const auto& f : findings) FUZZ_CHECK(f.pid && !f.why.empty());
            std::vector<hidden::Finding> merged;
            hidden::merge_kernel_findings(merged, std::move(findings), *tasks);
            break;
        }
        case 1: {
            const auto ids = bpf::parse_bpf_fdinfo(text);
            (void)ids;
            (void)bpf::bpf_fd_kind(text);
            break;
        }
        case 2: {
            const auto calls = bpf::helper_call_immediates(text);
            FUZZ_CHECK(calls.size() <= text.size() / 8);
            break;
        }
        default: {
            const auto symbols = bpf::read_bpf_symbols(text);
            FUZZ_CHECK(symbols.names.size() <= 65536);
            for (const auto& [address, name] : symbols.names) {
                FUZZ_CHECK(name.substr(0, 4) == "bpf_" && name.size() <= 256);
                (void)symbols.helper(static_cast<int32_t>(address - symbols.call_base));
            }
            break;
        }
    }
    return 0;
}
