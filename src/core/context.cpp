// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <system_error>

#include <nlohmann/json.hpp>

#include "irsnap/clock.hpp"
#include "irsnap/collector.hpp"
#include "irsnap/handle_table.hpp"
#include "irsnap/open_handles.hpp"
#include "irsnap/package_index.hpp"

namespace irsnap {

void null_missing_fields(nlohmann::json& record, const CollectorSpec& spec,
                         std::string_view platform) {
    for (const auto& f : spec.fields) {
        if (f.name == "escaped_fields" || record.contains(f.name)) continue;
        if (!f.platforms.empty() &&
            std::find(f.platforms.begin(), f.platforms.end(), platform) == f.platforms.end()) {
            continue;
        }
        record[f.name] = nullptr;
    }
}

/// The run's package index, read once on its own thread (or on first use).
struct PackageTrust {
    std::mutex mutex;
    std::optional<std::shared_future<std::shared_ptr<PackageIndex>>> index;
    std::map<std::string, std::string, std::less<>> flagged;  ///< path -> why
    std::map<int64_t, std::set<std::string>> processes;       ///< pid -> why (flag_process)
};

Context::Context()
    : m_handles(std::make_shared<HandleTable>()), m_packages(std::make_shared<PackageTrust>()) {}

void Context::start_package_index() const {
    if (!params.package_check) return;
    std::lock_guard lock(m_packages->mutex);
    if (m_packages->index) return;
    HostView host = *this;  // the thread's own copy: roots and the stop flag
    auto build = [host]() -> std::shared_ptr<PackageIndex> { return PackageIndex::build(host); };
    try {
        m_packages->index = std::async(std::launch::async, build).share();
    } catch (const std::system_error&) {
        // No thread to spare (pids limit): read it here, now.
        std::promise<std::shared_ptr<PackageIndex>> now;
        now.set_value(build());
        m_packages->index = now.get_future().share();
    }
}

const PackageIndex* Context::packages() const {
    if (!params.package_check) return nullptr;
    start_package_index();
    std::shared_future<std::shared_ptr<PackageIndex>> index;
    {
        std::lock_guard lock(m_packages->mutex);
        index = *m_packages->index;
    }
    return index.get().get();
}

void Context::flag_package_file(const std::string& path, const std::string& why) const {
    std::lock_guard lock(m_packages->mutex);
    // A bounded set: a host with a million modified files still costs a few MB here.
    if (m_packages->flagged.size() < 65536) m_packages->flagged.emplace(path, why);
}

std::string Context::package_flag(const std::string& path) const {
    std::lock_guard lock(m_packages->mutex);
    auto it = m_packages->flagged.find(path);
    return it == m_packages->flagged.end() ? std::string() : it->second;
}

void Context::flag_process(int64_t pid, const std::string& why) const {
    std::lock_guard lock(m_packages->mutex);
    auto it = m_packages->processes.find(pid);
    if (it == m_packages->processes.end()) {
        if (m_packages->processes.size() >= 65536) return;
        it = m_packages->processes.emplace(pid, std::set<std::string>{}).first;
    }
    if (it->second.size() < 8) it->second.insert(why);
}

std::map<int64_t, std::set<std::string>> Context::flagged_processes() const {
    std::lock_guard lock(m_packages->mutex);
    return m_packages->processes;
}

size_t Context::worker_threads(size_t items) const {
    return worker_threads_for(params.threads, items);
}

const HandleSnapshot& Context::open_handles(const std::string& who) const {
    return m_handles->get(*this, who);
}

void Context::release_open_handles(const std::string& who) const {
    m_handles->release(who);
}

void Context::expect_open_handles_users(std::set<std::string> users) const {
    m_handles->expect(std::move(users));
}

const HandleSnapshot& HandleTable::get(const Context& ctx, const std::string& who) {
    std::call_once(m_once, [&] {
        const auto start_wall = std::chrono::system_clock::now();
        const auto start = std::chrono::steady_clock::now();
        HandleSnapshot snapshot = walk_open_handles(ctx, ctx.params.threads, ctx.params.bpf);
        snapshot.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        snapshot.taken_at = format_rfc3339_utc(
            std::chrono::duration_cast<std::chrono::nanoseconds>(start_wall.time_since_epoch())
                .count());
        snapshot.taken_by = who;
        snapshot.complete = snapshot.complete && !ctx.stop_observed();
        m_snapshot = std::move(snapshot);
    });
    if (!m_snapshot) {
        // Released by its last user; asking again is a bug in the collector order.
        static const HandleSnapshot released = [] {
            HandleSnapshot s;
            s.complete = false;
            s.taken_by = "(released)";
            return s;
        }();
        return released;
    }
    return *m_snapshot;
}

void HandleTable::expect(std::set<std::string> users) {
    std::lock_guard lock(m_mutex);
    m_users = std::move(users);
}

void HandleTable::release(const std::string& who) {
    std::lock_guard lock(m_mutex);
    m_users.erase(who);
    if (m_users.empty()) m_snapshot.reset();
}

}  // namespace irsnap
