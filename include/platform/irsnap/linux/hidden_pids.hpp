// SPDX-License-Identifier: Apache-2.0
// The pure half of the hidden-process probe (collectors/hidden_processes): given what the /proc
// listing showed, what the per-pid system calls answered and what mountinfo says, decide what
// is hidden. No system calls here: the collector gathers the evidence, these functions judge it,
// and the tests feed them literals.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "irsnap/linux/kernel_tasks.hpp"
#include "irsnap/linux/procfs.hpp"

namespace irsnap::hidden {

/// The probes, as bits. `getpgid` is the first pass over the whole range (the cheapest: one
/// system call, no path lookup, no signal permission check); the others confirm a hit.
enum Probe : uint32_t {
    k_probe_getpgid = 1u << 0,      ///< getpgid(pid) succeeded
    k_probe_kill = 1u << 1,         ///< kill(pid, 0) returned 0 or EPERM (signal 0: none sent)
    k_probe_getsid = 1u << 2,       ///< getsid(pid) succeeded
    k_probe_proc_dir = 1u << 3,     ///< fstatat(PROC, "pid") found the directory
    k_probe_proc_status = 1u << 4,  ///< PROC/pid/status was readable
    k_probe_all = (1u << 5) - 1,
};
/// Names of the set bits, in bit order: getpgid, kill, getsid, proc_dir, proc_status.
std::vector<std::string> probe_names(uint32_t mask);

/// A numeric /proc entry name ("1234") as a pid; nullopt for anything else ("self", "01", "").
std::optional<int64_t> parse_pid_name(std::string_view name);

/// What a readdir of the proc root showed: the numeric top-level entries (thread-group ids)
/// and, for each, the entries of its task/ directory (thread ids, the leader included).
struct PidListing {
    std::set<int64_t> tgids;
    std::map<int64_t, int64_t> thread_tgid;  ///< tid -> tgid, from PROC/tgid/task/

    /// Listed as a process, or as a thread of a listed process.
    bool contains(int64_t pid) const { return tgids.count(pid) || thread_tgid.count(pid); }
    size_t threads() const;  ///< task entries that are not their group's leader
};

/// Pids the first pass saw answering that the listing does not contain. `answering` ascending.
std::vector<int64_t> unlisted_pids(const std::vector<int64_t>& answering,
                                   const PidListing& listing);

/// Listed processes (top-level entries, below `limit`) that the first pass did not see answer.
std::vector<int64_t> silent_listed_pids(const std::vector<int64_t>& answering,
                                        const PidListing& listing, int64_t limit);

/// What the confirmation probes said about one pid, a little after the first pass.
struct PidEvidence {
    int64_t pid = 0;
    uint32_t answered = 0;          ///< Probe bits that answered
    bool signal_permitted = false;  ///< kill(pid, 0) returned 0 (not EPERM)
    std::optional<int64_t> tgid;    ///< Tgid: of PROC/pid/status
    std::optional<std::string> name;
};

/// One finding. `kind` is one of the k_kind_* strings below.
struct Finding {
    std::string kind;
    std::optional<int64_t> pid;
    std::optional<int64_t> tgid;
    std::optional<std::string> name;
    bool name_trusted = true;  ///< false when read through a covering mount
    uint32_t answered = 0;
    uint32_t tried = 0;
    std::optional<procfs::MountInfo> mount;
    std::string why;
    /// The views that saw the pid and those that did not ("proc", "probe", "iter/task"), for
    /// findings about a pid; empty for mounts.
    std::vector<std::string> seen_in, missing_from;
    /// The kernel's own record of the process (iter/task), when its task list has it.
    std::optional<kernel_view::KernelTask> kernel;
};

inline constexpr const char* k_kind_unlisted = "unlisted_pid";
inline constexpr const char* k_kind_silent = "listed_pid_not_answering";
inline constexpr const char* k_kind_dir_covered = "proc_dir_covered_by_mount";
inline constexpr const char* k_kind_proc_covered = "proc_covered_by_mount";
inline constexpr const char* k_kind_entry_covered = "proc_entry_covered_by_mount";
inline constexpr const char* k_kind_not_in_kernel = "listed_pid_not_in_kernel_tasks";

/// What judging left out, and why: none of these is a finding.
struct Tally {
    size_t races = 0;              ///< gone by the confirmation, or listed by the re-read
    size_t threads_of_listed = 0;  ///< a thread born after its listed process's task/ was read
    size_t hidepid_explained = 0;  ///< invisible to us by the proc mount's hidepid option
};

/// Judges pids that answered the first pass but were not listed. `relisted` is the listing read
/// again after the first pass (a process born during the probe is in it: a race). A pid is
/// reported when a confirmation probe still answers and it is in neither listing, unless its
/// Tgid is a listed process (a new thread) or hidepid explains it (the proc mount has hidepid,
/// our kill() is refused and its directory is not visible to us).
std::vector<Finding> judge_unlisted(const std::vector<PidEvidence>& evidence,
                                    const PidListing& relisted, bool hidepid, Tally& tally);

/// Judges listed processes that did not answer the first pass. A pid is reported when it is
/// still listed in `relisted`, its directory still exists, and neither getpgid nor kill answer
/// again: a hook on those calls, or a /proc entry that is not the kernel's. Otherwise a race.
std::vector<Finding> judge_silent(const std::vector<PidEvidence>& evidence,
                                  const PidListing& relisted, Tally& tally);

/// The kernel's task list (iter/task) against the /proc listing, each read twice: once around
/// the first listing (`first_tasks`), once after the re-read (`second_tasks`, `relisted`). A
/// process (a thread-group leader that is not EXIT_DEAD) both kernel reads hold and neither
/// listing shows is an `unlisted_pid` finding seen in iter/task and missing from proc, named
/// by the kernel's comm, whatever the system calls answer. A listed process neither kernel read
/// holds is `listed_pid_not_in_kernel_tasks` (a /proc entry the kernel does not back, or a task
/// the iterator is not shown: a protected process). Anything else is a race. `first_listing`
/// is the listing the first kernel read is compared with.
std::vector<Finding> judge_kernel_view(const std::vector<kernel_view::KernelTask>& first_tasks,
                                       const PidListing& first_listing,
                                       const std::vector<kernel_view::KernelTask>& second_tasks,
                                       const PidListing& relisted, Tally& tally);

/// Adds the kernel view to the probe's findings: each pid finding gets the kernel's record of
/// that pid from `tasks` (and iter/task in seen_in) or iter/task in missing_from; a pid both
/// report becomes one finding, the probe's. The kernel's other findings are appended.
void merge_kernel_findings(std::vector<Finding>& findings, std::vector<Finding> kernel,
                           const std::vector<kernel_view::KernelTask>& tasks);

/// Mounts that cover all or part of the proc root `proc_mount_point` (as mountinfo spells it,
/// e.g. "/proc"): a mount at PROC/N or below it (a process directory covered, kind
/// proc_dir_covered_by_mount, pid N); a mount at PROC itself that is not procfs, or procfs
/// stacked on another mount there (proc_covered_by_mount); any other mount below PROC
/// (proc_entry_covered_by_mount: container runtimes mask /proc/kcore, /proc/keys ... this way,
/// and a bind mount over /proc/modules or /proc/net/tcp would hide from other collectors). The
/// standard binfmt_misc mount at PROC/sys/fs/binfmt_misc is not reported.
std::vector<Finding> find_covering_mounts(const std::vector<procfs::MountInfo>& mounts,
                                          std::string_view proc_mount_point);

/// The hidepid value of the procfs mounted at `proc_mount_point` (the topmost one), "" when it
/// has none or hidepid=0/off (nothing hidden), nullopt when no procfs is mounted there.
std::optional<std::string> proc_hidepid(const std::vector<procfs::MountInfo>& mounts,
                                        std::string_view proc_mount_point);

}  // namespace irsnap::hidden
