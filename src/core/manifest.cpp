// SPDX-License-Identifier: Apache-2.0
#include "irsnap/manifest.hpp"

namespace irsnap {
namespace {

using nlohmann::json;

json error_to_json(const ItemError& e) {
    return {{"stage", e.stage},
            {"code", e.code},
            {"domain", error_domain_name(e.domain)},
            {"path", e.path},
            {"message", e.message}};
}

json collector_to_json(const CollectorOutcome& c) {
    json errors = json::array();
    for (const auto& e : c.errors) errors.push_back(error_to_json(e));
    json out = {
        {"name", c.name},
        {"rank", c.rank},
        {"status", to_string(c.status)},
        {"message", c.message},
        {"records", c.records},
        {"error_count", c.error_count},
        {"errors_listed", c.errors.size()},
        {"errors", std::move(errors)},
        {"races", c.races},
        {"coverage", c.coverage},
        {"start", clock_to_json(c.start)},
        {"end", clock_to_json(c.end)},
        {"duration_ms", (c.end.monotonic_ns - c.start.monotonic_ns) / 1e6},
        {"artifact", c.artifact ? json(c.artifact->path) : json(nullptr)},
    };
    if (!c.attachments.empty()) {
        json paths = json::array();
        for (const auto& a : c.attachments) paths.push_back(a.path);
        out["attachments"] = std::move(paths);
    }
    if (!c.views.empty()) out["views"] = c.views;
    return out;
}

json artifact_to_json(const ArtifactInfo& a) {
    return {{"path", a.path}, {"bytes", a.bytes}, {"records", a.records}, {"sha256", a.sha256}};
}

}  // namespace

json clock_to_json(const ClockSample& s) {
    return {{"realtime", format_rfc3339_utc(s.realtime_ns)},
            {"realtime_ns", s.realtime_ns},
            {"monotonic_ns", s.monotonic_ns},
            {"boottime_ns", s.boottime_ns}};
}

RunStatus run_status(const RunOutcome& run) {
    if (run.output_failed) return RunStatus::incomplete;
    if (run.interrupted) return RunStatus::interrupted;
    for (const auto& c : run.collectors) {
        if (c.status == CollectorStatus::partial || c.status == CollectorStatus::failed) {
            return RunStatus::partial;
        }
    }
    return RunStatus::complete;
}

json build_manifest(const ManifestInput& in) {
    json collectors = json::array();
    json artifacts = json::array();
    for (const auto& c : in.run.collectors) {
        collectors.push_back(collector_to_json(c));
        if (c.artifact) artifacts.push_back(artifact_to_json(*c.artifact));
        for (const auto& a : c.attachments) artifacts.push_back(artifact_to_json(a));
    }
    // The log is listed like an artifact so verify checks it the same way.
    artifacts.push_back(artifact_to_json(in.log));

    const auto& cs = in.case_info;
    json custody_event = {
        {"sequence", 1},
        {"action", "collected"},
        {"time", format_rfc3339_utc(in.end.realtime_ns)},
        {"by", cs.examiner.empty() ? in.operator_.value("user", "") : cs.examiner},
        {"host", in.host.value("hostname", "")},
        {"note", "bundle created by irsnap collect"},
        {"previous_event_sha256", nullptr},
    };
    return {
        {"schema", k_manifest_schema},
        {"bundle", in.bundle_name},
        {"output", in.output_kind},
        {"status", to_string(run_status(in.run))},
        {"output_error", in.run.output_error},
        {"case",
         {{"case_id", cs.case_id},
          {"evidence_id", cs.evidence_id},
          {"examiner", cs.examiner},
          {"description", cs.description},
          {"notes", cs.notes}}},
        {"tool", in.tool},
        {"host", in.host},
        {"operator", in.operator_},
        {"options", in.options},
        {"clock",
         {{"timestamps", "UTC, RFC 3339 with microseconds"},
          {"start", clock_to_json(in.start)},
          {"end", clock_to_json(in.end)},
          {"duration_ms", (in.end.monotonic_ns - in.start.monotonic_ns) / 1e6}}},
        {"collectors", std::move(collectors)},
        {"artifacts", std::move(artifacts)},
        {"custody", json::array({custody_event})},
        {"notes", in.notes},
    };
}

}  // namespace irsnap
