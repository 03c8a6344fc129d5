// SPDX-License-Identifier: Apache-2.0
// ordered_parallel: items come out in index order whatever order the workers finish in, never
// more than `window` are held, a worker's exception reaches the caller, and stop() is honoured.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "common/ordered_parallel.hpp"

namespace irsnap::collectors {
namespace {

/// Later indexes finish sooner, so out-of-order completion is the norm, not luck.
void uneven_delay(size_t index) {
    std::this_thread::sleep_for(std::chrono::microseconds((index * 7919) % 300));
}

TEST(OrderedParallel, ConsumesInIndexOrderWithSeveralWorkers) {
    for (size_t threads : {1u, 2u, 4u}) {
        std::vector<size_t> seen;
        std::atomic<int> distinct_workers_mask{0};
        ordered_parallel<size_t>(
            500, threads, 16,
            [&](size_t worker, size_t index) {
                distinct_workers_mask |= 1 << worker;
                // Worker 0 holds the first item until another worker has taken one, so a
                // loaded machine (or Wine's scheduler) cannot let one worker drain the queue.
                const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
                while (threads > 1 && index == 0 && worker == 0 &&
                       (distinct_workers_mask.load() & ~1) == 0 &&
                       std::chrono::steady_clock::now() < deadline) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
                }
                uneven_delay(index);
                return index * 3;
            },
            [&](size_t&& value) { seen.push_back(value); }, [] { return false; });
        ASSERT_EQ(seen.size(), 500u) << threads;
        for (size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], i * 3) << threads;
        if (threads > 1) {
            EXPECT_NE(distinct_workers_mask.load() & ~1, 0) << "only one worker ran";
        }
    }
}

TEST(OrderedParallel, NeverHoldsMoreThanTheWindow) {
    std::atomic<long> produced{0};
    long consumed = 0;
    long most_ahead = 0;
    ordered_parallel<int>(
        400, 4, 8,
        [&](size_t, size_t index) {
            uneven_delay(index);
            ++produced;
            return 0;
        },
        [&](int&&) {
            ++consumed;
            most_ahead = std::max(most_ahead, produced.load() - consumed);
            std::this_thread::sleep_for(std::chrono::microseconds(50));  // a slow writer
        },
        [] { return false; });
    EXPECT_EQ(consumed, 400);
    EXPECT_LE(most_ahead, 8);
}

TEST(OrderedParallel, WorkerExceptionReachesTheCaller) {
    size_t consumed = 0;
    EXPECT_THROW(ordered_parallel<int>(
                     200, 2, 8,
                     [](size_t, size_t index) {
                         if (index == 57) throw std::runtime_error("boom");
                         return 1;
                     },
                     [&](int&&) { ++consumed; }, [] { return false; }),
                 std::runtime_error);
    EXPECT_EQ(consumed, 57u);  // everything before the failing index, nothing after
}

TEST(OrderedParallel, StopEndsTheRunEarly) {
    size_t consumed = 0;
    ordered_parallel<int>(
        10000, 2, 8, [](size_t, size_t) { return 1; }, [&](int&&) { ++consumed; },
        [&] { return consumed >= 100; });
    EXPECT_EQ(consumed, 100u);
}

}  // namespace
}  // namespace irsnap::collectors
