// SPDX-License-Identifier: Apache-2.0
// The statuses a run and its collectors end with, and why a collector was skipped. Each has one
// table that holds its manifest spelling: to_string() writes it, *_from_string() reads it back.
// A reader of a bundle gets std::nullopt for a string it does not know (a newer or hostile
// manifest) and keeps the string itself as data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

namespace irsnap {

/// How one collector ended: the manifest's collectors[].status.
enum class CollectorStatus : uint8_t {
    ok,       ///< ran to the end and saw everything it looked for
    partial,  ///< ran, but stopped early, lost coverage or had item errors
    failed,   ///< threw, or its artifact could not be written
    skipped,  ///< not run (see SkipReason); no artifact
};

/// How the whole run ended: the manifest's top-level status.
enum class RunStatus : uint8_t {
    complete,     ///< every collector ok or skipped
    partial,      ///< some collector partial or failed
    interrupted,  ///< SIGINT/SIGTERM/SIGHUP
    incomplete,   ///< the output failed (full disk, a reader gone)
};

/// Why a collector was not run: the manifest's collectors[].message of a skipped one.
enum class SkipReason : uint8_t {
    not_selected,          ///< --collectors names others
    excluded,              ///< --exclude names it
    not_on_this_platform,  ///< no implementation for this platform
    interrupted,           ///< the run was interrupted before it started
    output_failed,         ///< an earlier artifact could not be written
    off_by_default,        ///< runs only when its option asks for it (--physical-memory)
};

namespace status_detail {

inline constexpr std::pair<CollectorStatus, std::string_view> k_collector[] = {
    {CollectorStatus::ok, "ok"},
    {CollectorStatus::partial, "partial"},
    {CollectorStatus::failed, "failed"},
    {CollectorStatus::skipped, "skipped"},
};

inline constexpr std::pair<RunStatus, std::string_view> k_run[] = {
    {RunStatus::complete, "complete"},
    {RunStatus::partial, "partial"},
    {RunStatus::interrupted, "interrupted"},
    {RunStatus::incomplete, "incomplete"},
};

inline constexpr std::pair<SkipReason, std::string_view> k_skip[] = {
    {SkipReason::not_selected, "not selected (--collectors)"},
    {SkipReason::excluded, "excluded (--exclude)"},
    {SkipReason::not_on_this_platform, "not available on this platform"},
    {SkipReason::interrupted, "not run: interrupted"},
    {SkipReason::output_failed, "not run: output failed"},
    {SkipReason::off_by_default, "off by default (its option turns it on)"},
};

template <class Enum, size_t N>
constexpr std::string_view name_of(const std::pair<Enum, std::string_view> (&table)[N], Enum e) {
    for (const auto& [value, name] : table) {
        if (value == e) return name;
    }
    return "unknown";  // not reached: every enumerator is in its table (status test)
}

template <class Enum, size_t N>
constexpr std::optional<Enum> value_of(const std::pair<Enum, std::string_view> (&table)[N],
                                       std::string_view text) {
    for (const auto& [value, name] : table) {
        if (name == text) return value;
    }
    return std::nullopt;
}

}  // namespace status_detail

constexpr std::string_view to_string(CollectorStatus s) {
    return status_detail::name_of(status_detail::k_collector, s);
}
constexpr std::string_view to_string(RunStatus s) {
    return status_detail::name_of(status_detail::k_run, s);
}
constexpr std::string_view to_string(SkipReason r) {
    return status_detail::name_of(status_detail::k_skip, r);
}

/// The status a manifest spells `text`; nullopt for anything else (keep the text as data).
constexpr std::optional<CollectorStatus> collector_status_from_string(std::string_view text) {
    return status_detail::value_of(status_detail::k_collector, text);
}
constexpr std::optional<RunStatus> run_status_from_string(std::string_view text) {
    return status_detail::value_of(status_detail::k_run, text);
}

}  // namespace irsnap
