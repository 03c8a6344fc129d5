// SPDX-License-Identifier: Apache-2.0
// The Linux memory collector's parts: reading a process's memory, stopping it, and dumping it
// as an ELF core (memory_linux.cpp scans and chooses; core_dump_linux.cpp dumps).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "memory_store.hpp"

namespace irsnap::collectors {

/// Opens pid's memory (process_vm_readv, with /proc/PID/mem for pages it refuses); null with
/// `why_not` set when it cannot be read (denied, gone). `pid_fd` is its /proc directory.
MemoryRead open_process_memory(int pid_fd, int64_t pid, std::string& why_not);

/// The encrypted, unnamed scratch file a dump is spooled to while its process is stopped (see
/// DumpSpool); null with `why_not` for a stream or when the directory has none.
std::unique_ptr<DumpSpool> open_dump_spool(const Context& ctx, std::string& why_not);

/// Dumps one chosen process as an ELF core and emits its record (or why it was not dumped).
void dump_process(const Context& ctx, RecordSink& sink, MemoryBudgets& budgets, int proc_fd,
                  const DumpCandidate& candidate);

/// Every thread of a process stopped with PTRACE_SEIZE + PTRACE_INTERRUPT, and let go exactly
/// as it was (a signal that arrived meanwhile is delivered) when this goes out of scope. Only
/// the thread that stopped them may ptrace them: one object, one thread.
class ProcessStop {
  public:
    ProcessStop() = default;
    ~ProcessStop();
    ProcessStop(const ProcessStop&) = delete;
    ProcessStop& operator=(const ProcessStop&) = delete;

    /// Stops every thread of `pid` listed in `pid_fd`'s task/ (again until no new one appears).
    /// False when not even the first could be stopped; `note` says why (already traced,
    /// ptrace denied ...) or which threads did not stop in time.
    bool stop(int pid_fd, int64_t pid, std::string& note);
    /// Lets every thread run again. Idempotent.
    void resume();
    /// The threads that are stopped, in task order.
    std::vector<int32_t> stopped_threads() const;

  private:
    struct Thread {
        int32_t tid = 0;
        bool stopped = false;
        int pending_signal = 0;  ///< a signal that stopped it instead of our interrupt
    };
    std::vector<Thread> m_threads;
};

}  // namespace irsnap::collectors
