// SPDX-License-Identifier: Apache-2.0
// The custody.jsonl chain as pure functions over text: what a line holds, how it links, and
// every check verify makes. Kept apart from the file I/O (custody.cpp) so unit tests and the
// fuzz target use it alone. The rule is defined in docs/manifest.md ("custody.jsonl").
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "irsnap/clock.hpp"
#include "irsnap/custody.hpp"
#include "irsnap/hash.hpp"
#include "irsnap/untrusted_json.hpp"

namespace irsnap {
namespace {

using nlohmann::json;

constexpr const char* k_string_fields[] = {
    "schema",          "event",           "by",          "to", "note", "time", "host", "user",
    "manifest_sha256", "previous_sha256", "event_sha256"};

/// SHA-256 of the event without its own digest: what event_sha256 holds.
std::string event_digest(json event) {
    event.erase("event_sha256");
    return sha256_hex(event.dump());
}

std::string line_path(size_t line) {
    return fmt::format("{} line {}", k_custody_log, line);
}

/// Empty when the event has every field with the right type; else what is wrong.
std::string shape_error(const json& e) {
    if (!e.is_object()) return "not a JSON object";
    for (const char* field : k_string_fields) {
        auto it = e.find(field);
        if (it == e.end() || !it->is_string()) {
            return fmt::format("'{}' missing or not text", field);
        }
    }
    auto seq = e.find("sequence");
    if (seq == e.end() || !seq->is_number_integer()) return "'sequence' missing or not an integer";
    if (e["schema"] != k_custody_schema) {
        return fmt::format("schema '{}', expected '{}'", e["schema"].get<std::string>(),
                           k_custody_schema);
    }
    return "";
}

}  // namespace

CustodyAnchor custody_anchor(const json& manifest, const std::string& manifest_sha256) {
    auto custody = manifest.find("custody");
    if (custody == manifest.end() || !custody->is_array() || custody->empty() ||
        !custody->back().is_object()) {
        throw std::runtime_error("manifest.json has no custody events to link to");
    }
    const json& last = custody->back();
    auto seq = last.find("sequence");
    if (seq == last.end() || !seq->is_number_integer()) {
        throw std::runtime_error("manifest.json's last custody event has no sequence");
    }
    // The manifest event hashed as if it were line 0 of custody.jsonl, so one rule links
    // every line to the one before it.
    return {manifest_sha256, sha256_hex(last.dump() + "\n"), seq->get<int64_t>()};
}

CustodyCheck check_custody_log(std::string_view text, const CustodyAnchor& anchor) {
    CustodyCheck check;
    std::string expected_previous = anchor.link_sha256;
    bool previous_edited = false;
    size_t start = 0;
    size_t line_no = 0;
    while (start < text.size()) {
        ++line_no;
        size_t newline = text.find('\n', start);
        if (newline == std::string_view::npos) {
            // A cut-short write, or bytes added at the end by hand.
            check.problems.push_back(
                {line_path(line_no), "incomplete",
                 "the last line has no line end: a write was cut short or the file was edited"});
            break;
        }
        const std::string_view bytes = text.substr(start, newline + 1 - start);
        start = newline + 1;
        ++check.events;
        const std::string line_sha = sha256_hex(bytes);
        const std::string path = line_path(line_no);

        json e = parse_untrusted_json(bytes);
        std::string edited;
        if (e.is_discarded()) {
            edited = "not valid JSON";
        } else if (std::string shape = shape_error(e); !shape.empty()) {
            edited = shape;
        } else if (e.dump() + "\n" != bytes) {
            edited = "not in the exact form irsnap writes: bytes were changed";
        } else if (event_digest(e) != e["event_sha256"].get<std::string>()) {
            edited = "its content does not match its event_sha256";
        }
        if (!edited.empty()) {
            // Its other fields cannot be trusted, so they are not checked.
            check.problems.push_back({path, "edited", edited});
        } else {
            const auto previous = e["previous_sha256"].get<std::string>();
            // After an edited line the link is bound to fail; that line is already named.
            if (previous != expected_previous && !previous_edited) {
                check.problems.push_back(
                    {path, "broken link",
                     line_no == 1
                         ? std::string("previous_sha256 does not link to the manifest's "
                                       "collection event: an earlier event was removed, or "
                                       "lines were reordered")
                         : fmt::format("previous_sha256 is not the SHA-256 of line {}: line {} "
                                       "was changed, or a line was removed or reordered",
                                       line_no - 1, line_no - 1)});
            }
            const int64_t expected_seq = anchor.last_sequence + static_cast<int64_t>(line_no);
            const auto seq = e["sequence"].get<int64_t>();
            if (seq != expected_seq) {
                check.problems.push_back(
                    {path, "out of sequence",
                     fmt::format("sequence {}, expected {}: a line was removed, added or "
                                 "reordered",
                                 seq, expected_seq)});
            }
            const auto manifest_sha = e["manifest_sha256"].get<std::string>();
            if (manifest_sha != anchor.manifest_sha256) {
                check.problems.push_back(
                    {path, "wrong manifest digest",
                     fmt::format("manifest_sha256 {}, but manifest.json has {}", manifest_sha,
                                 anchor.manifest_sha256)});
            }
        }
        previous_edited = !edited.empty();
        expected_previous = line_sha;
        check.last_line_sha256 = line_sha;
    }
    check.last_sequence = anchor.last_sequence + static_cast<int64_t>(check.events);
    return check;
}

bool valid_custody_event(std::string_view event) {
    if (event.empty() || event.size() > 32) return false;
    for (char c : event) {
        if (!((c >= 'a' && c <= 'z') || c == '_')) return false;
    }
    return true;
}

std::string make_custody_line(const CustodyEventInput& in, const CustodyAnchor& anchor,
                              const CustodyCheck& tail) {
    json e = {
        {"schema", k_custody_schema},
        {"sequence", anchor.last_sequence + static_cast<int64_t>(tail.events) + 1},
        {"event", in.event},
        {"by", in.by},
        {"to", in.to},
        {"note", in.note},
        {"time", format_rfc3339_utc(in.time_ns)},
        {"host", in.host},
        {"user", in.user},
        {"manifest_sha256", anchor.manifest_sha256},
        {"previous_sha256", tail.events == 0 ? anchor.link_sha256 : tail.last_line_sha256},
    };
    e["event_sha256"] = event_digest(e);
    return e.dump() + "\n";
}

}  // namespace irsnap
