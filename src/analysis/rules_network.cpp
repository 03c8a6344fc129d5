// SPDX-License-Identifier: Apache-2.0
// Sockets that say something about intent: IRC (botnet command channels), direct SMTP (spam
// relays), listeners on odd ports (backdoors), raw and packet sockets (sniffers, covert
// channels).
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "rules.hpp"

namespace irsnap::triage {

// The port and owner classes, shared with the observation window's rules (rules_activity.cpp).

std::string endpoint_text(const nlohmann::json& s, const char* address, const char* port) {
    const std::string a = text_of(s, address);
    return a.find(':') != std::string::npos ? fmt::format("[{}]:{}", a, number_text(s, port))
                                            : fmt::format("{}:{}", a, number_text(s, port));
}

bool is_loopback(const std::string& address) {
    return address.rfind("127.", 0) == 0 || address == "::1" ||
           address.rfind("::ffff:127.", 0) == 0;
}

bool is_irc_port(int64_t port) {
    return (port >= 6660 && port <= 6669) || port == 6697;
}

bool is_backdoor_port(int64_t port) {
    static const std::set<int64_t> k_ports = {1337,  1524,  4444,  5555,  6666,  12345,
                                              12346, 20000, 31337, 31338, 54321, 65535};
    return k_ports.count(port) > 0;
}

bool is_common_service_port(int64_t port) {
    static const std::set<int64_t> k_ports = {
        21,   22,   23,   25,   53,   67,   68,   69,   80,   88,    110,   111,  123,
        137,  138,  139,  143,  161,  162,  389,  443,  445,  465,   514,   546,  547,
        587,  631,  636,  853,  873,  993,  995,  1194, 1433, 1521,  1883,  2049, 2379,
        2380, 3000, 3128, 3306, 3389, 5353, 5355, 5432, 5672, 5900,  5985,  5986, 6379,
        6443, 8000, 8080, 8443, 8883, 9090, 9100, 9200, 9300, 10250, 11211, 27017};
    return k_ports.count(port) > 0;
}

bool is_expected_raw_owner(const std::string& name) {
    static const std::set<std::string> k_names = {
        "dhclient",   "dhcpcd", "NetworkManager", "systemd-network", "wpa_supplicant", "lldpd",
        "keepalived", "ping",   "arping",         "dhcpd",           "systemd-timesyn"};
    return k_names.count(name) > 0;
}

namespace {

nlohmann::json socket_fields(const nlohmann::json& s) {
    return pick(s, {"protocol", "local_address", "local_port", "remote_address", "remote_port",
                    "state", "owners"});
}

std::string owners_text(const nlohmann::json& s) {
    if (!s.contains("owners") || !s["owners"].is_array() || s["owners"].empty()) {
        return "no owning process seen";
    }
    std::string text;
    for (const auto& o : s["owners"]) {
        if (!text.empty()) text += ", ";
        text += fmt::format("pid {} ({})", number_text(o, "pid"), text_of(o, "name"));
    }
    return text;
}

bool is_tcp_or_udp(const nlohmann::json& s) {
    const std::string p = text_of(s, "protocol");
    return p == "tcp" || p == "udp";
}

bool is_outgoing(const nlohmann::json& s) {
    const std::string state = text_of(s, "state");
    return text_of(s, "protocol") == "tcp" && (state == "ESTABLISHED" || state == "SYN_SENT");
}

bool is_listener(const nlohmann::json& s) {
    const std::string state = text_of(s, "state");
    if (text_of(s, "protocol") == "tcp") return state == "LISTEN";
    // An unconnected UDP socket is a listener for our purpose (Linux state CLOSE; Windows's UDP
    // table has no state and lists only bound endpoints); high ports are client sockets.
    return text_of(s, "protocol") == "udp" && (state == "CLOSE" || state.empty()) &&
           number_of(s, "local_port") > 0 && number_of(s, "local_port") < 32768;
}

void irc_traffic(const Rule& self, std::string_view, const Record& r, FindingSink& out) {
    const auto& s = r.value;
    if (is_outgoing(s) && is_irc_port(number_of(s, "remote_port"))) {
        out.add(self.finding(
            fmt::format("{} -> {} {} ({})", endpoint_text(s, "local_address", "local_port"),
                        endpoint_text(s, "remote_address", "remote_port"), text_of(s, "state"),
                        owners_text(s)),
            {r.evidence(socket_fields(s))}));
    } else if (is_listener(s) && is_irc_port(number_of(s, "local_port"))) {
        Finding f = self.finding(
            fmt::format("listening on the IRC port {} ({})",
                        endpoint_text(s, "local_address", "local_port"), owners_text(s)),
            {r.evidence(socket_fields(s))});
        f.urgency = Urgency::medium;  // a server here is odd, but it is not bot traffic
        out.add(std::move(f));
    }
}

/// Outgoing port-25 connections are findings only if no socket of the bundle listens for mail,
/// which is known only at the end: they wait here, the first ones whole, the rest counted.
class OutboundSmtp final : public RulePass {
  public:
    explicit OutboundSmtp(const Rule& self) : m_self(self), m_waiting(k_max_findings_per_rule) {}

    void see(std::string_view, const Record& r, FindingSink&) override {
        const auto& s = r.value;
        const int64_t port = number_of(s, "local_port");
        if (is_listener(s) && (port == 25 || port == 465 || port == 587)) m_mail_server = true;
        if (m_mail_server || !is_outgoing(s) || number_of(s, "remote_port") != 25) return;
        if (m_waiting.full()) {
            m_waiting.omit();
            return;
        }
        m_waiting.add(m_self.finding(
            fmt::format("{} -> {} from a host with no mail listener ({})",
                        endpoint_text(s, "local_address", "local_port"),
                        endpoint_text(s, "remote_address", "remote_port"), owners_text(s)),
            {r.evidence(socket_fields(s))}));
    }
    void finish(const Context&, FindingSink& out) override {
        if (m_mail_server) return;  // a mail server talks SMTP to the world by design
        for (Finding& f : m_waiting.kept()) out.add(std::move(f));
        out.omit(m_waiting.omitted());
    }

  private:
    const Rule& m_self;
    bool m_mail_server = false;
    FindingSink m_waiting;
};

void unusual_listener(const Rule& self, std::string_view, const Record& r, FindingSink& out) {
    const auto& s = r.value;
    if (!is_listener(s) || !is_tcp_or_udp(s) || is_loopback(text_of(s, "local_address"))) {
        return;
    }
    const int64_t port = number_of(s, "local_port");
    if (is_irc_port(port)) return;  // IRS-NET-001 reports it
    const bool backdoor = is_backdoor_port(port);
    if (!backdoor && is_common_service_port(port)) return;
    Finding f = self.finding(
        fmt::format("{} listens on {}{} ({})", text_of(s, "protocol"),
                    endpoint_text(s, "local_address", "local_port"),
                    backdoor ? ", a port backdoors favour" : ", not a common service port",
                    owners_text(s)),
        {r.evidence(socket_fields(s))});
    if (backdoor) {
        f.urgency = Urgency::high;
        f.confidence = Confidence::medium;
    }
    out.add(std::move(f));
}

void raw_or_packet_socket(const Rule& self, std::string_view, const Record& r, FindingSink& out) {
    const auto& s = r.value;
    const std::string protocol = text_of(s, "protocol");
    if (protocol != "raw" && protocol != "packet") return;
    bool all_expected = s.contains("owners") && s["owners"].is_array() && !s["owners"].empty();
    if (all_expected) {
        for (const auto& o : s["owners"]) all_expected &= is_expected_raw_owner(text_of(o, "name"));
    }
    Finding f = self.finding(
        fmt::format("{} socket ({}): sees or forges traffic below TCP/UDP ({})", protocol,
                    protocol == "raw" ? fmt::format("IP protocol {}", number_text(s, "local_port"))
                                      : fmt::format("ethertype {}", number_text(s, "local_port")),
                    owners_text(s)),
        {r.evidence(socket_fields(s))});
    if (all_expected) {
        f.urgency = Urgency::low;
        f.why += "; its owner usually needs one";
    }
    out.add(std::move(f));
}

constexpr Rule k_network_rules[] = {
    {"IRS-NET-001", "Connection to an IRC port", Urgency::high, Confidence::medium, "T1071",
     "network",
     "IRC (6660-6669, 6697) is the historic command channel of Linux botnets and coin-miner "
     "droppers; servers rarely have a business reason to speak it.",
     per_record<irc_traffic>},
    {"IRS-NET-002", "Outbound SMTP from a host that is not a mail server", Urgency::medium,
     Confidence::medium, "T1071.003", "network",
     "Hosts that do not listen on 25/465/587 should hand mail to a relay, not talk to port 25 "
     "themselves: direct SMTP is what spam bots and some exfiltration tools do.",
     pass_of<OutboundSmtp>},
    {"IRS-NET-003", "Listener on an unusual port", Urgency::low, Confidence::low, "T1571",
     "network",
     "A socket listening beyond loopback on a port no common service uses; high when the port "
     "is one backdoors pick by habit (4444, 31337 ...). Compare with the host's role.",
     per_record<unusual_listener>},
    {"IRS-NET-004", "Raw or packet socket", Urgency::medium, Confidence::medium, "T1040", "network",
     "Packet sockets see every frame on an interface (sniffers, passive backdoors that wait for "
     "a magic packet); raw sockets forge or read IP directly. DHCP clients and similar daemons "
     "hold them legitimately: those are reported low.",
     per_record<raw_or_packet_socket>},
};

}  // namespace

std::span<const Rule> network_rules() {
    return k_network_rules;
}

}  // namespace irsnap::triage
