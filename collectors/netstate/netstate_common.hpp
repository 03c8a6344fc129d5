// SPDX-License-Identifier: Apache-2.0
// Small pieces shared by the neighbours, routes and interfaces collectors (Linux).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "irsnap/collector.hpp"

namespace irsnap::collectors::netstate {

/// Netlink answers for the live kernel only, so it is read only when the proc root is the live
/// /proc; otherwise a coverage note says the netlink view was not read.
bool netlink_view(const Context& ctx, RecordSink& sink);

/// A file under the proc root (e.g. "net/arp"). nullopt when it does not exist (no IPv6: nothing
/// to list) or cannot be read (an item error).
std::optional<std::string> read_proc_file(const Context& ctx, const std::string& relative,
                                          RecordSink& sink);

/// An item error for `count` malformed rows (or messages) skipped in `path`; none when 0.
void report_malformed(size_t count, const std::string& path, RecordSink& sink);

/// Interface index -> name from one RTM_GETLINK dump; empty (and an item error) when it fails.
std::map<int32_t, std::string> interface_names(RecordSink& sink);

/// Sets record[field] to the text (escaped when not UTF-8, then listed in `escaped`), or null
/// for an empty name.
void put_text(nlohmann::json& record, const char* field, const std::string& text,
              std::vector<std::string>& escaped);

/// Adds "escaped_fields" when any field was escaped.
void put_escaped(nlohmann::json& record, const std::vector<std::string>& escaped);

}  // namespace irsnap::collectors::netstate
