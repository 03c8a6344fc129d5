// SPDX-License-Identifier: Apache-2.0
// Per-process reading on several threads with the output still in pid order: workers produce
// items for indexes 0..count-1 as they free up, the calling thread consumes them strictly in
// index order, and at most `window` items are ever held, so memory stays flat.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "irsnap/collector.hpp"

namespace irsnap::collectors {

/// A worker's item errors, handed to the real sink in order by the consuming thread (a
/// RecordSink is not thread-safe). Workers report errors only; records travel in their items.
class ErrorBuffer final : public RecordSink {
  public:
    // A worker that emits, counts a race or notes coverage here would lose it silently.
    void emit_line(std::string_view) override { misuse("emit"); }
    void item_error(ItemError error) override { errors.push_back(std::move(error)); }
    void race() override { misuse("race"); }
    void coverage(std::string) override { misuse("coverage"); }
    /// The errors so far, leaving the buffer empty for the next item.
    std::vector<ItemError> take() { return std::exchange(errors, {}); }
    std::vector<ItemError> errors;

  private:
    [[noreturn]] static void misuse(const char* what) {
        throw std::logic_error(std::string("ErrorBuffer takes item errors only, not ") + what);
    }
};

/// `produce(worker, index)` runs on worker thread `worker` (0..threads-1; per-worker state is
/// the caller's, indexed by it) and must not touch the sink; `consume(item)` runs on the
/// calling thread in index order; `stop()` is asked on the calling thread before each item.
/// With threads <= 1 everything runs on the calling thread, in order, with no extra thread.
template <class Item, class Produce, class Consume, class Stop>
void ordered_parallel(size_t count, size_t threads, size_t window, Produce produce, Consume consume,
                      Stop stop) {
    if (threads <= 1 || count < 2) {
        for (size_t i = 0; i < count && !stop(); ++i) consume(produce(size_t{0}, i));
        return;
    }
    struct Slot {
        std::optional<Item> item;
        std::exception_ptr error;
        bool ready = false;
    };
    std::vector<Slot> slots(window);
    std::mutex mutex;
    std::condition_variable ready_cv, free_cv;
    size_t next = 0, consumed = 0;
    bool halt = false;

    auto work = [&](size_t worker) {
        std::unique_lock lock(mutex);
        while (true) {
            free_cv.wait(lock, [&] { return halt || next >= count || next < consumed + window; });
            if (halt || next >= count) return;
            const size_t index = next++;
            lock.unlock();
            std::optional<Item> item;
            std::exception_ptr error;
            try {
                item.emplace(produce(worker, index));
            } catch (...) {
                error = std::current_exception();
            }
            lock.lock();
            Slot& slot = slots[index % window];
            slot.item = std::move(item);
            slot.error = error;
            slot.ready = true;
            ready_cv.notify_all();
        }
    };
    std::vector<std::thread> workers;
    // Joined on every exit, an exception from consume() or stop() included.
    struct Join {
        std::vector<std::thread>& workers;
        std::mutex& mutex;
        bool& halt;
        std::condition_variable& free_cv;
        ~Join() {
            {
                std::lock_guard lock(mutex);
                halt = true;
            }
            free_cv.notify_all();
            for (auto& t : workers) t.join();
        }
    } join{workers, mutex, halt, free_cv};
    for (size_t w = 0; w < threads; ++w) {
        try {
            workers.emplace_back(work, w);
        } catch (const std::system_error&) {
            break;  // the host is out of threads: fewer workers, not no data
        }
    }
    if (workers.empty()) {
        for (size_t i = 0; i < count && !stop(); ++i) consume(produce(size_t{0}, i));
        return;
    }
    for (size_t i = 0; i < count; ++i) {
        if (stop()) return;
        std::optional<Item> item;
        {
            std::unique_lock lock(mutex);
            Slot& slot = slots[i % window];
            ready_cv.wait(lock, [&] { return slot.ready; });
            if (slot.error) std::rethrow_exception(slot.error);
            item = std::move(slot.item);
            slot.item.reset();
            slot.ready = false;
            consumed = i + 1;
        }
        free_cv.notify_all();
        consume(std::move(*item));
    }
}

}  // namespace irsnap::collectors
