// SPDX-License-Identifier: Apache-2.0
// The Linux observation window: one thread poll()s every event source until the window ends,
// Ctrl-C, or --timeout-per-collector. Sources, best first: BPF tracepoints (processes, TCP
// state changes, UDP senders), else the netlink process connector and sock_diag read every
// 100 ms and diffed; the packet rings always, when irsnap may open them.
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "activity.hpp"
#include "activity_linux.hpp"
#include "irsnap/linux/activity_trace.hpp"
#include "irsnap/linux/proc_connector.hpp"

namespace irsnap::collectors {
namespace {

using namespace activity;

constexpr int64_t k_fallback_poll_ms = 100;  // the fallback: sock_diag every 100 ms
constexpr int64_t k_view_poll_ms = 1000;     // with BPF: sock_diag only as a view and for owners
constexpr int64_t k_ms = 1'000'000;

/// Everything one window holds, torn down in reverse (the BPF programs are unloaded and the
/// rings closed when it goes).
struct Window {
    const Context& ctx;
    RecordSink& sink;
    WindowClock clock = WindowClock::sample();
    ActivityRecorder recorder{sink, "linux"};
    Owners owners{ctx};
    EndpointViews views;
    ProcessWatcher processes{ctx, recorder, owners, clock, sink};
    SocketWatcher sockets{ctx, recorder, owners, views, clock, sink};
    WireWatcher wire{ctx, recorder, owners, views, clock, sink};
    std::unique_ptr<trace::TraceSession> trace;
    std::optional<procconn::ProcConnector> connector;
    std::vector<std::string> sources;
    bool bpf_processes = false, bpf_tcp = false, bpf_udp = false;

    Window(const Context& c, RecordSink& s) : ctx(c), sink(s) {}

    void start_trace() {
        if (!ctx.params.bpf) {
            sink.coverage(
                "BPF tracepoints not used (--no-bpf): process events from the "
                "process connector, connections from sock_diag every 100 ms");
            return;
        }
        auto session = trace::TraceSession::start();
        if (!session) {
            sink.coverage(
                fmt::format("BPF tracepoints not loaded ({}): process events from the "
                            "process connector, connections from sock_diag every "
                            "100 ms",
                            session.error().message));
            return;
        }
        trace = std::move(*session);
        for (const auto& name : trace->attached()) {
            sources.push_back("bpf/" + name);
            if (name.find("sched_process_exec") != std::string::npos) bpf_processes = true;
            if (name.find("inet_sock_set_state") != std::string::npos) bpf_tcp = true;
            if (name.find("sock_send_length") != std::string::npos) bpf_udp = true;
        }
        for (const auto& name : trace->missing()) {
            sink.coverage(fmt::format("tracepoint {} is not in this kernel", name));
        }
    }

    void start_connector() {
        if (bpf_processes) return;
        auto c = procconn::ProcConnector::open();
        if (!c) {
            sink.coverage(
                fmt::format("no process events: the process connector did not open "
                            "({})",
                            c.error().message));
            return;
        }
        connector.emplace(std::move(*c));
        sources.push_back("proc_connector");
    }

    void on_trace(const trace::TraceEvent& e) {
        Endpoints ends;
        switch (e.kind) {
            case trace::EventKind::exec: {
                ProcessWatcher::Exec x;
                x.pid = e.pid;
                if (e.ppid >= 0) x.ppid = e.ppid;
                if (e.uid >= 0) x.uid = e.uid;
                x.comm = e.comm;
                x.filename = e.filename;
                x.argv = e.argv;
                x.argv_known = !e.argv.empty();
                x.argv_truncated = e.argv_truncated;
                x.monotonic_ns = static_cast<int64_t>(e.monotonic_ns);
                x.source = "bpf";
                processes.exec(std::move(x));
                return;
            }
            case trace::EventKind::fork:
                processes.fork(e.pid, e.child_pid, e.comm, static_cast<int64_t>(e.monotonic_ns),
                               "bpf");
                return;
            case trace::EventKind::exit:
                processes.exit(e.pid, e.exit_code, e.comm, static_cast<int64_t>(e.monotonic_ns),
                               "bpf");
                return;
            case trace::EventKind::tcp_state:
            case trace::EventKind::udp_send:
                ends = {e.kind == trace::EventKind::tcp_state ? "tcp" : "udp",
                        e.family == AF_INET6 ? "ipv6" : "ipv4",
                        e.saddr,
                        e.sport,
                        e.daddr,
                        e.dport};
                if (e.kind == trace::EventKind::tcp_state) {
                    sockets.tcp_state(e.sock, ends, e.old_state, e.new_state, e.pid, e.comm,
                                      static_cast<int64_t>(e.monotonic_ns));
                } else {
                    sockets.udp_send(ends, e.pid, e.comm, static_cast<int64_t>(e.monotonic_ns));
                }
                return;
        }
    }

    void on_connector(const procconn::ProcEvent& e) {
        using K = procconn::ProcEvent::Kind;
        const auto mono = static_cast<int64_t>(e.timestamp_ns);
        if (e.kind == K::fork && e.pid == e.tgid) {  // a thread is not a new process
            processes.fork(e.parent_tgid, e.tgid, "", mono, "proc_connector");
        } else if (e.kind == K::exec) {
            ProcessWatcher::Exec x;
            x.pid = e.tgid;
            x.monotonic_ns = mono;
            x.source = "proc_connector";
            processes.exec(std::move(x));
        } else if (e.kind == K::exit && e.pid == e.tgid) {
            processes.exit(e.tgid, e.exit_code, "", mono, "proc_connector");
        }
    }
};

std::string window_status(const Context& ctx, bool ended_early) {
    if (!ended_early) return "complete";
    return ctx.cancel && ctx.cancel->load() ? "interrupted" : "timeout";
}

}  // namespace

void collect_activity(const Context& ctx, RecordSink& sink) {
    const int64_t seconds = ctx.params.observe_seconds > 0 ? ctx.params.observe_seconds : 60;
    if (!ctx.live_proc()) {
        sink.coverage("no observation: the proc root is not the live /proc");
        return;
    }
    Window w(ctx, sink);
    WindowSummary summary;
    summary.seconds_requested = seconds;
    w.start_trace();
    w.start_connector();
    const bool fallback_sockets = !w.bpf_tcp;
    const int64_t poll_ms = fallback_sockets ? k_fallback_poll_ms : k_view_poll_ms;
    w.sources.push_back(fallback_sockets ? "sock_diag" : "sock_diag/view");
    // The baseline: the sockets open when the window starts.
    w.sockets.poll(false, true, fallback_sockets);
    w.sockets.scan_proc(true);
    if (w.wire.open(w.sockets.namespace_fds())) w.sources.push_back("wire");
    sink.view("activity/" + std::string(fallback_sockets ? "sock_diag" : "bpf"));

    std::vector<pollfd> fds;
    if (w.trace) fds.push_back({w.trace->fd(), POLLIN, 0});
    if (w.connector) fds.push_back({w.connector->fd(), POLLIN, 0});
    const size_t first_ring = fds.size();
    for (int fd : w.wire.fds()) fds.push_back({fd, POLLIN, 0});

    // The window opens once every source runs: setting them up is not watching.
    summary.started = w.clock.now();
    if (ctx.logger) {
        ctx.logger->info("activity: window open for {} s (sources: {})", seconds,
                         fmt::join(w.sources, ", "));
    }
    const int64_t end_ns = summary.started.monotonic_ns + seconds * 1'000'000'000;
    int64_t next_poll = summary.started.monotonic_ns + poll_ms * k_ms;
    int64_t next_second = summary.started.monotonic_ns + 1000 * k_ms;
    bool ended_early = false;
    for (;;) {
        if (ctx.should_stop()) {
            ended_early = true;
            break;
        }
        int64_t now = w.clock.now().monotonic_ns;
        if (now >= end_ns) break;
        const int64_t wait_ns = std::min({next_poll, next_second, end_ns}) - now;
        // At most 100 ms asleep, so Ctrl-C and the deadline are seen promptly.
        const int timeout_ms = static_cast<int>(std::clamp<int64_t>(wait_ns / k_ms, 0, 100));
        if (::poll(fds.data(), fds.size(), timeout_ms) > 0) {
            for (size_t i = 0; i < fds.size(); ++i) {
                if (!(fds[i].revents & POLLIN)) continue;
                if (w.trace && fds[i].fd == w.trace->fd()) {
                    w.trace->consume([&](const trace::TraceEvent& e) { w.on_trace(e); });
                } else if (w.connector && fds[i].fd == w.connector->fd()) {
                    w.connector->drain([&](const procconn::ProcEvent& e) { w.on_connector(e); });
                } else if (i >= first_ring) {
                    w.wire.drain(i - first_ring);
                }
            }
        }
        now = w.clock.now().monotonic_ns;
        w.processes.flush(false);
        w.wire.tick(false);
        if (now >= next_poll) {
            w.sockets.poll(fallback_sockets, fallback_sockets, fallback_sockets);
            next_poll = now + poll_ms * k_ms;
        }
        if (now >= next_second) {
            w.sockets.scan_proc(false);
            sink.progress(ActivityRecorder::progress_text((end_ns - now) / 1'000'000'000,
                                                          w.recorder.events()));
            next_second = now + 1000 * k_ms;
        }
    }
    // What the sources still hold happened inside the window.
    if (w.trace) w.trace->consume([&](const trace::TraceEvent& e) { w.on_trace(e); });
    if (w.connector) w.connector->drain([&](const procconn::ProcEvent& e) { w.on_connector(e); });
    w.sockets.poll(fallback_sockets, true, fallback_sockets);
    summary.ended = w.clock.now();
    summary.status = window_status(ctx, ended_early);
    if (summary.status == "timeout") {
        summary.status_note =
            "the window was cut at --timeout-per-collector: raise it above "
            "--observe";
    } else if (summary.status == "interrupted") {
        summary.status_note = "interrupted (Ctrl-C or a signal): what was seen until then is kept";
    }
    summary.poll_interval_ms = poll_ms;
    summary.events_lost =
        (w.trace ? w.trace->lost() : 0) + (w.connector ? w.connector->overruns() : 0);
    if (summary.events_lost) {
        sink.coverage(
            fmt::format("{} events were lost by the kernel (buffer full)", summary.events_lost));
    }
    if (fallback_sockets) {
        sink.coverage(
            "connections from sock_diag read every 100 ms: a connection shorter than "
            "that can be missed");
    }
    // The rest may take a moment (hashes, specimens): the window itself has ended.
    w.wire.finish();
    w.sockets.finish();
    w.processes.finish();
    summary.sources = w.sources;
    w.recorder.window(summary);
}

}  // namespace irsnap::collectors
