// SPDX-License-Identifier: Apache-2.0
// Shared by the exporters (export_*.cpp), not part of the public interface.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "irsnap/bundle_reader.hpp"

namespace irsnap::exports::detail {

/// A bundle's name, host and start time, known before its lines are read. read_bundle learns
/// them only at the end (a tar's manifest is its last member), but every exported line must
/// carry them, so the exporters read the manifest first. The names follow read_bundle's rules.
struct BundleIdentity {
    std::string name;
    std::string host;
    std::string collected;
    nlohmann::json manifest;  ///< null when absent or not JSON
};

/// Reads only the manifest: manifest.json of a directory, or the manifest member of a tar (one
/// pass over the file without hashing). Never throws for a bad bundle: read_bundle reports it.
BundleIdentity peek_bundle(const std::filesystem::path& path);

/// True when the summary read_bundle gave names the bundle as `id` did. False means the bundle
/// changed between the two reads: the caller marks it not verified.
bool same_bundle(const BundleIdentity& id, const BundleSummary& summary);
/// Marks `summary` not verified because the bundle changed while it was exported.
void note_changed(BundleSummary& summary);

/// One line of a directory bundle's custody.jsonl.
struct CustodyLine {
    uint64_t line = 0;
    nlohmann::json event;  ///< the parsed object (null when the line is not JSON)
};
/// custody.jsonl of a directory bundle (empty for a tar or when there is none). Its chain was
/// already checked by read_bundle's verification.
std::vector<CustodyLine> read_custody_log(const std::filesystem::path& bundle);

}  // namespace irsnap::exports::detail
