// SPDX-License-Identifier: Apache-2.0
// What an observation window (`collect --observe`, the `activity` collector) shows that no
// snapshot can: a program calling home at regular intervals, a process that lived a moment and
// talked, names asked for once. The wire's rules (telling ports, traffic without a socket) are in
// rules_activity_wire.cpp; the thresholds and their reasons are in docs/analysis.md.
#include "rules_activity.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include <fmt/format.h>

namespace irsnap::triage {
namespace activity {

bool is_kind(const nlohmann::json& r, std::string_view kind) {
    return text_of(r, "kind") == kind;
}

bool is_outbound_connect(const nlohmann::json& r) {
    return is_kind(r, "connection") && text_of(r, "event") == "connect" &&
           text_of(r, "direction") != "inbound";
}

std::string owner_text(const nlohmann::json& r) {
    std::string out = number_of(r, "pid") >= 0 ? "pid " + number_text(r, "pid")
                                               : std::string("no owning process named");
    const std::string process = text_of(r, "process");
    if (!process.empty()) out += " (" + process + ")";
    const std::string exe = text_of(r, "exe");
    if (!exe.empty()) out += " " + exe;
    return cut_text(std::move(out), 300);
}

std::string owner_key(const nlohmann::json& r) {
    const std::string exe = text_of(r, "exe");
    if (!exe.empty()) return "exe:" + exe;
    return number_of(r, "pid") >= 0 ? "pid:" + number_text(r, "pid") : std::string();
}

std::string destination_text(const nlohmann::json& r) {
    return text_of(r, "protocol") + " " + endpoint_text(r, "remote_address", "remote_port");
}

nlohmann::json connection_fields(const nlohmann::json& r) {
    return pick(r, {"kind", "time", "monotonic_ns", "event", "pid", "process", "exe", "protocol",
                    "local_address", "local_port", "remote_address", "remote_port", "direction"});
}

}  // namespace activity

namespace {
// Names apart from the other rule files': a unity batch compiles several of them as one.
namespace act_detail {

using nlohmann::json;
using namespace activity;

constexpr int64_t k_ns_per_s = 1000000000;

/// IRS-ACT-001. Connects of one owner to one destination less than this apart are one call: a
/// check-in may open two connections, and a beacon that calls more than once a second is not
/// what this rule is for.
constexpr int64_t k_burst_ns = k_ns_per_s;
/// Fewest calls (3 intervals) before intervals say anything.
constexpr size_t k_min_calls = 4;
/// Most jitter (standard deviation of the intervals over their mean) of a regular series.
/// Random, human or event-driven traffic has about 1 (a Poisson process has exactly 1); an
/// implant sleeping S with up to 50 % random jitter (Cobalt Strike, Sliver) has about 0.19.
constexpr double k_max_jitter = 0.2;
/// From this many intervals on, the one farthest from the median is left out: a call missed
/// (a poll that did not see a short connection doubles one interval) must not hide a beacon.
constexpr size_t k_trim_from_intervals = 5;
/// Call instants kept per owner and destination (the count stays exact).
constexpr size_t k_max_instants = 512;
/// IRS-ACT-002: what "short-lived" means, and how many execs of the window are followed.
constexpr int64_t k_short_lived_ms = 10000;
constexpr size_t k_max_runs = 16384;
/// IRS-ACT-003: queries of a name from one process this close together are one lookup (the A
/// and AAAA of one getaddrinfo, a retry); names listed per finding; names followed.
constexpr int64_t k_one_lookup_ns = 5 * k_ns_per_s;
constexpr size_t k_names_listed = 20;
constexpr size_t k_max_names = 65536;

bool is_short_lived(int64_t lifetime_ms) {
    return lifetime_ms >= 0 && lifetime_ms < k_short_lived_ms;
}

/// A destination no common service uses, or one bots and backdoors favour.
bool is_unusual_destination(int64_t port) {
    return is_irc_port(port) || is_backdoor_port(port) || !is_common_service_port(port);
}

/// "pid 42", "pids 42, 43 and 5 more", "no owning process named".
std::string pid_list(const std::set<int64_t>& pids, uint64_t total) {
    if (pids.empty()) return "no owning process named";
    std::string out = pids.size() == 1 ? "pid" : "pids";
    bool first = true;
    for (int64_t p : pids) {
        out += fmt::format("{}{}", first ? " " : ", ", p);
        first = false;
    }
    if (total > pids.size()) out += fmt::format(" and {} more", total - pids.size());
    return out;
}

struct JitterResult {
    double mean_s = 0;
    double jitter = 0;
    bool trimmed = false;
};

/// Intervals between calls (instants sorted, bursts merged). The measure: coefficient of
/// variation, with the interval farthest from the median left out from k_trim_from_intervals.
JitterResult jitter_of(std::vector<double> intervals) {
    JitterResult out;
    if (intervals.size() >= k_trim_from_intervals) {
        std::vector<double> sorted = intervals;
        std::nth_element(sorted.begin(),
                         sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2),
                         sorted.end());
        const double median = sorted[sorted.size() / 2];
        auto farthest = std::max_element(
            intervals.begin(), intervals.end(),
            [&](double a, double b) { return std::fabs(a - median) < std::fabs(b - median); });
        intervals.erase(farthest);
        out.trimmed = true;
    }
    double sum = 0;
    for (double x : intervals) sum += x;
    out.mean_s = sum / static_cast<double>(intervals.size());
    double squares = 0;
    for (double x : intervals) squares += (x - out.mean_s) * (x - out.mean_s);
    const double sd = std::sqrt(squares / static_cast<double>(intervals.size()));
    out.jitter = out.mean_s > 0 ? sd / out.mean_s : 0;
    return out;
}

/// IRS-ACT-001: connects grouped by owner (the executable, so a loop that starts curl every
/// minute is one series) and destination; regular series become findings once the window is read.
class Beacon final : public RulePass {
  public:
    explicit Beacon(const Rule& self) : m_self(self) {}

    void see(std::string_view, const Record& rec, FindingSink&) override {
        const json& r = rec.value;
        if (is_kind(r, "process") && text_of(r, "event") == "exit" &&
            is_short_lived(number_of(r, "lifetime_ms")) && m_short_lived.size() < k_max_runs) {
            m_short_lived.insert(number_of(r, "pid"));
        }
        if (!is_outbound_connect(r)) return;
        const int64_t at = number_of(r, "monotonic_ns");
        if (at < 0) return;  // no instant, no interval
        Key key{owner_key(r), text_of(r, "protocol"), text_of(r, "remote_address"),
                number_of(r, "remote_port")};
        auto it = m_series.find(key);
        if (it == m_series.end()) {
            if (m_series.size() >= k_max_groups) return;
            it = m_series.emplace(std::move(key), Series{}).first;
            const std::string process = text_of(r, "process");
            it->second.program = cut_text(process.empty() ? "" : " (" + process + ")", 80);
            it->second.destination = destination_text(r);
            it->second.exe = cut_text(text_of(r, "exe"), 300);
        }
        Series& s = it->second;
        ++s.connects;
        if (s.instants.size() < k_max_instants) s.instants.push_back(at);
        const int64_t pid = number_of(r, "pid");
        if (pid >= 0 && !s.pids.count(pid)) {
            ++s.pid_count;
            if (s.pids.size() < 8) s.pids.insert(pid);
        }
        if (s.evidence.size() < k_evidence_kept) {
            s.evidence.push_back(rec.evidence(connection_fields(r)));
        }
    }

    void finish(const Context&, FindingSink& out) override {
        for (auto& [key, s] : m_series) {
            std::sort(s.instants.begin(), s.instants.end());
            std::vector<double> intervals;
            int64_t last_call = s.instants.empty() ? 0 : s.instants.front();
            for (int64_t at : s.instants) {
                if (at - last_call < k_burst_ns) continue;  // the same call
                intervals.push_back(static_cast<double>(at - last_call) / k_ns_per_s);
                last_call = at;
            }
            if (intervals.size() + 1 < k_min_calls) continue;
            const JitterResult j = jitter_of(intervals);
            if (j.jitter > k_max_jitter) continue;
            out.add(finding(key, s, intervals.size() + 1, j));
        }
    }

  private:
    using Key = std::tuple<std::string, std::string, std::string, int64_t>;
    struct Series {
        std::string program;  ///< " (name)" of the first connect, "" without one
        std::string destination, exe;
        std::set<int64_t> pids;  ///< the first 8
        uint64_t pid_count = 0;
        uint64_t connects = 0;
        std::vector<int64_t> instants;
        std::vector<Evidence> evidence;
    };

    Finding finding(const Key& key, Series& s, size_t calls, const JitterResult& j) const {
        const int64_t port = std::get<3>(key);
        const bool temporary = is_temporary_place(s.exe);
        bool short_lived = false;
        for (int64_t p : s.pids) short_lived |= m_short_lived.count(p) > 0;
        std::string why = fmt::format(
            "{}{}{} connected to {} {} times in {} calls, every {:.1f} s on average, jitter {:.2f} "
            "(standard deviation over mean of the intervals{}): a program calling home at regular "
            "intervals",
            pid_list(s.pids, s.pid_count), s.program, s.exe.empty() ? "" : " " + s.exe,
            s.destination, s.connects, calls, j.mean_s, j.jitter,
            j.trimmed ? ", the one farthest from the median left out" : "");
        Finding f = m_self.finding("", std::move(s.evidence));
        if (is_unusual_destination(port) || temporary || short_lived) {
            f.confidence = Confidence::high;
            if (is_unusual_destination(port)) why += "; the port is one no common service uses";
            if (temporary) why += "; it runs from a temporary place";
            if (short_lived) why += "; a new short-lived process made the calls";
        }
        if (is_loopback(std::get<2>(key))) {
            f.urgency = Urgency::medium;
            why +=
                "; a loopback destination: a local health check or agent is likelier, or a "
                "beacon through a local proxy";
        }
        f.why = cut_text(std::move(why), k_max_why_bytes);
        return f;
    }

    const Rule& m_self;
    std::map<Key, Series> m_series;
    std::set<int64_t> m_short_lived;
};

/// IRS-ACT-002: an exec of the window, followed until it exits; it contacted the network when a
/// connect or DNS query names its pid. Grouped per program once the window is read.
class ShortLived final : public RulePass {
  public:
    explicit ShortLived(const Rule& self) : m_self(self) {}

    void see(std::string_view, const Record& rec, FindingSink&) override {
        const json& r = rec.value;
        const int64_t pid = number_of(r, "pid");
        if (pid < 0) return;
        if (is_kind(r, "process") && text_of(r, "event") == "exec") {
            if (!m_runs.count(pid) && m_runs.size() >= k_max_runs && !make_room()) return;
            Run& run = m_runs[pid];
            if (run.exited && !run.contact) --m_silent;  // a pid reused
            run = Run{};
            run.exec = rec.evidence(
                pick(r, {"time", "pid", "ppid", "process", "exe", "argv", "sha256", "read_via"}));
            run.argv = argv_text(r);
            return;
        }
        auto it = m_runs.find(pid);
        if (it == m_runs.end()) return;
        Run& run = it->second;
        if (is_kind(r, "process") && text_of(r, "event") == "exit") {
            if (!run.exited && !run.contact) ++m_silent;
            run.exited = true;
            run.lifetime_ms = number_of(r, "lifetime_ms");
            run.exit = rec.evidence(pick(r, {"time", "pid", "exit_code", "lifetime_ms"}));
        } else if (!run.contact && is_outbound_connect(r)) {
            if (run.exited) --m_silent;
            run.contact = rec.evidence(connection_fields(r));
            run.contact_text = "connected to " + destination_text(r);
        } else if (!run.contact && is_kind(r, "dns") && text_of(r, "event") == "query") {
            if (run.exited) --m_silent;
            run.contact = rec.evidence(pick(r, {"time", "pid", "process", "query", "query_type"}));
            run.contact_text = "asked for " + cut_text(text_of(r, "query"), 256);
        }
    }

    void finish(const Context&, FindingSink& out) override {
        // Per program (its digest, else its path): a script that runs curl every minute is one
        // finding with a count, not one per minute.
        std::map<std::string, std::vector<const Run*>> by_program;
        for (const auto& [pid, run] : m_runs) {
            if (!run.contact || !run.exited || !is_short_lived(run.lifetime_ms)) continue;
            const std::string sha = text_of(run.exec.fields, "sha256");
            by_program[sha.empty() ? "exe:" + text_of(run.exec.fields, "exe") : sha].push_back(
                &run);
        }
        for (const auto& [program, runs] : by_program) out.add(finding(runs));
    }

  private:
    struct Run {
        Evidence exec;
        std::string argv;
        bool exited = false;
        int64_t lifetime_ms = -1;
        Evidence exit;
        std::optional<Evidence> contact;
        std::string contact_text;
    };

    static std::string argv_text(const json& r) {
        auto it = r.find("argv");
        if (it == r.end() || !it->is_array()) return "(no argv)";
        std::string out;
        for (const auto& a : *it) {
            if (!out.empty()) out += ' ';
            if (!a.is_string()) {
                out += '?';
            } else {
                out.append(a.get_ref<const std::string&>(), 0, 301);  // a crafted one may be huge
            }
            if (out.size() > 300) break;
        }
        return cut_text(std::move(out), 300);
    }

    /// Forgets runs that ended without contacting anyone; false when none did. Counted, so a
    /// full table of live runs is not swept again at every exec.
    bool make_room() {
        if (m_silent == 0) return false;
        std::erase_if(m_runs,
                      [](const auto& item) { return item.second.exited && !item.second.contact; });
        m_silent = 0;
        return true;
    }

    Finding finding(const std::vector<const Run*>& runs) const {
        const Run& first = *runs.front();
        const json& exec = first.exec.fields;
        const std::string exe = text_of(exec, "exe");
        const std::string sha = text_of(exec, "sha256");
        std::string why = fmt::format(
            "pid {} ({}) {} lived {} ms and {}: argv \"{}\", sha256 {}", number_text(exec, "pid"),
            text_of(exec, "process"), exe.empty() ? "(executable not named)" : exe,
            first.lifetime_ms, first.contact_text, first.argv, sha.empty() ? "not read" : sha);
        if (runs.size() > 1) {
            why += fmt::format("; {} more short runs of the same program did too", runs.size() - 1);
        }
        std::vector<Evidence> evidence;
        for (size_t i = 0; i < runs.size() && i < 3; ++i) {  // exec, contact, exit of three
            const Run* run = runs[i];
            evidence.push_back(run->exec);
            evidence.push_back(*run->contact);
            evidence.push_back(run->exit);
        }
        Finding f = m_self.finding("", std::move(evidence));
        if (is_temporary_place(exe)) {
            f.urgency = Urgency::high;
            f.confidence = Confidence::medium;
            why += "; it ran from a temporary place";
        }
        f.why = cut_text(std::move(why), k_max_why_bytes);
        return f;
    }

    const Rule& m_self;
    std::map<int64_t, Run> m_runs;
    size_t m_silent = 0;  ///< runs that exited without contact
};

/// DNS names compare without case and without the root's trailing dot.
std::string normal_name(std::string name) {
    if (!name.empty() && name.back() == '.') name.pop_back();
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    });
    return name;
}

/// Reverse lookups (a logger naming its clients) are asked once by nature and say nothing.
bool is_reverse_lookup(std::string_view name) {
    return name.ends_with(".in-addr.arpa") || name.ends_with(".ip6.arpa");
}

/// IRS-ACT-003: every queried name with who asked and when; names only one process asked for,
/// in one lookup, are listed per process once the window is read.
class NameOnce final : public RulePass {
  public:
    explicit NameOnce(const Rule& self) : m_self(self) {}

    void see(std::string_view, const Record& rec, FindingSink&) override {
        const json& r = rec.value;
        if (!is_kind(r, "dns") || text_of(r, "event") != "query") return;
        std::string name = cut_text(normal_name(text_of(r, "query")), 256);
        if (name.empty() || is_reverse_lookup(name)) return;
        const int64_t pid = number_of(r, "pid");
        const int64_t at = number_of(r, "monotonic_ns");
        auto it = m_names.find(name);
        if (it != m_names.end()) {
            Name& n = it->second;
            if (pid != n.pid || pid < 0 || at < 0 || at - n.first_ns > k_one_lookup_ns) {
                n.once = false;
            }
            return;
        }
        if (m_names.size() >= k_max_names) return;
        Name n;
        n.pid = pid;
        n.first_ns = at;
        n.order = m_names.size();
        n.process = cut_text(text_of(r, "process"), 64);
        n.evidence = rec.evidence(pick(r, {"time", "pid", "process", "query", "query_type"}));
        m_names.emplace(std::move(name), std::move(n));
    }

    void finish(const Context&, FindingSink& out) override {
        std::map<int64_t, std::vector<std::pair<const std::string*, const Name*>>> by_pid;
        for (const auto& [name, n] : m_names) {
            if (n.once && n.pid >= 0) by_pid[n.pid].emplace_back(&name, &n);
        }
        for (auto& [pid, names] : by_pid) {
            std::sort(names.begin(), names.end(), [](const auto& a, const auto& b) {
                return a.second->order < b.second->order;
            });
            std::string list;
            std::vector<Evidence> evidence;
            for (size_t i = 0; i < names.size() && i < k_names_listed; ++i) {
                list += (i ? ", " : "") + *names[i].first;
                if (evidence.size() < 2 * k_evidence_kept)
                    evidence.push_back(names[i].second->evidence);
            }
            if (names.size() > k_names_listed) {
                list += fmt::format(" and {} more", names.size() - k_names_listed);
            }
            const std::string& process = names.front().second->process;
            out.add(m_self.finding(
                fmt::format("pid {}{} asked for {} name{} no other process (and no later lookup) "
                            "of the window asked for: {}",
                            pid, process.empty() ? "" : " (" + process + ")", names.size(),
                            names.size() == 1 ? "" : "s", list),
                std::move(evidence)));
        }
    }

  private:
    struct Name {
        int64_t pid = -1;
        int64_t first_ns = -1;
        size_t order = 0;
        bool once = true;
        std::string process;
        Evidence evidence;
    };
    const Rule& m_self;
    std::map<std::string, Name> m_names;
};

constexpr Rule k_activity_rules[] = {
    {"IRS-ACT-001", "Periodic outbound connection (beacon)", Urgency::high, Confidence::medium,
     "T1071", "activity",
     "Bots and backdoors rarely hold a connection open: they call their controller every few "
     "seconds or minutes, with a little random jitter. At least 4 calls of one program to one "
     "address and port whose intervals vary by at most 20 % of their mean (coefficient of "
     "variation; random traffic has about 1) are a beacon or a scheduled job: compare with the "
     "host's agents. High confidence for an unusual port, a temporary place or short-lived "
     "callers; medium urgency for loopback.",
     pass_of<Beacon>},
    {"IRS-ACT-002", "Short-lived process connected out", Urgency::medium, Confidence::low, "T1105",
     "activity",
     "A downloader or stager lives for a moment: it fetches the next stage and exits before any "
     "snapshot lists it. An exec of the window that exited within 10 s after a connect or a DNS "
     "query is named with its argv and SHA-256, once per program. Scripts running curl or a "
     "package helper do the same: high only from a temporary place.",
     pass_of<ShortLived>},
    {"IRS-ACT-003", "DNS names one process asked for once", Urgency::low, Confidence::low,
     "T1071.004", "activity",
     "A controller's or a staging server's name is asked for by one program, once (a "
     "domain-generation algorithm asks for many such). Names only one process asked for, in "
     "one lookup, are listed per process: a lead to compare with `irsnap stack`'s dns category, "
     "not a verdict (browsers and updaters do this all day).",
     pass_of<NameOnce>},
    {"IRS-ACT-004", "Connection to an IRC, SMTP or unusual port during the window", Urgency::high,
     Confidence::medium, "T1571", "activity,network",
     "The window's outbound connects, classed as the snapshot's sockets are (IRS-NET-001 to "
     "003): IRC ports and ports backdoors favour are high, port 25 from a host with no mail "
     "listener medium, other ports no common service uses low. One finding per program and "
     "destination, with the count.",
     activity::telling_port_pass},
    {"IRS-ACT-005", "Traffic without a socket", Urgency::high, Confidence::medium, "T1205.002",
     "activity",
     "A flow on the wire whose local port no socket view listed during the window: the host "
     "sending first is a raw-socket sender or a hidden socket; packets only arriving are "
     "usually scans, unless a process held a raw or packet socket meanwhile (a BPFDoor-style "
     "listener waits for a magic packet on a port it never binds). Forwarded and NATed traffic "
     "(routers, container bridges) looks the same.",
     activity::no_socket_pass},
};

}  // namespace act_detail
}  // namespace

std::span<const Rule> activity_rules() {
    return act_detail::k_activity_rules;
}

}  // namespace irsnap::triage
