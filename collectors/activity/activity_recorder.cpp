// SPDX-License-Identifier: Apache-2.0
#include "activity_recorder.hpp"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "activity.hpp"
#include "common/escaped_text.hpp"
#include "irsnap/clock.hpp"

namespace irsnap::collectors::activity {
namespace {

using nlohmann::json;

void put_stamp(json& r, const Stamp& at) {
    r["time"] = format_rfc3339_utc(at.unix_ns);
    r["monotonic_ns"] = at.monotonic_ns;
}

template <class T>
void put_optional(json& r, const char* field, const std::optional<T>& v) {
    if (v) r[field] = *v;
}

void put_nonempty(json& r, const char* field, const std::string& text) {
    if (!text.empty()) put_text(r, field, text);
}

void put_endpoints(json& r, const Endpoints& e) {
    r["protocol"] = e.protocol;
    r["family"] = e.family;
    r["local_address"] = e.local_address;
    r["local_port"] = e.local_port;
    r["remote_address"] = e.remote_address;
    r["remote_port"] = e.remote_port;
}

json flag_names(uint8_t flags) {
    static const char* const k_names[] = {"FIN", "SYN", "RST", "PSH", "ACK", "URG"};
    json names = json::array();
    for (int bit = 0; bit < 6; ++bit) {
        if (flags & (1u << bit)) names.push_back(k_names[bit]);
    }
    return names;
}

}  // namespace

bool Endpoints::operator<(const Endpoints& o) const {
    return std::tie(protocol, family, local_address, local_port, remote_address, remote_port) <
           std::tie(o.protocol, o.family, o.local_address, o.local_port, o.remote_address,
                    o.remote_port);
}

bool Endpoints::operator==(const Endpoints& o) const {
    return !(*this < o) && !(o < *this);
}

ActivityRecorder::ActivityRecorder(RecordSink& sink, std::string platform,
                                   uint64_t max_event_records)
    : m_sink(sink), m_platform(std::move(platform)), m_max_event_records(max_event_records) {
    for (const auto& f : activity_spec().fields) {
        if (f.name == "escaped_fields") continue;
        if (!f.platforms.empty() &&
            std::find(f.platforms.begin(), f.platforms.end(), m_platform) == f.platforms.end()) {
            continue;
        }
        m_sorted_fields.push_back(f.name);
    }
    std::sort(m_sorted_fields.begin(), m_sorted_fields.end());
}

void ActivityRecorder::emit(const std::string& kind, json& record) {
    const bool event = kind == "process" || kind == "connection" || kind == "dns" || kind == "flow";
    if (event && m_event_records >= m_max_event_records) {
        if (m_not_written++ == 0) {
            m_sink.coverage(
                fmt::format("more than {} events in the window: the rest were "
                            "counted, not written",
                            m_max_event_records));
        }
        return;
    }
    record["kind"] = kind;
    // Both sequences are in key order (nlohmann's objects are sorted maps): one merge pass.
    m_line.assign(1, '{');
    bool first = true;
    auto put = [&](const std::string& key, const json* value) {
        if (!first) m_line.push_back(',');
        first = false;
        m_line.push_back('"');
        m_line.append(key);
        m_line.append("\":");
        m_line.append(value ? value->dump(-1, ' ', false, json::error_handler_t::replace) : "null");
    };
    auto it = record.begin();
    size_t i = 0;
    while (i < m_sorted_fields.size() || it != record.end()) {
        if (it == record.end() || (i < m_sorted_fields.size() && m_sorted_fields[i] < it.key())) {
            put(m_sorted_fields[i++], nullptr);
        } else if (i < m_sorted_fields.size() && m_sorted_fields[i] == it.key()) {
            put(m_sorted_fields[i++], &it.value());
            ++it;
        } else {
            put(it.key(), &it.value());  // escaped_fields
            ++it;
        }
    }
    m_line.push_back('}');
    m_sink.emit_line(m_line);
    ++m_counts[kind];
    ++m_total;
    if (event) ++m_event_records;
}

void ActivityRecorder::process(const ProcessEvent& e) {
    json r;
    put_stamp(r, e.at);
    r["event"] = e.event;
    r["source"] = e.source;
    r["pid"] = e.pid;
    put_optional(r, "ppid", e.ppid);
    put_optional(r, "uid", e.uid);
    put_nonempty(r, "process", e.process);
    put_nonempty(r, "exe", e.exe);
    if (e.event == "exec") {
        json argv = json::array();
        bool escaped = false;
        for (const auto& a : e.argv) argv.push_back(escape_bytes(a, escaped));
        r["argv"] = std::move(argv);
        if (escaped) r["escaped_fields"].push_back("argv");
        r["argv_truncated"] = e.argv_truncated;
    }
    if (!e.sha256.empty()) r["sha256"] = e.sha256;
    if (!e.read_via.empty()) r["read_via"] = e.read_via;
    put_optional(r, "exit_code", e.exit_code);
    put_optional(r, "lifetime_ms", e.lifetime_ms);
    emit("process", r);
}

void ActivityRecorder::connection(const ConnectionEvent& e) {
    json r;
    put_stamp(r, e.at);
    r["event"] = e.event;
    r["source"] = e.source;
    put_endpoints(r, e.ends);
    if (!e.old_state.empty()) r["old_state"] = e.old_state;
    if (!e.new_state.empty()) r["new_state"] = e.new_state;
    if (!e.direction.empty()) r["direction"] = e.direction;
    put_optional(r, "pid", e.pid);
    put_nonempty(r, "process", e.process);
    put_nonempty(r, "exe", e.exe);
    emit("connection", r);
}

void ActivityRecorder::dns(const DnsEvent& e) {
    json r;
    put_stamp(r, e.at);
    r["event"] = e.event;
    r["source"] = e.source;
    if (!e.protocol.empty()) r["protocol"] = e.protocol;
    put_text(r, "query", e.query);
    if (!e.query_type.empty()) r["query_type"] = e.query_type;
    if (!e.response_code.empty()) r["response_code"] = e.response_code;
    if (e.event != "query") {
        json answers = json::array();
        bool escaped = false;
        for (const auto& a : e.answers) {
            answers.push_back({{"name", escape_bytes(a.name, escaped)},
                               {"type", a.type},
                               {"ttl", a.ttl},
                               {"data", escape_bytes(a.data, escaped)}});
        }
        r["answers"] = std::move(answers);
        if (escaped) r["escaped_fields"].push_back("answers");
    }
    put_optional(r, "transaction_id", e.transaction_id);
    put_nonempty(r, "client_address", e.client_address);
    put_optional(r, "client_port", e.client_port);
    put_nonempty(r, "server_address", e.server_address);
    put_nonempty(r, "interface", e.interface);
    put_optional(r, "netns", e.netns);
    put_optional(r, "pid", e.pid);
    put_nonempty(r, "process", e.process);
    emit("dns", r);
}

void ActivityRecorder::flow(const Flow& f) {
    json r;
    put_stamp(r, f.first);
    r["last_time"] = format_rfc3339_utc(f.last.unix_ns);
    r["source"] = "wire";
    put_endpoints(r, f.ends);
    if (!f.direction.empty()) r["direction"] = f.direction;
    r["packets_out"] = f.packets_out;
    r["packets_in"] = f.packets_in;
    r["bytes_out"] = f.bytes_out;
    r["bytes_in"] = f.bytes_in;
    if (f.ends.protocol == "tcp") r["tcp_flags"] = flag_names(f.tcp_flags);
    put_nonempty(r, "interface", f.interface);
    put_optional(r, "netns", f.netns);
    put_optional(r, "socket_seen", f.socket_seen);
    r["socket_views"] = f.socket_views;
    put_optional(r, "pid", f.pid);
    put_nonempty(r, "process", f.process);
    emit("flow", r);
}

void ActivityRecorder::other(const std::string& kind, json record) {
    emit(kind, record);
}

void ActivityRecorder::window(const WindowSummary& w) {
    json r;
    put_stamp(r, w.started);
    r["ended"] = format_rfc3339_utc(w.ended.unix_ns);
    r["seconds_requested"] = w.seconds_requested;
    r["seconds"] = static_cast<double>(w.ended.monotonic_ns - w.started.monotonic_ns) / 1e9;
    r["status"] = w.status;
    if (!w.status_note.empty()) r["status_note"] = w.status_note;
    r["event_sources"] = w.sources;
    r["poll_interval_ms"] = w.poll_interval_ms;
    json counts = json::object();
    for (const auto& [kind, n] : m_counts) counts[kind] = n;
    r["events"] = std::move(counts);
    r["events_lost"] = w.events_lost;
    r["events_not_written"] = m_not_written;
    emit("window", r);
}

std::string ActivityRecorder::progress_text(int64_t seconds_left, uint64_t events) {
    return fmt::format("{} s left, {} events", seconds_left < 0 ? 0 : seconds_left, events);
}

}  // namespace irsnap::collectors::activity
