// SPDX-License-Identifier: Apache-2.0
// The observation window on Windows: the process list and the TCP/UDP owner tables read every
// 100 ms and diffed (table_diff), the DNS client cache read every second and its new entries
// recorded. Polling misses what lives and dies between two readings; the window record and the
// coverage say so. Not used, and why:
//  - ETW. Kernel process and TCP/IP events come from a kernel trace session: before Windows 8
//    only the one "NT Kernel Logger", a single session for the whole host that another tool
//    (Process Monitor, xperf, an EDR) may own and irsnap would have to take over; since then a
//    private SystemTraceProvider session, whose name the host must accept and which leaves a
//    session on the host under investigation. Both need an administrator. A reader that takes
//    or adds a shared tracing session changes the host it documents; the tables need neither.
//  - Packet capture: Windows has no user-mode raw capture; it needs a driver (Npcap, WinDivert),
//    which irsnap does not install.
#include "activity_tables_windows.hpp"  // nt_process.hpp: windows.h first

#include <algorithm>
#include <chrono>
#include <deque>
#include <future>
#include <set>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "activity.hpp"
#include "activity_recorder.hpp"
#include "irsnap/clock_sampling.hpp"
#include "irsnap/windows/dns_cache.hpp"
#include "irsnap/windows/file_hash_windows.hpp"
#include "irsnap/windows/win_net_format.hpp"
#include "irsnap/windows/win_text.hpp"
#include "irsnap/windows/wine_detect.hpp"

namespace irsnap::collectors {
namespace {

using namespace activity;
using Clock = std::chrono::steady_clock;

constexpr auto k_poll = std::chrono::milliseconds(100);
/// --collectors activity without --observe.
constexpr unsigned k_default_seconds = 60;
/// New executables submitted for hashing per poll: opening a file and queueing it is cheap, but a
/// burst of process starts must not delay the next reading; the rest wait for later polls or
/// the window's end.
constexpr size_t k_hash_submits_per_tick = 4;
/// Process events held for their hash at most; beyond, the oldest go out with what is known.
constexpr size_t k_max_pending = 4096;

Stamp stamp_now() {
    const auto s = sample_clocks();
    return {s.realtime_ns, s.monotonic_ns};
}

int64_t filetime_ns(const FILETIME& t) {
    return static_cast<int64_t>((uint64_t{t.dwHighDateTime} << 32) | t.dwLowDateTime) * 100;
}

/// User plus kernel time of this thread and of the process, for the budget figures.
struct CpuTimes {
    int64_t thread_ns = 0, process_ns = 0;
    static CpuTimes now() {
        CpuTimes out;
        FILETIME created, exited, kernel, user;
        if (GetThreadTimes(GetCurrentThread(), &created, &exited, &kernel, &user)) {
            out.thread_ns = filetime_ns(kernel) + filetime_ns(user);
        }
        if (GetProcessTimes(GetCurrentProcess(), &created, &exited, &kernel, &user)) {
            out.process_ns = filetime_ns(kernel) + filetime_ns(user);
        }
        return out;
    }
};

/// A process event waiting, in order, for its executable's hash (exec) or for the exec events
/// before it (exit), so the artifact keeps the order in which the polls saw them.
struct Pending {
    ProcessEvent event;
    bool submitted = false;
    std::optional<std::shared_future<FileHash>> hash;
};

class WindowsObserver {
  public:
    WindowsObserver(const Context& ctx, RecordSink& sink)
        : m_ctx(ctx), m_sink(sink), m_recorder(sink, "windows") {}

    void run();

  private:
    void poll(const Stamp& at, bool baseline);
    void poll_dns(const Stamp& at, bool baseline);
    void table_error(const TableError& e);
    void name_connection(ConnectionEvent& e) const;
    void submit_hashes(size_t limit);
    void emit_ready(bool final);

    const Context& m_ctx;
    RecordSink& m_sink;
    ActivityRecorder m_recorder;
    WindowsTables m_tables;
    ProcessTable m_processes, m_next_processes;
    SocketTable m_sockets, m_next_sockets;
    std::vector<TableError> m_errors;
    std::map<std::string, uint64_t> m_failed_reads;
    std::deque<Pending> m_pending;
    /// Processes the window saw start (pid, creation time) -> their start, ns since the epoch.
    std::map<std::pair<int64_t, uint64_t>, int64_t> m_started_in_window;
    uint64_t m_unhashed = 0;  ///< exec events that went out without their hash
    win::DnsCache m_dns;
    bool m_dns_ran = false, m_dns_off = false;
    std::set<std::pair<std::wstring, uint16_t>> m_dns_seen;
    int64_t m_baseline_ns = 0;  ///< when the baseline reading was taken
    uint64_t m_connections = 0, m_connections_without_pid = 0;
    uint64_t m_polls = 0;
    Clock::duration m_poll_total{}, m_poll_max{};
};

void WindowsObserver::table_error(const TableError& e) {
    // Once per table: a table that fails fails every 100 ms; the count goes to coverage.
    if (m_failed_reads[e.table]++ != 0) return;
    const std::string what = fmt::format("{} failed: error 0x{:x}", e.table, e.error);
    m_sink.item_error(
        e.ntstatus ? ItemError::from_ntstatus("read", static_cast<long>(e.error), e.table, what)
                   : ItemError::from_win32("read", e.error, e.table, what));
}

void WindowsObserver::name_connection(ConnectionEvent& e) const {
    if (!e.pid) return;
    // The newest reading first; a socket closed with its process is named by the one before.
    for (const auto* table : {&m_processes, &m_next_processes}) {
        auto it = table->find(*e.pid);
        if (it == table->end()) continue;
        if (e.process.empty()) e.process = it->second.process;
        if (e.exe.empty()) e.exe = it->second.exe;
        return;
    }
}

void WindowsObserver::poll(const Stamp& at, bool baseline) {
    const auto started = Clock::now();
    // The process list first: a socket's owner is then in the reading that names it, even when
    // the process started after the previous poll.
    long status = 0;
    const bool processes_read =
        m_tables.processes(m_processes, m_next_processes, !baseline, status);
    if (!processes_read) {
        table_error({"NtQuerySystemInformation", static_cast<unsigned long>(status), true});
    }
    m_errors.clear();
    m_tables.sockets(processes_read ? m_next_processes : m_processes, m_next_sockets, m_errors);
    for (const auto& e : m_errors) table_error(e);

    // A failed reading is not an empty table: it keeps the last one, and no events are made up.
    if (processes_read) {
        if (!baseline) {
            for (auto& e : diff_process_tables(m_processes, m_next_processes, at, "poll")) {
                const bool exec = e.event == "exec";
                const auto& table = exec ? m_next_processes : m_processes;
                const auto row = table.find(e.pid);
                const std::pair<int64_t, uint64_t> key{e.pid, row->second.start_key};
                if (exec) {
                    e.argv_truncated = m_tables.argv_truncated(e.pid);
                    // Its creation time; when the table gives none, or one before the
                    // baseline (which did not list it), when the poll first saw it.
                    int64_t created =
                        key.second ? win::filetime_to_unix_ns(static_cast<int64_t>(key.second)) : 0;
                    if (created < m_baseline_ns || created > at.unix_ns) created = at.unix_ns;
                    m_started_in_window.emplace(key, created);
                } else if (auto it = m_started_in_window.find(key);
                           it != m_started_in_window.end()) {
                    // Only for a process the window saw start.
                    e.lifetime_ms = std::max<int64_t>(0, (at.unix_ns - it->second) / 1'000'000);
                    m_started_in_window.erase(it);
                }
                m_pending.push_back({std::move(e)});
            }
        }
        // m_processes becomes this reading; the older one stays for naming closed sockets.
        std::swap(m_processes, m_next_processes);
    }
    if (m_errors.empty()) {
        if (!baseline) {
            for (auto& e : diff_socket_tables(m_sockets, m_next_sockets, at, "poll")) {
                name_connection(e);
                ++m_connections;
                if (!e.pid) ++m_connections_without_pid;
                m_recorder.connection(e);
            }
        }
        std::swap(m_sockets, m_next_sockets);
    }
    const auto took = Clock::now() - started;
    ++m_polls;
    m_poll_total += took;
    m_poll_max = std::max(m_poll_max, took);
}

void WindowsObserver::poll_dns(const Stamp& at, bool baseline) {
    if (m_dns_off) return;
    std::string why;
    const auto names = m_dns.names(why);
    if (!names) {
        // Absent (Wine's stub) or refused: said once, and the window goes on without DNS.
        m_sink.coverage("DNS cache not read: " + why + "; the window has no dns records");
        m_dns_off = true;
        return;
    }
    m_dns_ran = true;
    std::set<std::pair<std::wstring, uint16_t>> now;
    for (const auto& entry : *names) {
        auto key = std::make_pair(entry.name, entry.type);
        // New since the last reading; one that expired and came back is new again.
        if (!baseline && !m_dns_seen.count(key)) {
            DnsEvent e;
            e.event = "cached";
            e.source = "dns_cache";
            e.at = at;
            e.query = win::to_utf8(entry.name);
            e.query_type = win_net::dns_type_name(entry.type);
            for (const auto& a : m_dns.answers(entry)) {
                e.answers.push_back({a.name.value_or(e.query), win_net::dns_type_name(a.type),
                                     a.data.value_or(""), a.ttl});
            }
            m_recorder.dns(e);
        }
        now.insert(std::move(key));
    }
    m_dns_seen = std::move(now);
}

void WindowsObserver::submit_hashes(size_t limit) {
    for (auto& p : m_pending) {
        if (limit == 0) return;
        if (p.submitted) continue;
        p.submitted = true;
        if (p.event.event != "exec" || p.event.exe.empty()) continue;
        // By path: the process may be gone already, and the path is what the table gave.
        auto request = win::submit_file_hash(m_ctx.hashes, win::to_wide(p.event.exe));
        p.hash = std::move(request.pending);
        --limit;
    }
}

void WindowsObserver::emit_ready(bool final) {
    while (!m_pending.empty()) {
        auto& p = m_pending.front();
        const bool backlog = !final && m_pending.size() > k_max_pending;
        if (!p.submitted) {
            if (!final && !backlog) return;
            if (final && !m_ctx.should_stop()) {
                submit_hashes(1);  // the front: the first not yet submitted
            } else {
                p.submitted = true;
                if (p.event.event == "exec" && !p.event.exe.empty() && m_ctx.hashes) ++m_unhashed;
            }
        }
        if (p.hash) {
            auto ready = [&] {
                return p.hash->wait_for(std::chrono::seconds(0)) == std::future_status::ready;
            };
            if (!final && !backlog && !ready()) return;
            // At the end: wait, but not past Ctrl-C or the deadline.
            while (final && !ready() && !m_ctx.should_stop()) {
                p.hash->wait_for(std::chrono::milliseconds(100));
            }
            if (ready()) {
                const FileHash& digest = p.hash->get();
                if (digest.sha256) {
                    p.event.sha256 = *digest.sha256;
                    p.event.read_via = "path";
                }
            } else {
                ++m_unhashed;
            }
        }
        m_recorder.process(p.event);
        m_pending.pop_front();
    }
}

void WindowsObserver::run() {
    const unsigned seconds =
        m_ctx.params.observe_seconds ? m_ctx.params.observe_seconds : k_default_seconds;
    const auto cpu_start = CpuTimes::now();
    const auto t0 = Clock::now();
    const auto end = t0 + std::chrono::seconds(seconds);
    WindowSummary w;
    w.started = stamp_now();
    w.seconds_requested = seconds;
    m_baseline_ns = w.started.unix_ns;
    poll(w.started, true);
    poll_dns(w.started, true);
    bool stopped = false;
    auto next_second = t0 + std::chrono::seconds(1);
    for (int64_t tick = 1;; ++tick) {
        // A poll that overran (a slow host, Wine) skips the slots it missed rather than
        // reading back to back.
        tick = std::max<int64_t>(tick, (Clock::now() - t0) / k_poll + 1);
        const auto next = std::min(t0 + tick * k_poll, end);
        const auto now = Clock::now();
        if (next > now) {
            Sleep(static_cast<DWORD>(
                std::chrono::ceil<std::chrono::milliseconds>(next - now).count()));
        }
        if (m_ctx.should_stop()) {
            stopped = true;
            break;
        }
        const Stamp at = stamp_now();
        poll(at, false);
        if (Clock::now() >= next_second) {
            next_second += std::chrono::seconds(1);
            poll_dns(at, false);
            const auto left = std::chrono::ceil<std::chrono::seconds>(end - Clock::now());
            m_sink.progress(ActivityRecorder::progress_text(left.count(), m_recorder.events()));
        }
        submit_hashes(k_hash_submits_per_tick);
        emit_ready(false);
        if (next >= end) break;
    }
    w.ended = stamp_now();
    const auto cpu_end = CpuTimes::now();
    emit_ready(true);

    const bool cancelled = m_ctx.cancel && m_ctx.cancel->load();
    w.status = !stopped ? "complete" : cancelled ? "interrupted" : "timeout";
    const double watched = static_cast<double>(w.ended.monotonic_ns - w.started.monotonic_ns) / 1e9;
    if (w.status == "interrupted") {
        w.status_note = fmt::format("interrupted (Ctrl-C) after {:.1f} of {} s", watched, seconds);
    } else if (w.status == "timeout") {
        w.status_note = fmt::format(
            "stopped at --timeout-per-collector after {:.1f} of {} s: raise "
            "--timeout-per-collector above --observe",
            watched, seconds);
    }
    w.sources = {"poll/processes", "poll/tcp", "poll/udp"};
    if (m_dns_ran) w.sources.push_back("dns_cache");
    w.poll_interval_ms = k_poll.count();
    w.events_lost = 0;  // a poll loses no event it saw; what it never saw is in the coverage

    m_sink.coverage("Windows: no packet capture (it needs a driver)");
    m_sink.coverage(
        "connections and processes shorter than 100 ms between two readings can be missed");
    if (auto wine = win::wine_version(); wine && m_connections_without_pid) {
        // Measured under Wine 8.0: a connecting socket has its owner; the accepted end has pid 0.
        m_sink.coverage(fmt::format(
            "running under Wine {}: its owner tables give pid 0 for sockets it cannot map to a "
            "process; {} of {} connection event(s) have no pid",
            *wine, m_connections_without_pid, m_connections));
    }
    for (const auto& [table, failures] : m_failed_reads) {
        m_sink.coverage(fmt::format("{} failed in {} of {} readings: no events from it then", table,
                                    failures, m_polls));
    }
    if (m_unhashed) {
        m_sink.coverage(
            fmt::format("{} executable(s) not hashed: the run was stopped first, or "
                        "more processes started than could be hashed",
                        m_unhashed));
    }
    const double loop_ms = static_cast<double>(cpu_end.thread_ns - cpu_start.thread_ns) / 1e6;
    const double process_ms = static_cast<double>(cpu_end.process_ns - cpu_start.process_ns) / 1e6;
    if (m_ctx.logger) {
        m_ctx.logger->info(
            "activity: {:.1f} s watched, {} polls (mean {} us, max {} us); CPU of the poll "
            "thread {:.0f} ms ({:.2f} % of one core), of the process {:.0f} ms; {} events",
            watched, m_polls,
            m_polls ? std::chrono::duration_cast<std::chrono::microseconds>(m_poll_total).count() /
                          static_cast<int64_t>(m_polls)
                    : 0,
            std::chrono::duration_cast<std::chrono::microseconds>(m_poll_max).count(), loop_ms,
            watched > 0 ? loop_ms / (watched * 10) : 0.0, process_ms, m_recorder.events());
    }
    m_recorder.window(w);
}

}  // namespace

void collect_activity(const Context& ctx, RecordSink& sink) {
    WindowsObserver(ctx, sink).run();
}

}  // namespace irsnap::collectors
