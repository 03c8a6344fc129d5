// SPDX-License-Identifier: Apache-2.0
// kind "log": the kernel log ring buffer through /dev/kmsg. Each open file has its own read
// position, starting at the oldest record still in the buffer, and reading moves only that
// position: the buffer, syslog(2) readers and other /dev/kmsg readers are not changed (unlike
// SYSLOG_ACTION_READ, which consumes). O_NONBLOCK makes the read end with EAGAIN at the newest
// record instead of waiting for the next one.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "irsnap/clock.hpp"
#include "irsnap/clock_sampling.hpp"
#include "irsnap/linux/fd_util.hpp"
#include "irsnap/linux/kernel_state.hpp"
#include "irsnap/text.hpp"
#include "kernel_state_walk.hpp"

namespace irsnap::collectors::kernel_state_impl {
namespace {

using nlohmann::json;

constexpr const char* k_kmsg = "/dev/kmsg";

/// /dev/kmsg is character device 1:11. Anything else under that name (a FIFO, a link to a
/// watchdog or a tape) must not be opened: opening some devices acts.
bool is_kmsg_device(const struct stat& st) {
    return S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 11;
}

class LogReader {
  public:
    LogReader(const Context& ctx, RecordSink& sink)
        : m_ctx(ctx), m_sink(sink), m_anchor(sample_clocks()) {}

    void run() {
        // Only the running kernel has a log: a fixture or an image's proc root has none.
        if (!m_ctx.live_proc()) {
            m_sink.coverage("kernel log not read: the proc root is not the live /proc");
            return;
        }
        struct stat st {};
        if (::lstat(k_kmsg, &st) != 0 || !is_kmsg_device(st)) {
            m_sink.coverage(fmt::format("kernel log not read: {} {}", k_kmsg,
                                        errno == ENOENT ? "is missing" : "is not the kmsg device"));
            return;
        }
        const int fd = ::open(k_kmsg, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
            const int error = errno;
            if (posix::is_denied_errno(error)) {
                m_sink.coverage(
                    "kernel log not read: /dev/kmsg denied (kernel.dmesg_restrict is 1: "
                    "CAP_SYSLOG needed, run as root)");
            } else {
                m_sink.item_error(ItemError::from_errno("open", error, k_kmsg));
            }
            return;
        }
        posix::UniqueFd owner(fd);
        if (::fstat(fd, &st) != 0 || !is_kmsg_device(st)) {
            m_sink.coverage("kernel log not read: /dev/kmsg changed while it was opened");
            return;
        }
        read_all(fd);
        report();
    }

  private:
    void read_all(int fd) {
        // A record is at most about 8 KiB (message plus properties); a short buffer is EINVAL.
        std::string buf(16384, '\0');
        for (;;) {
            if ((m_read % 256) == 0 && m_ctx.should_stop()) return;
            // Kept-or-counted: past the cap the rest is only counted, and a log that grows
            // faster than it is read stops being counted at ten times the cap.
            if (m_read >= 10 * k_max_log_records) return;
            const ssize_t n = ::read(fd, buf.data(), buf.size());
            if (n > 0) {
                ++m_read;
                one(std::string_view(buf.data(), static_cast<size_t>(n)));
                continue;
            }
            if (n == 0) return;
            if (errno == EINTR) continue;
            if (errno == EAGAIN) return;  // past the newest record
            if (errno == EPIPE) {
                ++m_overwritten;  // the ring wrapped past our position: the next read goes on
                continue;
            }
            m_sink.item_error(ItemError::from_errno("read", errno, k_kmsg));
            return;
        }
    }

    void one(std::string_view text) {
        auto rec = procfs::parse_dev_kmsg_record(text);
        if (!rec) {
            ++m_malformed;
            return;
        }
        if (m_kept >= k_max_log_records || m_bytes + rec->message.size() > k_max_log_bytes) {
            ++m_left_out;
            return;
        }
        ++m_kept;
        m_bytes += rec->message.size();
        json r = json::object();
        r["kind"] = "log";
        r["seq"] = rec->seq;
        r["facility"] = rec->facility;
        r["level"] = rec->level;
        r["monotonic_usec"] = rec->usec;
        // Bounded so that a bogus stamp cannot overflow the nanoseconds (2^53 us is 285 years).
        const int64_t usec = static_cast<int64_t>(std::min(rec->usec, uint64_t{1} << 53));
        r["time"] = format_rfc3339_utc(m_anchor.realtime_ns - m_anchor.monotonic_ns + usec * 1000);
        r["record_flag"] = rec->flag;
        json flags = procfs::kmsg_markers(rec->message);
        r["message"] = std::move(rec->message);
        r["flags"] = std::move(flags);
        if (!rec->properties.empty()) {
            json props = json::object();
            bool escaped = false;
            for (auto& [key, value] : rec->properties) {
                bool e = false;
                props[escape_bytes(key, e)] = escape_bytes(value, escaped);
                escaped = escaped || e;
            }
            r["properties"] = std::move(props);
            if (escaped) r["escaped_fields"] = json::array({"properties"});
        }
        emit(m_ctx, m_sink, std::move(r), {"message", "record_flag"});
    }

    void report() {
        if (m_overwritten > 0) {
            m_sink.coverage(fmt::format(
                "kernel log: the ring buffer wrapped {} time(s) while it was read (EPIPE): "
                "the records overwritten meanwhile are missing",
                m_overwritten));
        }
        if (m_left_out > 0) {
            m_sink.coverage(fmt::format(
                "kernel log: {} record(s) left out past the cap ({} records, {} MiB of text)",
                m_left_out, k_max_log_records, k_max_log_bytes >> 20));
        }
        if (m_malformed > 0) {
            m_sink.item_error(ItemError::without_code(
                "parse", k_kmsg,
                fmt::format("{} record(s) not in the /dev/kmsg format", m_malformed)));
        }
    }

    const Context& m_ctx;
    RecordSink& m_sink;
    ClockSample m_anchor;  ///< one reading of both clocks maps every record's time to UTC
    uint64_t m_read = 0, m_kept = 0, m_bytes = 0, m_left_out = 0, m_overwritten = 0,
             m_malformed = 0;
};

}  // namespace

void collect_kernel_log(const Context& ctx, RecordSink& sink) {
    LogReader(ctx, sink).run();
}

}  // namespace irsnap::collectors::kernel_state_impl
