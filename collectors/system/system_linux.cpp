// SPDX-License-Identifier: Apache-2.0
// The time anchor and host state on Linux, from /proc and utmp read as bytes.
#include <fcntl.h>

#include <cerrno>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/escaped_text.hpp"
#include "irsnap/clock.hpp"
#include "irsnap/clock_sampling.hpp"
#include "irsnap/linux/fd_util.hpp"
#include "irsnap/linux/procfs.hpp"
#include "irsnap/linux/utmp.hpp"
#include "irsnap/package_index.hpp"
#include "irsnap/text.hpp"
#include "system.hpp"

namespace irsnap::collectors {
namespace {

using nlohmann::json;

/// utmp holds one 384-byte entry per terminal: 16 MiB is 40000 of them.
constexpr size_t k_max_utmp_bytes = 16u << 20;

std::optional<std::string> read_proc(const Context& ctx, const std::string& rel, RecordSink& sink) {
    auto path = (ctx.proc_root / rel).string();
    auto text = posix::read_file_at(AT_FDCWD, path);
    if (!text) {
        auto e = text.error();
        e.path = path;
        sink.item_error(e);
        return std::nullopt;
    }
    return *text;
}

void emit_clock(const Context& ctx, RecordSink& sink) {
    ClockSample now = sample_clocks();
    json r = {{"record_type", "clock"},
              {"realtime", format_rfc3339_utc(now.realtime_ns)},
              {"realtime_ns", now.realtime_ns},
              {"monotonic_ns", now.monotonic_ns},
              {"boottime_ns", now.boottime_ns},
              {"boot_time", format_rfc3339_utc(now.realtime_ns - now.boottime_ns)},
              {"boot_time_btime", nullptr},
              {"boot_id", nullptr},
              {"uptime_seconds", nullptr},
              {"idle_seconds", nullptr}};
    if (auto stat = read_proc(ctx, "stat", sink)) {
        if (auto btime = procfs::parse_proc_stat_btime(*stat)) {
            r["boot_time_btime"] = format_rfc3339_utc(*btime * 1'000'000'000);
        }
    }
    if (auto id = read_proc(ctx, "sys/kernel/random/boot_id", sink)) {
        std::string s = *id;
        while (!s.empty() && s.back() == '\n') s.pop_back();
        put_text(r, "boot_id", s);
    }
    if (auto up = read_proc(ctx, "uptime", sink)) {
        if (auto parsed = procfs::parse_proc_uptime(*up)) {
            r["uptime_seconds"] = parsed->first;
            r["idle_seconds"] = parsed->second;
        } else {
            sink.item_error(
                ItemError::without_code("parse", (ctx.proc_root / "uptime").string(), "malformed"));
        }
    }
    sink.emit(r);
}

void emit_load_and_memory(const Context& ctx, RecordSink& sink) {
    if (auto text = read_proc(ctx, "loadavg", sink)) {
        if (auto l = procfs::parse_proc_loadavg(*text)) {
            sink.emit({{"record_type", "load"},
                       {"load_1", l->one},
                       {"load_5", l->five},
                       {"load_15", l->fifteen},
                       {"runnable", l->runnable},
                       {"tasks", l->total},
                       {"last_pid", l->last_pid}});
        } else {
            sink.item_error(ItemError::without_code("parse", (ctx.proc_root / "loadavg").string(),
                                                    "malformed"));
        }
    }
    if (auto text = read_proc(ctx, "meminfo", sink)) {
        auto m = procfs::parse_proc_meminfo(*text);
        auto get = [&](const char* key) { return m.count(key) ? json(m[key]) : json(nullptr); };
        sink.emit({{"record_type", "memory"},
                   {"mem_total_bytes", get("MemTotal")},
                   {"mem_free_bytes", get("MemFree")},
                   {"mem_available_bytes", get("MemAvailable")},
                   {"swap_total_bytes", get("SwapTotal")},
                   {"swap_free_bytes", get("SwapFree")}});
    }
}

void emit_mounts(const Context& ctx, RecordSink& sink) {
    auto text = read_proc(ctx, "self/mountinfo", sink);
    if (!text) return;
    size_t malformed = 0;
    for (const auto& m : procfs::parse_proc_pid_mountinfo(*text, &malformed)) {
        json r = {{"record_type", "mount"},
                  {"mount_id", m.mount_id},
                  {"parent_id", m.parent_id},
                  {"device", fmt::format("{}:{}", m.major, m.minor)}};
        // A FUSE mount's type ("fuse.NAME") and options are chosen by whoever mounted it.
        put_text(r, "mount_options", m.mount_options);
        put_text(r, "fs_type", m.fs_type);
        put_text(r, "super_options", m.super_options);
        put_text(r, "fs_root", m.root);
        put_text(r, "mount_point", m.mount_point);
        put_text(r, "source", m.source);
        sink.emit(r);
    }
    if (malformed) {
        sink.item_error(
            ItemError::without_code("parse", (ctx.proc_root / "self/mountinfo").string(),
                                    fmt::format("{} malformed line(s) skipped", malformed)));
    }
}

void emit_sessions(const Context& ctx, RecordSink& sink) {
    std::optional<std::string> bytes;
    std::string used;
    for (const char* rel : {"run/utmp", "var/run/utmp"}) {
        used = ctx.host_path(rel).string();
        bool truncated = false;
        auto read = posix::read_file_at(AT_FDCWD, used, k_max_utmp_bytes, &truncated);
        if (read) {
            bytes = *read;
            if (truncated) {
                sink.item_error(ItemError::from_errno(
                    "read", EFBIG, used,
                    fmt::format("larger than {} bytes: only the start was read",
                                k_max_utmp_bytes)));
            }
            break;
        }
        if (posix::is_denied_errno(read.error().code)) {
            sink.coverage("utmp is not readable: logged-in sessions unknown");
            return;
        }
        if (read.error().code != ENOENT) {
            // Refused (a FIFO or device planted there) or unreadable: said, not skipped.
            auto e = read.error();
            e.path = used;
            sink.item_error(e);
        }
    }
    if (!bytes) return;  // no utmp on this host (containers, minimal systems): nothing to list
    size_t trailing = 0;
    for (const auto& e : utmp::parse_utmp(*bytes, &trailing)) {
        if (e.type != 7) continue;  // USER_PROCESS: a live login; the rest is bookkeeping
        json r = {{"record_type", "session"},
                  {"pid", e.pid},
                  {"login_time", format_rfc3339_utc(e.tv_sec * 1'000'000'000 + e.tv_usec * 1000)},
                  {"session_type", utmp::type_name(e.type)},
                  {"address", e.address}};
        put_text(r, "user", e.user);
        put_text(r, "line", e.line);
        put_text(r, "host", e.host);
        sink.emit(r);
    }
    if (trailing) {
        sink.item_error(
            ItemError::without_code("parse", used, fmt::format("{} trailing bytes", trailing)));
    }
}

/// What the package index read (docs/package-trust.md); last, since it waits for the index.
void emit_packages(const Context& ctx, RecordSink& sink) {
    const PackageIndex* index = ctx.packages();
    if (!index) return;
    const PackageIndexSummary& s = index->summary();
    json r = {{"record_type", "packages"},      {"package_managers", s.managers},
              {"packages_indexed", s.packages}, {"paths_indexed", s.paths},
              {"index_seconds", s.seconds},     {"package_notes", s.notes}};
    put_text(r, "distribution", s.distribution);
    for (const auto& note : s.notes) sink.coverage("package database: " + note);
    sink.emit(r);
}

}  // namespace

void collect_system(const Context& ctx, RecordSink& sink) {
    emit_clock(ctx, sink);
    emit_load_and_memory(ctx, sink);
    emit_mounts(ctx, sink);
    emit_sessions(ctx, sink);
    emit_packages(ctx, sink);
}

}  // namespace irsnap::collectors
