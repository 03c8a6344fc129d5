// SPDX-License-Identifier: Apache-2.0
// Timesketch JSONL: a bundle's times as timeline events. Timesketch's importer needs `message`,
// `datetime` (ISO 8601) and `timestamp_desc`; `timestamp` (microseconds) saves it parsing the
// date. File times use plaso's descriptions ("Content Modification Time", "Metadata
// Modification Time") so they sort and filter like a plaso timeline's beside them.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "export_internal.hpp"
#include "irsnap/clock.hpp"
#include "irsnap/export.hpp"
#include "irsnap/triage.hpp"
#include "irsnap/untrusted_json.hpp"

namespace irsnap::exports {
namespace {

using nlohmann::json;
using triage::text_of;

/// Where an event came from: the bundle, and the artifact line when there is one.
struct Origin {
    const detail::BundleIdentity& id;
    std::string_view collector;
    std::string_view artifact;
    uint64_t line = 0;
};

class EventWriter {
  public:
    EventWriter(OutputStream& out, BundleExport& result) : m_out(out), m_result(result) {}

    /// Writes one event when `when` is a time irsnap writes; false (nothing written) otherwise.
    bool write(const Origin& from, std::string_view when, std::string_view description,
               std::string_view data_type, std::string message, json fields) {
        int64_t unix_us = 0;
        std::string datetime = timesketch_datetime(when, &unix_us);
        if (datetime.empty()) return false;
        fields["message"] = std::move(message);
        fields["datetime"] = std::move(datetime);
        fields["timestamp"] = unix_us;
        fields["timestamp_desc"] = description;
        fields["data_type"] = data_type;
        fields["host"] = from.id.host;
        fields["bundle"] = from.id.name;
        if (!from.collector.empty()) fields["collector"] = from.collector;
        if (!from.artifact.empty()) fields["artifact"] = from.artifact;
        if (from.line != 0) fields["line"] = from.line;
        m_out.write(fields.dump(-1, ' ', false, json::error_handler_t::replace));
        m_out.write("\n");
        ++m_result.events;
        return true;
    }

  private:
    OutputStream& m_out;
    BundleExport& m_result;
};

std::string shown(const std::string& text, std::string_view fallback = "?") {
    return text.empty() ? std::string(fallback) : text;
}

std::string command_line(const json& argv) {
    std::string out;
    if (!argv.is_array()) return out;
    for (const auto& a : argv) {
        if (!a.is_string()) continue;
        if (!out.empty()) out += ' ';
        out += a.get<std::string>();
    }
    return out;
}

json picked(const json& record, std::initializer_list<const char*> keys) {
    json out = json::object();
    for (const char* k : keys) {
        auto it = record.find(k);
        if (it != record.end() && !it->is_null()) out[k] = *it;
    }
    return out;
}

void process_event(EventWriter& w, const Origin& from, const json& r) {
    const std::string cmd = command_line(r.value("argv", json()));
    json fields = picked(r, {"pid", "ppid", "name", "exe_path", "exe_sha256", "user", "uid"});
    fields["command_line"] = cmd;
    const std::string what =
        !cmd.empty() ? cmd
                     : (!text_of(r, "exe_path").empty() ? text_of(r, "exe_path") : "[kernel]");
    w.write(from, text_of(r, "start_time"), "Process Start Time", "irsnap:process",
            fmt::format("Process start: {} (pid {}, ppid {}, user {}): {}",
                        shown(text_of(r, "name")), triage::number_text(r, "pid"),
                        triage::number_text(r, "ppid"), shown(text_of(r, "user")), what),
            std::move(fields));
}

/// The observation window's events (activity): processes, connections and DNS, each at the
/// instant it happened; flows and the window record are summaries, not events.
void activity_event(EventWriter& w, const Origin& from, const json& r) {
    const std::string kind = text_of(r, "kind");
    const std::string event = text_of(r, "event");
    const std::string who =
        fmt::format("{} (pid {})", shown(text_of(r, "process")), triage::number_text(r, "pid"));
    if (kind == "process") {
        json fields = picked(r, {"event", "pid", "ppid", "uid", "process", "exe", "sha256",
                                 "exit_code", "lifetime_ms", "source"});
        const std::string cmd = command_line(r.value("argv", json()));
        if (!cmd.empty()) fields["command_line"] = cmd;
        w.write(from, text_of(r, "time"), "Event Time", "irsnap:activity:process",
                fmt::format("Process {}: {}{}", event, who, cmd.empty() ? "" : ": " + cmd),
                std::move(fields));
    } else if (kind == "connection") {
        json fields = picked(
            r, {"event", "pid", "process", "exe", "protocol", "local_address", "local_port",
                "remote_address", "remote_port", "old_state", "new_state", "direction", "source"});
        w.write(
            from, text_of(r, "time"), "Event Time", "irsnap:activity:connection",
            fmt::format("Connection {}: {} {} {}:{} -> {}:{}", event, who, text_of(r, "protocol"),
                        text_of(r, "local_address"), triage::number_text(r, "local_port"),
                        text_of(r, "remote_address"), triage::number_text(r, "remote_port")),
            std::move(fields));
    } else if (kind == "dns") {
        json fields = picked(r, {"event", "pid", "process", "query", "query_type", "response_code",
                                 "answers", "server_address", "source"});
        w.write(from, text_of(r, "time"), "Event Time", "irsnap:activity:dns",
                fmt::format("DNS {}: {} {} by {}", event, shown(text_of(r, "query")),
                            text_of(r, "query_type"), who),
                std::move(fields));
    }
}

void autorun_events(EventWriter& w, const Origin& from, const json& r) {
    const json fields = picked(r, {"category", "source_path", "source_line", "command",
                                   "target_path", "target_sha256", "user", "enabled"});
    std::string where = shown(text_of(r, "source_path"));
    if (const int64_t n = triage::number_of(r, "source_line"); n > 0) {
        where += fmt::format(":{}", n);
    }
    const std::string cmd = text_of(r, "command");
    const std::string what = fmt::format("{} {}{}", shown(text_of(r, "category")), where,
                                         cmd.empty() ? "" : " runs " + cmd);
    w.write(from, text_of(r, "mtime"), "Content Modification Time", "irsnap:autorun",
            "Autorun file modified: " + what, fields);
    w.write(from, text_of(r, "ctime"), "Metadata Modification Time", "irsnap:autorun",
            "Autorun file metadata changed (ctime): " + what, fields);
}

void system_event(EventWriter& w, const Origin& from, const json& r) {
    const std::string type = text_of(r, "record_type");
    if (type == "clock") {
        w.write(from, text_of(r, "boot_time"), "Boot Time", "irsnap:boot",
                "System boot (boot id " + shown(text_of(r, "boot_id")) + ")",
                picked(r, {"boot_id"}));
    } else if (type == "session") {
        json fields = picked(r, {"user", "line", "pid", "session_type"});
        // The session's own "host" is where the user came from; ours is the bundle's host.
        if (!text_of(r, "host").empty()) fields["remote_host"] = text_of(r, "host");
        w.write(
            from, text_of(r, "login_time"), "Login Time", "irsnap:session",
            fmt::format("Login: {} on {}{}", shown(text_of(r, "user")), shown(text_of(r, "line")),
                        text_of(r, "host").empty() ? "" : " from " + text_of(r, "host")),
            std::move(fields));
    }
}

void manifest_events(EventWriter& w, const detail::BundleIdentity& id,
                     const BundleSummary& summary) {
    const json& m = id.manifest;
    const Origin from{id, "", "manifest.json", 0};
    json fields = {{"case_id", manifest_text(m, {"case", "case_id"})},
                   {"examiner", manifest_text(m, {"case", "examiner"})},
                   {"run_status", summary.status},
                   {"bundle_verified", summary.verified},
                   {"tool_version", manifest_text(m, {"tool", "version"})}};
    const std::string case_text = fields["case_id"].get<std::string>().empty()
                                      ? ""
                                      : ", case " + fields["case_id"].get<std::string>();
    w.write(
        from, manifest_text(m, {"clock", "start", "realtime"}), "Collection Start Time",
        "irsnap:collection",
        fmt::format("irsnap collection started on {} (bundle {}{})", id.host, id.name, case_text),
        fields);
    w.write(from, manifest_text(m, {"clock", "end", "realtime"}), "Collection End Time",
            "irsnap:collection",
            fmt::format("irsnap collection ended on {} (run status {}, bundle {})", id.host,
                        shown(summary.status, "unknown"),
                        summary.verified ? "verified" : "NOT verified: " + summary.verify_note),
            fields);
}

/// Manifest custody[] ("action") and custody.jsonl ("event") say the same things.
void custody_event(EventWriter& w, const Origin& from, const json& e) {
    std::string event = text_of(e, "event");
    if (event.empty()) event = text_of(e, "action");
    json fields = picked(e, {"sequence", "by", "to", "note", "user"});
    fields["custody_event"] = event;
    if (!text_of(e, "host").empty()) fields["custody_host"] = text_of(e, "host");
    const std::string to = text_of(e, "to");
    const std::string note = text_of(e, "note");
    w.write(from, text_of(e, "time"), "Custody Event Time", "irsnap:custody",
            fmt::format("Custody: {} (sequence {}) by {}{}{}{}", shown(event),
                        triage::number_text(e, "sequence"), shown(text_of(e, "by")),
                        to.empty() ? "" : " to " + to,
                        text_of(e, "host").empty() ? "" : " on " + text_of(e, "host"),
                        note.empty() ? "" : ": " + note),
            std::move(fields));
}

}  // namespace

std::string timesketch_datetime(std::string_view rfc3339, int64_t* unix_us) {
    const int64_t ns = triage::parse_utc_ns(rfc3339);
    // parse_utc_ns says 0 for "unparsable"; the epoch itself is no time irsnap would record.
    if (ns == 0) return {};
    std::string text = format_rfc3339_utc(ns);
    text.pop_back();  // the 'Z'
    text += "+00:00";
    if (unix_us != nullptr) *unix_us = ns / 1000;
    return text;
}

BundleExport export_timesketch(const std::filesystem::path& bundle, OutputStream& out) {
    BundleExport result;
    const detail::BundleIdentity id = detail::peek_bundle(bundle);
    EventWriter writer(out, result);
    std::string artifact;  // copied: the reader reuses its buffers
    std::string collector;
    result.summary = read_bundle(bundle, {"processes", "autoruns", "system", "activity"},
                                 [&](const BundleLine& line) {
                                     const json r = parse_untrusted_json(line.text);
                                     if (!r.is_object()) {
                                         ++result.skipped_lines;
                                         return;
                                     }
                                     ++result.records;
                                     if (line.artifact != artifact) {
                                         artifact = line.artifact;
                                         collector = line.collector;
                                     }
                                     const Origin from{id, collector, artifact, line.line};
                                     if (collector == "processes") {
                                         process_event(writer, from, r);
                                     } else if (collector == "autoruns") {
                                         autorun_events(writer, from, r);
                                     } else if (collector == "activity") {
                                         activity_event(writer, from, r);
                                     } else {
                                         system_event(writer, from, r);
                                     }
                                 });
    if (!result.summary.error.empty()) return result;
    if (!detail::same_bundle(id, result.summary)) detail::note_changed(result.summary);
    manifest_events(writer, id, result.summary);
    const json custody =
        id.manifest.is_object() ? id.manifest.value("custody", json::array()) : json::array();
    if (custody.is_array()) {
        for (const auto& e : custody) {
            if (e.is_object()) custody_event(writer, Origin{id, "", "manifest.json", 0}, e);
        }
    }
    for (const auto& c : detail::read_custody_log(bundle)) {
        if (c.event.is_object())
            custody_event(writer, Origin{id, "", "custody.jsonl", c.line}, c.event);
    }
    return result;
}

}  // namespace irsnap::exports
