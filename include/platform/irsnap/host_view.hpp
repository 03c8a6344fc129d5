// SPDX-License-Identifier: Apache-2.0
// What the platform layer needs to read a host: where it is, when to stop, and who hashes.
// Core's collector Context extends it; platform code takes a HostView and never sees core.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>

namespace irsnap {

class HashCache;

struct HostView {
    /// Every path is built from these, so fixture trees and mounted images go through the
    /// same code as the live host.
    std::filesystem::path proc_root = "/proc";
    std::filesystem::path host_root = "/";
    /// proc_root is a private procfs instance standing in for the live /proc (a mount covered
    /// part of the host's; private_proc_root.hpp): it is the live kernel's, read another way.
    bool proc_is_private = false;
    const std::atomic<bool>* cancel = nullptr;
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
    HashCache* hashes = nullptr;  ///< null when hashing is off

    /// True once the run is interrupted or the deadline passed: return promptly. Remembers
    /// that it said so, which is how the runner knows a collector stopped early.
    bool should_stop() const;
    bool stop_observed() const { return m_stop_observed; }
    /// The proc root is the live kernel's /proc (or its private stand-in), not a fixture tree
    /// or another host's: netlink and system calls answer for the same processes.
    bool live_proc() const { return proc_is_private || proc_root == "/proc"; }
    /// A path under the host root, e.g. host_path("etc/passwd").
    std::filesystem::path host_path(const std::string& relative) const;

  private:
    mutable bool m_stop_observed = false;
};

/// Threads for per-process /proc reading over `items` processes: kernel work that spreads over
/// cores. `cap` (--threads; 0 = the CPUs), at most 4, and one per 64 processes.
size_t worker_threads_for(unsigned cap, size_t items);

}  // namespace irsnap
