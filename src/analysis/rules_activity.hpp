// SPDX-License-Identifier: Apache-2.0
// What the observation window's rules share (rules_activity.cpp, rules_activity_wire.cpp): how
// an `activity` record names its process and its connection, and the rule passes of the wire.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "rules.hpp"

namespace irsnap::triage::activity {

/// The collector the rules read (`collect --observe`).
inline constexpr std::string_view k_collector = "activity";
/// Most evidence records a grouped finding of these rules keeps (the artifact holds the rest).
inline constexpr size_t k_evidence_kept = 5;
/// Most groups (owner and destination, port, name ...) one rule tracks in a bundle: a crafted
/// or very busy window must not make triage hold one entry per record.
inline constexpr size_t k_max_groups = 4096;

bool is_kind(const nlohmann::json& r, std::string_view kind);
/// A connection record of an outbound attempt: event connect, not said to be inbound.
bool is_outbound_connect(const nlohmann::json& r);
/// "pid 42 (beacon) /tmp/.b/beacon", as much of it as the record names.
std::string owner_text(const nlohmann::json& r);
/// What groups one program's connections: its executable, else its pid, else "" (no owner).
std::string owner_key(const nlohmann::json& r);
/// "tcp 203.0.113.9:443".
std::string destination_text(const nlohmann::json& r);
nlohmann::json connection_fields(const nlohmann::json& r);

/// IRS-ACT-004 and IRS-ACT-005 (rules_activity_wire.cpp).
std::unique_ptr<RulePass> telling_port_pass(const Rule& self);
std::unique_ptr<RulePass> no_socket_pass(const Rule& self);

}  // namespace irsnap::triage::activity
