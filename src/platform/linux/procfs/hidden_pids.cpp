// SPDX-License-Identifier: Apache-2.0
#include "irsnap/linux/hidden_pids.hpp"

#include <algorithm>
#include <array>

namespace irsnap::hidden {
namespace {

constexpr std::array<const char*, 5> k_probe_names = {"getpgid", "kill", "getsid", "proc_dir",
                                                      "proc_status"};

std::string join_probes(uint32_t mask) {
    std::string out;
    for (const auto& name : probe_names(mask)) {
        if (!out.empty()) out += ", ";
        out += name;
    }
    return out.empty() ? "nothing" : out;
}

std::string describe_mount(const procfs::MountInfo& m) {
    return "mount (" + m.fs_type + " '" + m.source + "', mount id " + std::to_string(m.mount_id) +
           ")";
}

}  // namespace

std::vector<std::string> probe_names(uint32_t mask) {
    std::vector<std::string> names;
    for (size_t bit = 0; bit < k_probe_names.size(); ++bit) {
        if (mask & (1u << bit)) names.emplace_back(k_probe_names[bit]);
    }
    return names;
}

std::optional<int64_t> parse_pid_name(std::string_view name) {
    // The kernel prints pids without sign or leading zeros; pid_max is at most 2^22.
    if (name.empty() || name.size() > 10 || name[0] == '0') return std::nullopt;
    int64_t value = 0;
    for (char c : name) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + (c - '0');
    }
    if (value > 0x7fffffff) return std::nullopt;
    return value;
}

size_t PidListing::threads() const {
    size_t n = 0;
    for (const auto& [tid, tgid] : thread_tgid) n += tid != tgid;
    return n;
}

std::vector<int64_t> unlisted_pids(const std::vector<int64_t>& answering,
                                   const PidListing& listing) {
    std::vector<int64_t> out;
    for (int64_t pid : answering) {
        if (!listing.contains(pid)) out.push_back(pid);
    }
    return out;
}

std::vector<int64_t> silent_listed_pids(const std::vector<int64_t>& answering,
                                        const PidListing& listing, int64_t limit) {
    std::vector<int64_t> out;
    for (int64_t pid : listing.tgids) {
        if (pid >= limit) break;
        if (!std::binary_search(answering.begin(), answering.end(), pid)) out.push_back(pid);
    }
    return out;
}

std::vector<Finding> judge_unlisted(const std::vector<PidEvidence>& evidence,
                                    const PidListing& relisted, bool hidepid, Tally& tally) {
    std::vector<Finding> out;
    for (const auto& e : evidence) {
        if (relisted.contains(e.pid) || e.answered == 0) {
            ++tally.races;  // born during the probe, or gone before the confirmation
            continue;
        }
        if (e.tgid && *e.tgid != e.pid && relisted.tgids.count(*e.tgid)) {
            ++tally.threads_of_listed;
            continue;
        }
        if (hidepid && !e.signal_permitted && !(e.answered & k_probe_proc_dir)) {
            ++tally.hidepid_explained;
            continue;
        }
        Finding f;
        f.kind = k_kind_unlisted;
        f.pid = e.pid;
        f.tgid = e.tgid;
        f.name = e.name;
        f.answered = e.answered;
        f.tried = k_probe_all;
        f.seen_in = {"probe"};
        f.missing_from = {"proc"};
        f.why = "pid " + std::to_string(e.pid) + " answers (" + join_probes(e.answered) +
                ") but is not in the /proc listing, neither as a process nor as a thread of a "
                "listed process, read before and after the probe";
        if (e.tgid && *e.tgid != e.pid) {
            f.why += "; it is a thread of process " + std::to_string(*e.tgid) +
                     ", which is not listed either";
        }
        if (!(e.answered & k_probe_proc_dir)) {
            f.why += "; its /proc directory cannot be opened either";
        }
        f.why += ": a process hidden from directory listings (a getdents hook, as rootkits do)";
        out.push_back(std::move(f));
    }
    return out;
}

std::vector<Finding> judge_silent(const std::vector<PidEvidence>& evidence,
                                  const PidListing& relisted, Tally& tally) {
    std::vector<Finding> out;
    for (const auto& e : evidence) {
        const bool answers_call = e.answered & (k_probe_getpgid | k_probe_kill);
        if (!relisted.tgids.count(e.pid) || answers_call || !(e.answered & k_probe_proc_dir)) {
            ++tally.races;  // exited between listing and probe, or the pid was reused
            continue;
        }
        Finding f;
        f.kind = k_kind_silent;
        f.pid = e.pid;
        f.tgid = e.tgid;
        f.name = e.name;
        f.answered = e.answered;
        f.tried = k_probe_all;
        f.seen_in = {"proc"};
        f.missing_from = {"probe"};
        f.why = "pid " + std::to_string(e.pid) +
                " is listed in /proc (read twice) and its directory exists, but getpgid() and "
                "kill(pid, 0) say no such process: a hook on those system calls, or a /proc "
                "entry that does not come from the kernel's process table";
        out.push_back(std::move(f));
    }
    return out;
}

std::vector<Finding> find_covering_mounts(const std::vector<procfs::MountInfo>& mounts,
                                          std::string_view proc_mount_point) {
    std::string root(proc_mount_point);
    while (root.size() > 1 && root.back() == '/') root.pop_back();
    const std::string prefix = root == "/" ? root : root + "/";
    std::map<int64_t, const procfs::MountInfo*> by_id;
    for (const auto& m : mounts) by_id.emplace(m.mount_id, &m);

    std::vector<Finding> out;
    for (const auto& m : mounts) {
        Finding f;
        f.mount = m;
        if (m.mount_point == root) {
            auto parent = by_id.find(m.parent_id);
            const bool stacked = parent != by_id.end() && parent->second != &m &&
                                 parent->second->mount_point == root;
            if (m.fs_type != "proc") {
                f.why = "a " + describe_mount(m) + " sits on the proc root " + root +
                        ": the listing and every read below it come from that mount, not from "
                        "the kernel's process table";
            } else if (stacked) {
                f.why = "a second procfs (mount id " + std::to_string(m.mount_id) +
                        ") is stacked on the proc root " + root +
                        ": it may belong to another pid namespace or carry other options "
                        "(hidepid, subset=pid) than the one below it";
            } else {
                continue;
            }
            f.kind = k_kind_proc_covered;
            out.push_back(std::move(f));
            continue;
        }
        if (m.mount_point.compare(0, prefix.size(), prefix) != 0) continue;
        const std::string rest = m.mount_point.substr(prefix.size());
        const std::string first = rest.substr(0, rest.find('/'));
        if (auto pid = parse_pid_name(first)) {
            f.kind = k_kind_dir_covered;
            f.pid = *pid;
            f.why = "a " + describe_mount(m) + " at " + m.mount_point +
                    (rest == first ? " covers the /proc directory of pid "
                                   : " covers part of the /proc directory of pid ") +
                    std::to_string(*pid) +
                    ": what tools read there (name, command line, status) comes from the mount, "
                    "not from the kernel; a way to hide or disguise a process without a rootkit";
        } else if (rest == "sys/fs/binfmt_misc") {
            continue;  // the standard binfmt_misc mount (systemd mounts it on every boot)
        } else {
            f.kind = k_kind_entry_covered;
            f.why = "a " + describe_mount(m) + " covers " + m.mount_point +
                    ": readers of that entry see the mount, not the kernel's data; container "
                    "runtimes mask /proc/kcore, /proc/keys, /proc/timer_list ... this way, "
                    "elsewhere it hides what the entry would show (modules, sockets, mounts)";
        }
        out.push_back(std::move(f));
    }
    return out;
}

std::optional<std::string> proc_hidepid(const std::vector<procfs::MountInfo>& mounts,
                                        std::string_view proc_mount_point) {
    std::string root(proc_mount_point);
    while (root.size() > 1 && root.back() == '/') root.pop_back();
    const procfs::MountInfo* top = nullptr;
    for (const auto& m : mounts) {
        if (m.mount_point == root) top = &m;  // later lines are mounted over earlier ones
    }
    if (!top || top->fs_type != "proc") return std::nullopt;
    std::string_view opts = top->super_options;
    std::string value;
    while (!opts.empty()) {
        const size_t comma = opts.find(',');
        std::string_view opt = opts.substr(0, comma);
        if (opt.substr(0, 8) == "hidepid=") value = std::string(opt.substr(8));
        if (comma == std::string_view::npos) break;
        opts.remove_prefix(comma + 1);
    }
    if (value == "0" || value == "off") value.clear();
    return value;
}

namespace {

/// Live (not EXIT_DEAD) thread-group leaders of a kernel read, by pid.
std::map<int64_t, const kernel_view::KernelTask*> live_leaders(
    const std::vector<kernel_view::KernelTask>& tasks) {
    std::map<int64_t, const kernel_view::KernelTask*> out;
    for (const auto& t : tasks) {
        if (t.leader() && !t.dead() && t.pid > 0) out.emplace(t.pid, &t);
    }
    return out;
}

}  // namespace

std::vector<Finding> judge_kernel_view(const std::vector<kernel_view::KernelTask>& first_tasks,
                                       const PidListing& first_listing,
                                       const std::vector<kernel_view::KernelTask>& second_tasks,
                                       const PidListing& relisted, Tally& tally) {
    const auto first = live_leaders(first_tasks);
    const auto second = live_leaders(second_tasks);
    std::set<int64_t> every_first_task;
    for (const auto& t : first_tasks) every_first_task.insert(t.pid);
    std::set<int64_t> every_second_task;
    for (const auto& t : second_tasks) every_second_task.insert(t.pid);
    std::vector<Finding> out;
    for (const auto& [pid, task] : first) {
        if (first_listing.contains(pid)) continue;
        const auto again = second.find(pid);
        if (again == second.end() || relisted.contains(pid)) {
            ++tally.races;  // gone, or born between the listing and the kernel's read
            continue;
        }
        Finding f;
        f.kind = k_kind_unlisted;
        f.pid = pid;
        f.tgid = pid;
        f.name = again->second->comm;
        f.kernel = *again->second;
        f.seen_in = {"iter/task"};
        f.missing_from = {"proc"};
        f.why = "process " + std::to_string(pid) +
                " is in the kernel's own task list (read twice through iter/task) but not in "
                "the /proc listing, read before and after: a process hidden from directory "
                "listings (a getdents hook, in user space or in an eBPF program)";
        out.push_back(std::move(f));
    }
    for (int64_t pid : first_listing.tgids) {
        if (every_first_task.count(pid)) continue;
        if (every_second_task.count(pid) || !relisted.tgids.count(pid)) {
            ++tally.races;
            continue;
        }
        Finding f;
        f.kind = k_kind_not_in_kernel;
        f.pid = pid;
        f.seen_in = {"proc"};
        f.missing_from = {"iter/task"};
        f.why = "process " + std::to_string(pid) +
                " is in the /proc listing, read before and after, but in neither read of the "
                "kernel's task list through iter/task: a /proc entry no task backs (a mount or "
                "a hook inventing it), or a task the kernel does not show BPF iterators (a "
                "process protected by the kernel or an LSM)";
        out.push_back(std::move(f));
    }
    return out;
}

void merge_kernel_findings(std::vector<Finding>& findings, std::vector<Finding> kernel,
                           const std::vector<kernel_view::KernelTask>& tasks) {
    std::map<int64_t, const kernel_view::KernelTask*> by_pid;
    for (const auto& t : tasks) by_pid.emplace(t.pid, &t);
    for (auto& f : findings) {
        if (!f.pid || f.mount || f.kernel) continue;
        const auto task = by_pid.find(*f.pid);
        if (task == by_pid.end()) {
            f.missing_from.push_back("iter/task");
        } else {
            f.kernel = *task->second;
            f.seen_in.push_back("iter/task");
        }
    }
    for (auto& k : kernel) {
        auto same = std::find_if(findings.begin(), findings.end(),
                                 [&](const Finding& f) { return f.pid == k.pid && !f.mount; });
        if (same == findings.end()) {
            findings.push_back(std::move(k));
            continue;
        }
        same->kernel = k.kernel;
        for (auto& view : k.seen_in) {
            if (std::find(same->seen_in.begin(), same->seen_in.end(), view) ==
                same->seen_in.end()) {
                same->seen_in.push_back(view);
            }
        }
        if (!same->name && k.name) same->name = k.name;
    }
}

}  // namespace irsnap::hidden
