// SPDX-License-Identifier: Apache-2.0
#include <windows.h>

#include "irsnap/clock.hpp"
#include "irsnap/clock_sampling.hpp"

namespace irsnap {
namespace {

/// 100 ns intervals between 1601-01-01 (FILETIME) and 1970-01-01 (Unix epoch).
constexpr int64_t k_filetime_unix_offset = 116'444'736'000'000'000;

using InterruptTimeFn = void(WINAPI*)(PULONGLONG);

/// The Precise variants (Windows 10+) read the performance counter; the plain ones tick with
/// the timer interrupt (about 15.6 ms), too coarse to order collectors that take a few ms.
InterruptTimeFn resolve(const char* precise) {
    HMODULE kernelbase = GetModuleHandleW(L"kernelbase.dll");
    return kernelbase ? reinterpret_cast<InterruptTimeFn>(
                            reinterpret_cast<void*>(GetProcAddress(kernelbase, precise)))
                      : nullptr;
}

}  // namespace

ClockSample sample_clocks() {
    // monotonic: unbiased interrupt time (does not count sleep, like CLOCK_MONOTONIC);
    // boottime: interrupt time (counts sleep and hibernation since boot, like CLOCK_BOOTTIME).
    // Both in 100 ns units.
    static const InterruptTimeFn unbiased_precise = resolve("QueryUnbiasedInterruptTimePrecise");
    static const InterruptTimeFn interrupt_precise = resolve("QueryInterruptTimePrecise");
    ClockSample s;
    ULONGLONG unbiased = 0;
    if (unbiased_precise) {
        unbiased_precise(&unbiased);
    } else {
        QueryUnbiasedInterruptTime(&unbiased);
    }
    s.monotonic_ns = static_cast<int64_t>(unbiased) * 100;
    FILETIME ft{};
    GetSystemTimePreciseAsFileTime(&ft);
    const int64_t since_1601 =
        static_cast<int64_t>((static_cast<uint64_t>(ft.dwHighDateTime) << 32) | ft.dwLowDateTime);
    s.realtime_ns = (since_1601 - k_filetime_unix_offset) * 100;
    if (interrupt_precise) {
        ULONGLONG interrupt = 0;
        interrupt_precise(&interrupt);
        s.boottime_ns = static_cast<int64_t>(interrupt) * 100;
    } else {
        s.boottime_ns = static_cast<int64_t>(GetTickCount64()) * 1'000'000;
    }
    return s;
}

}  // namespace irsnap
