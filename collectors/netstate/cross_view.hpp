// SPDX-License-Identifier: Apache-2.0
// Reconciling two kernel views of one table (netlink read twice around one /proc read), shared by
// the neighbours, routes and interfaces collectors. Seen by both netlink dumps and not by /proc:
// hidden from /proc (a hooked seq file). Seen by /proc and by neither dump: missing from netlink.
// Seen by only one of the two dumps: it appeared or vanished in between (churn, counted as a
// race, not a finding).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace irsnap::collectors {

template <typename Key, typename Row>
class CrossView {
  public:
    struct Sighting {
        Row row;
        bool first = false;
        bool proc = false;
        bool second = false;
        bool from_netlink() const { return first || second; }
    };

    /// Marks the rows of one read; the first sighting's row is kept (netlink rows carry more).
    template <typename KeyFn>
    void mark(const std::optional<std::vector<Row>>& rows, bool Sighting::*view, KeyFn key_of) {
        if (!rows) return;
        for (const auto& r : *rows) {
            auto& s = m_seen[key_of(r)];
            if (!s.first && !s.proc && !s.second) s.row = r;
            s.*view = true;
        }
    }

    const std::map<Key, Sighting>& seen() const { return m_seen; }

  private:
    std::map<Key, Sighting> m_seen;
};

/// The verdict on one entry.
struct ViewVerdict {
    nlohmann::json views = nlohmann::json::array();
    std::optional<std::string> discrepancy;
    bool churn = false;
};

/// `compared`: both netlink dumps and the /proc read succeeded, so the views can be compared.
/// `proc_shows` / `netlink_shows`: whether that view is expected to list such an entry at all
/// (/proc/net/arp skips NOARP entries, /proc/net/route shows only the main table ...).
inline ViewVerdict judge(bool first, bool proc, bool second, bool compared, bool proc_shows,
                         bool netlink_shows, const std::string& proc_name) {
    ViewVerdict v;
    if (first || second) v.views.push_back("netlink");
    if (proc) v.views.push_back("proc");
    if (!compared) return v;
    if (first && second && !proc && proc_shows) {
        v.discrepancy = "hidden from " + proc_name;
    } else if (proc && !first && !second && netlink_shows) {
        v.discrepancy = "missing from netlink";
    } else if (!proc && first != second) {
        v.churn = true;
    }
    return v;
}

}  // namespace irsnap::collectors
