// SPDX-License-Identifier: Apache-2.0
// Another process's memory through Win32: its regions (VirtualQueryEx), its memory read with
// MemoryRead's semantics (ReadProcessMemory), its threads' registers and stacks, its modules,
// and a freeze (NtSuspendProcess) that ends when the guard goes. The minidump facts
// (minidump_layout.hpp) come from here.
#pragma once

#include <windows.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "irsnap/windows/win_handle.hpp"
#include "memory_store.hpp"
#include "minidump_layout.hpp"

namespace irsnap::collectors::winmem {

/// The whole user address space in address order, free ranges included (the minidump's memory
/// information lists them too). Empty when the process cannot be queried.
std::vector<minidump::RegionFacts> query_regions(HANDLE process);

bool committed(const minidump::RegionFacts& r);
/// Committed, with a protection that lets it be read (not PAGE_NOACCESS, not a guard page).
bool readable(const minidump::RegionFacts& r);
/// Any PAGE_EXECUTE* protection, whatever modifiers (guard, no-cache) come with it.
bool executable(uint32_t protect);
bool writable(uint32_t protect);
/// Private (MEM_PRIVATE), committed and executable: code with no image or file behind it.
bool anonymous_executable(const minidump::RegionFacts& r);
/// "rwxp" form: r, w, x or '-', then p (MEM_PRIVATE) or s (an image or mapped file).
std::string permissions(const minidump::RegionFacts& r);

/// ReadProcessMemory in the caller's chunks; a chunk that fails is read again page by page to
/// find the first unreadable page (Windows may report nothing read for the whole chunk).
/// -ESRCH once the process has exited. Holds the handle for as long as it is kept.
MemoryRead memory_reader(std::shared_ptr<win::UniqueHandle> process);

/// Every thread of `pid`: its CONTEXT (each thread suspended while it is read), its TEB and
/// its stack from the stack pointer to the stack's base. `frozen`: the whole process is
/// already suspended once by us (that count is taken off the recorded one).
std::vector<minidump::ThreadFacts> read_threads(HANDLE process, uint32_t pid, bool frozen,
                                                const MemoryRead& read);

/// The loaded modules, with the checksum and timestamp of their PE headers when readable.
std::vector<minidump::ModuleFacts> read_modules(HANDLE process, const MemoryRead& read);

minidump::SystemFacts system_facts();

/// Suspends the whole process (NtSuspendProcess) when `wanted`, resumed by resume() or at the
/// latest by the destructor: an exception never leaves a process stopped.
class ProcessFreeze {
  public:
    ProcessFreeze(HANDLE process, bool wanted);
    ~ProcessFreeze();
    ProcessFreeze(const ProcessFreeze&) = delete;
    ProcessFreeze& operator=(const ProcessFreeze&) = delete;

    bool frozen() const { return m_frozen; }
    /// Why it is not frozen although asked to ("" otherwise).
    const std::string& note() const { return m_note; }
    /// Resumes and gives the window it was stopped for (empty when it was not).
    FreezeWindow resume();

  private:
    HANDLE m_process;
    bool m_frozen = false;
    std::string m_note;
    std::optional<FreezeTimer> m_timer;
};

}  // namespace irsnap::collectors::winmem
