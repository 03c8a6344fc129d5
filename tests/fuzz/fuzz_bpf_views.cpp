// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the kernel views' parsers. The first byte picks one: iter/task records
// (bytes from an iterator: trusted kernel output, but a view that misparses invents hidden
// processes), then the kernel-list judging over them; fdinfo text; translated instructions;
// kallsyms text and a helper lookup; iter/task_file records, whole and cut into two chunks;
// iter/ksym records.
#include <linux/types.h>

#include "fuzz_common.hpp"
#include "irsnap/linux/bpf_iter_records.h"
#include "irsnap/linux/bpf_objects.hpp"
#include "irsnap/linux/hidden_pids.hpp"
#include "irsnap/linux/kernel_files.hpp"
#include "irsnap/linux/kernel_symbols.hpp"
#include "irsnap/linux/kernel_tasks.hpp"

using namespace irsnap;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const std::string_view text = fuzz::as_text(data + 1, size - 1);
    switch (data[0] % 6) {
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
        case 3: {
            // Whole, then as a reader gets it: a cut anywhere, the unused tail carried over.
            size_t whole = 0, split = 0;
            auto count = [](size_t& n) {
                return [&n](const kernel_view::KernelFile& f) {
                    FUZZ_CHECK(!f.path || f.path->size() < 4096);
                    FUZZ_CHECK(f.comm.size() <= 16);
                    ++n;
                };
            };
            auto all = kernel_view::parse_file_records(text, count(whole));
            const size_t cut = size % (text.size() + 1);
            auto first = kernel_view::parse_file_records(text.substr(0, cut), count(split));
            if (!all || !first) break;
            FUZZ_CHECK(*all <= text.size() && *first <= cut);
            auto rest = kernel_view::parse_file_records(text.substr(*first), count(split));
            if (rest) FUZZ_CHECK(split == whole && *first + *rest == *all);
            break;
        }
        case 4: {
            size_t names = 0;
            auto used = kernel_view::parse_ksym_records(text, [&](std::string_view module) {
                FUZZ_CHECK(module.size() < 56);
                ++names;
            });
            if (used) FUZZ_CHECK(*used == names * sizeof(irsnap_ksym_record));
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
