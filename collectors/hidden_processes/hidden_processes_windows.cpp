// SPDX-License-Identifier: Apache-2.0
// Hidden processes on Windows: the process list (NtQuerySystemInformation, the view a user-mode
// hook or a DKOM rootkit edits) against OpenProcess on every pid in the range. OpenProcess goes
// through the kernel's client-id table, a different structure from the active-process list that
// the list walks. A pid that opens but is not listed, or is listed but does not open, is a
// finding. Opens only with PROCESS_QUERY_LIMITED_INFORMATION: nothing is read or changed.
#include <windows.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "hidden_processes.hpp"
#include "irsnap/windows/nt_process.hpp"
#include "irsnap/windows/win_handle.hpp"
#include "irsnap/windows/win_text.hpp"

namespace irsnap::collectors {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

/// Windows hands out process and thread ids in multiples of 4 from one table.
constexpr uint32_t k_pid_step = 4;
/// Beyond the highest listed pid, how far the probe looks for unlisted ones.
constexpr uint32_t k_range_margin = 65536;
constexpr uint32_t k_stop_check_every = 4096;

enum class Answer { none, alive, denied, exited };

/// Existence through the client-id table. A terminated process still referenced by a handle
/// somewhere keeps its pid and opens, but is not running: "exited", not a finding.
Answer probe(uint32_t pid) {
    win::UniqueHandle h(OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid));
    if (!h) return GetLastError() == ERROR_ACCESS_DENIED ? Answer::denied : Answer::none;
    DWORD code = 0;
    if (GetExitCodeProcess(h.get(), &code) && code != STILL_ACTIVE) return Answer::exited;
    return Answer::alive;
}

std::set<uint32_t> listed_pids() {
    long status = 0;
    auto list = win::nt_process_list(status);
    if (!list) {
        throw std::runtime_error(fmt::format(
            "NtQuerySystemInformation(SystemProcessInformation) failed: NTSTATUS 0x{:08x}",
            static_cast<unsigned long>(status)));
    }
    std::set<uint32_t> pids;
    for (const auto& p : *list) pids.insert(p.pid);
    return pids;
}

std::string image_name(uint32_t pid) {
    win::UniqueHandle h(OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid));
    DWORD error = 0;
    if (!h) return {};
    auto path = win::process_image_path(h.get(), error);
    return path ? win::to_utf8(*path) : std::string();
}

json finding(std::string_view kind, uint32_t pid, Answer answer, const char* why) {
    json r{{"kind", kind}, {"pid", pid}, {"why", why}};
    const std::string name = kind == "unlisted_pid" ? image_name(pid) : "";
    r["name"] = name.empty() ? json(nullptr) : json(name);
    r["answered"] = json::array();
    r["not_answered"] = json::array();
    (answer == Answer::none ? r["not_answered"] : r["answered"]).push_back("OpenProcess");
    return r;
}

}  // namespace

void collect_hidden_processes(const Context& ctx, RecordSink& sink) {
    const auto started = Clock::now();
    const std::set<uint32_t> before = listed_pids();
    const uint32_t highest = before.empty() ? 0 : *before.rbegin();
    const uint32_t last = (highest + k_range_margin) / k_pid_step * k_pid_step;

    std::set<uint32_t> answering, exited;
    std::map<uint32_t, Answer> answers;
    const auto probe_started = Clock::now();
    bool stopped = false;
    for (uint32_t pid = k_pid_step; pid <= last; pid += k_pid_step) {
        if (pid % (k_pid_step * k_stop_check_every) == 0 && ctx.should_stop()) {
            stopped = true;
            break;
        }
        const Answer a = probe(pid);
        if (a == Answer::exited) exited.insert(pid);
        if (a == Answer::alive || a == Answer::denied) {
            answering.insert(pid);
            answers[pid] = a;
        }
    }
    const double probe_seconds =
        std::chrono::duration<double>(Clock::now() - probe_started).count();
    const std::set<uint32_t> after = listed_pids();

    // Pid 0 (Idle) never opens; it is listed by every view and is not a finding.
    std::vector<json> findings;
    uint64_t candidates = 0, races = 0;
    for (uint32_t pid : answering) {
        if (before.count(pid)) continue;
        ++candidates;
        // Born during the probe (listed now), or gone again: a race, not a hidden process.
        if (after.count(pid) || probe(pid) == Answer::none) {
            ++races;
            continue;
        }
        findings.push_back(finding("unlisted_pid", pid, answers[pid],
                                   "OpenProcess opens this pid, but the process list "
                                   "(NtQuerySystemInformation) does not show it"));
    }
    for (uint32_t pid : before) {
        if (pid == 0 || pid > last || answering.count(pid) || exited.count(pid)) continue;
        ++candidates;
        if (!after.count(pid) || probe(pid) != Answer::none) {
            ++races;  // exited during the probe, or answers now
            continue;
        }
        findings.push_back(finding("listed_pid_not_answering", pid, Answer::none,
                                   "listed by NtQuerySystemInformation, but OpenProcess says "
                                   "no such process"));
    }
    for (uint64_t i = 0; i < races; ++i) sink.race();

    json scan{{"kind", "scan"},
              {"probe_ran", true},
              {"first_probe", "OpenProcess"},
              {"range_first", k_pid_step},
              {"range_last", last},
              {"pids_answering", answering.size()},
              {"listed_processes", before.size()},
              {"exited_but_referenced", exited.size()},
              {"candidates", candidates},
              {"races", races},
              {"findings", findings.size()},
              {"probe_seconds", probe_seconds},
              {"duration_seconds", std::chrono::duration<double>(Clock::now() - started).count()}};
    sink.emit(scan);
    for (const auto& f : findings) {
        // A process the listing hides is the first the memory collector dumps.
        if (f.value("kind", "") != "listed_pid_not_answering" && f.contains("pid") &&
            f["pid"].is_number_integer()) {
            ctx.flag_process(f["pid"].get<int64_t>(), "hidden_process");
        }
        sink.emit(f);
    }
    if (stopped) sink.coverage("probe stopped early: the range was not covered");
}

}  // namespace irsnap::collectors
