// SPDX-License-Identifier: Apache-2.0
// The observation window's network rules: outbound connects to telling ports (classed as the
// snapshot's sockets are, rules_network.cpp) and flows on the wire that no socket accounts for.
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "rules_activity.hpp"

namespace irsnap::triage::activity {
namespace {
// Names apart from the other rule files': a unity batch compiles several of them as one.
namespace wire_detail {

using nlohmann::json;

enum class PortClass { irc, backdoor, smtp, unusual };

/// IRS-ACT-004: connects grouped by class, owner and destination; port 25 waits for the end,
/// when it is known whether the host listens for mail itself (a mail server talks SMTP by design).
class TellingPort final : public RulePass {
  public:
    explicit TellingPort(const Rule& self) : m_self(self) {}

    void see(std::string_view collector, const Record& rec, FindingSink&) override {
        const json& r = rec.value;
        if (listens_for_mail(collector, r)) m_mail_server = true;
        if (collector != k_collector || !is_outbound_connect(r)) return;
        const int64_t port = number_of(r, "remote_port");
        const bool loopback = is_loopback(text_of(r, "remote_address"));
        PortClass c;
        if (is_irc_port(port)) {
            c = PortClass::irc;
        } else if (is_backdoor_port(port)) {
            c = PortClass::backdoor;
        } else if (loopback) {
            return;  // a local MTA or service: not traffic to anyone
        } else if (port == 25) {
            c = PortClass::smtp;
        } else if (!is_common_service_port(port) && port > 0) {
            c = PortClass::unusual;
        } else {
            return;
        }
        Key key{c, owner_key(r), text_of(r, "protocol"), text_of(r, "remote_address"), port};
        auto it = m_groups.find(key);
        if (it == m_groups.end()) {
            if (m_groups.size() >= k_max_groups) return;
            it = m_groups.emplace(std::move(key), Group{owner_text(r), destination_text(r)}).first;
        }
        ++it->second.count;
        if (it->second.evidence.size() < k_evidence_kept) {
            it->second.evidence.push_back(rec.evidence(connection_fields(r)));
        }
    }

    void finish(const Context&, FindingSink& out) override {
        for (auto& [key, g] : m_groups) {
            const PortClass c = std::get<0>(key);
            if (c == PortClass::smtp && m_mail_server) continue;
            std::string what;
            Urgency urgency = Urgency::high;
            Confidence confidence = Confidence::medium;
            switch (c) {
                case PortClass::irc:
                    what = "an IRC port, the historic command channel of botnets";
                    break;
                case PortClass::backdoor:
                    what = "a port backdoors favour";
                    break;
                case PortClass::smtp:
                    what = "SMTP, from a host with no mail listener";
                    urgency = Urgency::medium;
                    break;
                case PortClass::unusual:
                    what = "a port no common service uses";
                    urgency = Urgency::low;
                    confidence = Confidence::low;
                    break;
            }
            Finding f = m_self.finding(
                fmt::format("{} connected to {} {} time{} during the window: {}", g.owner,
                            g.destination, g.count, g.count == 1 ? "" : "s", what),
                std::move(g.evidence));
            f.urgency = urgency;
            f.confidence = confidence;
            out.add(std::move(f));
        }
    }

  private:
    using Key = std::tuple<PortClass, std::string, std::string, std::string, int64_t>;
    struct Group {
        std::string owner, destination;
        uint64_t count = 0;
        std::vector<Evidence> evidence;
    };

    /// A snapshot listener or a listen event of the window on a mail port.
    static bool listens_for_mail(std::string_view collector, const json& r) {
        const int64_t port = number_of(r, "local_port");
        if (port != 25 && port != 465 && port != 587) return false;
        if (collector == "network") {
            return text_of(r, "protocol") == "tcp" && text_of(r, "state") == "LISTEN";
        }
        return is_kind(r, "connection") && text_of(r, "event") == "listen";
    }

    const Rule& m_self;
    bool m_mail_server = false;
    std::map<Key, Group> m_groups;
};

/// Who sent first, as far as the flow record tells.
enum class FlowClass { outbound, inbound_only, inbound_answered, unknown };

/// IRS-ACT-005: flows whose socket_seen is false, grouped by who sent first and the host's port
/// (a scan of one port from many addresses is one finding); the raw and packet sockets of the
/// window are known only at its end, so the findings wait for it.
class NoSocket final : public RulePass {
  public:
    explicit NoSocket(const Rule& self) : m_self(self) {}

    void see(std::string_view, const Record& rec, FindingSink&) override {
        const json& r = rec.value;
        if (is_kind(r, "raw_socket")) {
            note_raw_socket(rec);
            return;
        }
        if (!is_kind(r, "flow")) return;
        auto seen = r.find("socket_seen");
        if (seen == r.end() || !seen->is_boolean() || seen->get<bool>()) return;  // null: unknown
        Key key{class_of(r), text_of(r, "protocol"), number_of(r, "local_port")};
        auto it = m_groups.find(key);
        if (it == m_groups.end()) {
            if (m_groups.size() >= k_max_groups) return;
            it = m_groups.emplace(std::move(key), Group{}).first;
        }
        Group& g = it->second;
        ++g.flows;
        const std::string remote = endpoint_text(r, "remote_address", "remote_port");
        if (g.remotes.size() < 5 && !g.remotes.count(remote)) g.remotes.insert(remote);
        if (g.evidence.size() < k_evidence_kept) {
            g.evidence.push_back(rec.evidence(
                pick(r, {"kind", "time", "last_time", "protocol", "local_address", "local_port",
                         "remote_address", "remote_port", "direction", "packets_out", "packets_in",
                         "interface", "netns", "socket_seen", "socket_views"})));
        }
    }

    void finish(const Context&, FindingSink& out) override {
        for (auto& [key, g] : m_groups) out.add(finding(key, g));
    }

  private:
    using Key = std::tuple<FlowClass, std::string, int64_t>;
    struct Group {
        uint64_t flows = 0;
        std::set<std::string> remotes;  ///< the first 5
        std::vector<Evidence> evidence;
    };

    static FlowClass class_of(const json& r) {
        const std::string direction = text_of(r, "direction");
        if (direction == "outbound") return FlowClass::outbound;
        if (direction != "inbound") return FlowClass::unknown;
        return number_of(r, "packets_out", 0) > 0 ? FlowClass::inbound_answered
                                                  : FlowClass::inbound_only;
    }

    /// Holders of raw and packet sockets, except the daemons that need one (IRS-NET-004's list).
    void note_raw_socket(const Record& rec) {
        auto owners = rec.value.find("owners");
        if (owners == rec.value.end() || !owners->is_array()) return;
        bool named = false;
        for (const auto& o : *owners) {
            const std::string name = text_of(o, "name");
            if (number_of(o, "pid") < 0 || is_expected_raw_owner(name)) continue;
            named = true;
            const std::string holder =
                fmt::format("pid {} ({}, {} socket)", number_text(o, "pid"), cut_text(name, 64),
                            text_of(rec.value, "socket_type"));
            if (m_holders.size() < 8 && !m_holders.count(holder)) m_holders.insert(holder);
        }
        if (named && m_holder_evidence.size() < k_evidence_kept) {
            m_holder_evidence.push_back(rec.evidence(
                pick(rec.value, {"kind", "time", "protocol", "socket_type", "inode", "owners"})));
        }
    }

    Finding finding(const Key& key, Group& g) const {
        const auto& [c, protocol, port] = key;
        std::string remotes;
        for (const auto& r : g.remotes) remotes += (remotes.empty() ? "" : ", ") + r;
        if (g.flows > g.remotes.size()) remotes += " ...";
        std::string holders;
        for (const auto& h : m_holders) holders += (holders.empty() ? "" : ", ") + h;
        const std::string flows = fmt::format("{} flow{}", g.flows, g.flows == 1 ? "" : "s");
        std::string why;
        Urgency urgency = Urgency::high;
        Confidence confidence = Confidence::medium;
        switch (c) {
            case FlowClass::outbound:
                why = fmt::format(
                    "the host sent {} from its port {}, which no socket view listed "
                    "during the window ({} to {}): a raw-socket sender or a hidden "
                    "socket",
                    protocol, port, flows, remotes);
                if (!holders.empty()) why += "; raw or packet sockets held meanwhile: " + holders;
                break;
            case FlowClass::inbound_only:
            case FlowClass::inbound_answered:
            case FlowClass::unknown:
                why = fmt::format(
                    "{} {} to the host's port {}, which no socket view listed during "
                    "the window ({} from {})",
                    c == FlowClass::inbound_answered ? "answered" : "unanswered", protocol, port,
                    flows, remotes);
                if (c == FlowClass::unknown) why = "direction unknown: " + why;
                if (!holders.empty()) {
                    why += "; meanwhile " + holders +
                           " held a raw or packet socket: a BPFDoor-style listener reads packets "
                           "to a port it never binds";
                } else if (c == FlowClass::inbound_answered) {
                    urgency = Urgency::medium;
                    confidence = Confidence::low;
                    why += "; something answered without a socket";
                } else {
                    urgency = Urgency::low;
                    confidence = Confidence::low;
                    why += "; probes and scans of closed ports look like this";
                }
                break;
        }
        why +=
            "; forwarded or NATed traffic (a router, a container bridge, a VPN) also has no "
            "socket on the host";
        std::vector<Evidence> evidence = std::move(g.evidence);
        if (urgency == Urgency::high && !holders.empty()) {
            evidence.insert(evidence.end(), m_holder_evidence.begin(), m_holder_evidence.end());
        }
        Finding f = m_self.finding(std::move(why), std::move(evidence));
        f.urgency = urgency;
        f.confidence = confidence;
        return f;
    }

    const Rule& m_self;
    std::map<Key, Group> m_groups;
    std::set<std::string> m_holders;  ///< the first 8, as the findings name them
    std::vector<Evidence> m_holder_evidence;
};

}  // namespace wire_detail
}  // namespace

std::unique_ptr<RulePass> telling_port_pass(const Rule& self) {
    return std::make_unique<wire_detail::TellingPort>(self);
}

std::unique_ptr<RulePass> no_socket_pass(const Rule& self) {
    return std::make_unique<wire_detail::NoSocket>(self);
}

}  // namespace irsnap::triage::activity
