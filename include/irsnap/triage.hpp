// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "irsnap/bundle_reader.hpp"

namespace irsnap::triage {

/// How soon an analyst should look: critical (now), high, medium, low (when time allows).
enum class Urgency { critical, high, medium, low };
/// How sure the rule is that the finding is malicious rather than unusual.
enum class Confidence { high, medium, low };

std::string_view to_string(Urgency u);
std::string_view to_string(Confidence c);

/// One record a finding rests on: where it is (artifact and 1-based line, so `sed -n Np`
/// shows it) and the record's identifying fields.
struct Evidence {
    std::string artifact;
    uint64_t line = 0;
    nlohmann::json fields;  ///< e.g. pid, name, exe_path; never the whole record
};

struct Finding {
    std::string rule_id;
    std::string title;
    Urgency urgency = Urgency::medium;
    Confidence confidence = Confidence::medium;
    std::string attack;  ///< MITRE ATT&CK technique id ("T1620"), "" when none fits
    std::string why;     ///< one line, specific to this finding
    std::vector<Evidence> evidence;
};

/// A record of the bundle with its place.
struct Record {
    std::string artifact;
    uint64_t line = 0;
    nlohmann::json value;
    Evidence evidence(nlohmann::json fields) const { return {artifact, line, std::move(fields)}; }
};

/// What the rules read: the records of the collectors they need, and when the bundle was taken.
struct Input {
    std::map<std::string, std::vector<Record>, std::less<>> records;  ///< by collector name
    int64_t collected_unix_ns = 0;  ///< 0 when unknown: time-based rules then stay silent
    int recent_days = 7;            ///< --recent-days: "changed shortly before collection"
    const std::vector<Record>& of(std::string_view collector) const;
};

/// A rule: code with a spec. Ids are stable (documented, referenced by analysts' notes).
struct Rule {
    std::string_view id;
    std::string_view title;
    Urgency urgency;  ///< the usual urgency; a finding may lower or raise it with a reason
    Confidence confidence;
    std::string_view attack;
    std::string_view collectors;  ///< comma-separated collectors the rule reads
    std::string_view rationale;   ///< why this matters, for --list-rules and docs
    void (*run)(const Rule& self, const Input& in, std::vector<Finding>& out);

    /// A finding of this rule with its defaults filled in.
    Finding finding(std::string why, std::vector<Evidence> evidence) const;
};

/// Every rule, in id order.
std::span<const Rule> rules();

/// Collectors any rule reads (what triage loads from the bundle).
std::vector<std::string> needed_collectors();

/// Runs every rule; findings sorted by urgency, then confidence, rule id and evidence place.
std::vector<Finding> run_rules(const Input& in);

/// Loads the needed collectors' records of a bundle (directory or tar). Lines that are not
/// JSON objects are counted in `bad_lines` and skipped.
Input load_input(const std::filesystem::path& bundle, BundleSummary& summary, size_t& bad_lines);

nlohmann::json to_json(const Finding& f);

// Shared by rules (rule_helpers.cpp).
/// A temporary or user-writable download place: /tmp, /var/tmp, /dev/shm (and below), or on
/// Windows a path with \Temp\, \AppData\ or \Downloads\ (case-insensitive).
bool is_temporary_place(std::string_view path);
/// The string at `key`, "" when missing or not a string.
std::string text_of(const nlohmann::json& record, const char* key);
/// The boolean at `key`; false when missing or not a boolean.
bool flag_of(const nlohmann::json& record, const char* key);
/// The integer at `key`; `fallback` when missing or not an integer.
int64_t number_of(const nlohmann::json& record, const char* key, int64_t fallback = -1);
/// RFC 3339 UTC ("2026-11-22T07:30:34.533067Z") to Unix ns; 0 when unparsable.
int64_t parse_utc_ns(std::string_view text);
/// Copies the listed keys that exist in `record`.
nlohmann::json pick(const nlohmann::json& record, std::initializer_list<const char*> keys);

}  // namespace irsnap::triage
