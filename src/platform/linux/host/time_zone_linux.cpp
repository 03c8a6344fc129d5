// SPDX-License-Identifier: Apache-2.0
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <string>

#include <fmt/format.h>

#include "irsnap/bounded.hpp"
#include "irsnap/linux/fd_util.hpp"
#include "irsnap/time_zone.hpp"

namespace irsnap {
namespace {

// Fixed, not $TZDIR: no host configuration may steer where we read from.
constexpr const char* k_zoneinfo = "/usr/share/zoneinfo/";

/// Long enough for any real disk, short enough that the operator does not wonder.
constexpr std::chrono::milliseconds k_zone_budget{3000};
/// A TZif file is a few KB; the largest in tzdata is under 4 KB.
constexpr size_t k_max_zone_bytes = 1 << 20;

struct PinnedZone {
    std::string name = "UTC (no zone file)";
    bool offset_known = true;
    std::string problem;
};
PinnedZone g_zone;

/// The zone file glibc would read for this TZ value (empty: none, a POSIX rule or UTC).
std::string zone_file_for(const char* tz) {
    if (!tz) return "/etc/localtime";
    std::string value = tz;
    if (!value.empty() && value[0] == ':') value.erase(0, 1);
    if (value.empty()) return {};
    if (value[0] == '/') return value;
    if (value.find("..") != std::string::npos) return {};
    return k_zoneinfo + value;
}

std::string name_for(const char* tz) {
    if (tz) return std::string(tz) + " (from TZ)";
    auto link = posix::read_link_at(AT_FDCWD, "/etc/localtime");
    if (!link) return "UTC (no /etc/localtime)";
    const std::string marker = "zoneinfo/";
    auto pos = link->find(marker);
    return pos == std::string::npos ? *link : link->substr(pos + marker.size());
}

bool write_all(int fd, const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n <= 0) return false;
        done += static_cast<size_t>(n);
    }
    return true;
}

}  // namespace

void pin_time_zone() noexcept {
    try {
        const char* tz = std::getenv("TZ");
        const std::string file = zone_file_for(tz);
        // TZ and /etc/localtime are the host's: either may name a FIFO (refused by the shared
        // opener) or a file on a mount that never answers. The readlink and the read run as one
        // bounded step, so even that costs the run k_zone_budget, not the rest of its life.
        struct Found {
            std::string name;
            Result<std::string> bytes;
        };
        const std::optional<std::string> tz_value =
            tz ? std::optional(std::string(tz)) : std::nullopt;
        auto step = run_bounded<Found>(k_zone_budget, [tz_value, file]() {
            const char* value = tz_value ? tz_value->c_str() : nullptr;
            Found found{name_for(value),
                        Result<std::string>(ItemError::from_errno("open", ENOENT, "", ""))};
            if (!file.empty()) found.bytes = posix::read_file_at(AT_FDCWD, file, k_max_zone_bytes);
            return found;
        });
        if (!step.value) {
            g_zone.name = tz ? std::string(tz) + " (from TZ)" : std::string("unknown");
            g_zone.offset_known = false;
            g_zone.problem = step.timed_out ? fmt::format(
                                                  "time zone: reading {} took longer than {} s: "
                                                  "offset unknown, local times not converted",
                                                  file.empty() ? "/etc/localtime" : file,
                                                  k_zone_budget.count() / 1000)
                                            : "time zone: " + step.error;
            ::setenv("TZ", "UTC0", 1);
            ::tzset();
            return;
        }
        g_zone.name = step.value->name;
        const auto& bytes = step.value->bytes;
        const bool missing = !bytes && bytes.error().code == ENOENT;
        if (missing && tz && !file.empty()) {
            // TZ holds a POSIX rule ("EST5EDT"): applied without reading any file.
            ::tzset();
            return;
        }
        if (!bytes && !missing) {
            g_zone.problem = fmt::format("time zone: {} not read ({}): offset unknown", file,
                                         bytes.error().message);
        }
        if (!bytes || bytes->rfind("TZif", 0) != 0) {
            // No zone file means UTC; an unreadable or foreign one means we do not know.
            g_zone.offset_known = file.empty() || missing;
            ::setenv("TZ", "UTC0", 1);
            ::tzset();
            return;
        }
        int fd = ::memfd_create("irsnap-tz", MFD_CLOEXEC);
        if (fd < 0 || !write_all(fd, *bytes)) {
            if (fd >= 0) ::close(fd);
            g_zone.offset_known = false;  // old kernel: report the offset as unknown
            ::setenv("TZ", "UTC0", 1);
            ::tzset();
            return;
        }
        // The descriptor stays open for the whole run: the C library may reopen the file.
        ::setenv("TZ", (":/proc/self/fd/" + std::to_string(fd)).c_str(), 1);
        ::tzset();
    } catch (...) {
        ::setenv("TZ", "UTC0", 1);
        g_zone.offset_known = false;
    }
}

std::string host_time_zone_problem() {
    return g_zone.problem;
}

std::string host_time_zone_name() {
    return g_zone.name;
}

std::optional<long> host_utc_offset_seconds() {
    if (!g_zone.offset_known) return std::nullopt;
    std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    return local.tm_gmtoff;
}

}  // namespace irsnap
