// SPDX-License-Identifier: Apache-2.0
// A step of the run's preparation (time zone, host and operator identity, own hash) that must
// not hold the run up, whatever the suspect host does: it reads host files, and a file on a
// hung FUSE or NFS mount blocks read() where no O_NONBLOCK helps.
#pragma once

#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>

namespace irsnap {

/// What a bounded step gave: its value, or why there is none.
template <typename T>
struct Bounded {
    std::optional<T> value;
    bool timed_out = false;
    std::string error;  ///< the exception's message when the step threw
};

/// Runs `step` on its own thread and waits at most `budget` for it. On time the value is
/// returned; late, the thread is left behind (detached: a thread stuck in a kernel call cannot
/// be stopped) and the run goes on without the value. `step` must therefore own everything it
/// touches (capture by value, no reference to the caller's stack): it may finish after the
/// caller has returned. The state both sides share lives as long as the longer of the two.
template <typename T>
Bounded<T> run_bounded(std::chrono::milliseconds budget, std::function<T()> step) {
    struct Shared {
        std::mutex mutex;
        std::condition_variable done_cv;
        bool done = false;
        std::optional<T> value;
        std::string error;
    };
    auto shared = std::make_shared<Shared>();
    Bounded<T> out;
    try {
        std::thread([shared, step = std::move(step)]() mutable {
            std::optional<T> value;
            std::string error;
            try {
                value.emplace(step());
            } catch (const std::exception& e) {
                error = e.what();
            } catch (...) {
                error = "unknown exception";
            }
            std::lock_guard lock(shared->mutex);
            shared->value = std::move(value);
            shared->error = std::move(error);
            shared->done = true;
            shared->done_cv.notify_all();
        }).detach();
    } catch (const std::system_error& e) {
        // No thread to be had (resource limits): the step is skipped, not run unbounded.
        out.error = std::string("no thread for the step: ") + e.what();
        return out;
    }
    std::unique_lock lock(shared->mutex);
    if (!shared->done_cv.wait_for(lock, budget, [&] { return shared->done; })) {
        out.timed_out = true;
        return out;
    }
    out.value = std::move(shared->value);
    out.error = std::move(shared->error);
    return out;
}

}  // namespace irsnap
