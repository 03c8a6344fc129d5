// SPDX-License-Identifier: Apache-2.0
// The Stacker: reduces each record to a few interned keys and counts, per key, the hosts that
// have it. Nothing of a record is kept, so 1,000 bundles cost what their distinct keys cost.
#include "irsnap/stack.hpp"

#include <algorithm>

#include "stack_fields.hpp"

namespace irsnap::stack {
namespace {

/// Fields the categories read, as slots of the line reader.
enum Slot : size_t {
    s_exe_sha256,
    s_exe_path,
    s_name,
    s_kernel_thread,
    s_kind,
    s_path,
    s_sha256,
    s_category,
    s_source_path,
    s_command,
    s_target_path,
    s_target_sha256,
    s_protocol,
    s_state,
    s_local_address,
    s_local_port,
    s_remote_address,
    s_remote_port,
    s_file_path,
    // The package fields (common/package_fields.hpp) under each collector's prefix.
    s_exe_package,
    s_exe_package_version,
    s_exe_package_verdict,
    s_exe_package_digest,
    s_package,
    s_package_version,
    s_package_verdict,
    s_package_digest,
    s_file_package,
    s_file_package_version,
    s_file_package_verdict,
    s_file_package_digest,
    s_target_package,
    s_target_package_version,
    s_target_package_verdict,
    s_target_package_digest,
    s_process_name,
    s_permissions,
    s_query,
    s_process,
    s_slot_count,
};
constexpr std::array<std::string_view, s_slot_count> k_slot_keys = {
    "exe_sha256",
    "exe_path",
    "name",
    "kernel_thread",
    "kind",
    "path",
    "sha256",
    "category",
    "source_path",
    "command",
    "target_path",
    "target_sha256",
    "protocol",
    "state",
    "local_address",
    "local_port",
    "remote_address",
    "remote_port",
    "file_path",
    "exe_package",
    "exe_package_version",
    "exe_package_verdict",
    "exe_package_digest",
    "package",
    "package_version",
    "package_verdict",
    "package_digest",
    "file_package",
    "file_package_version",
    "file_package_verdict",
    "file_package_digest",
    "target_package",
    "target_package_version",
    "target_package_verdict",
    "target_package_digest",
    "process_name",
    "permissions",
    "query",
    "process",
};

bool is_udp(std::string_view protocol) {
    return protocol == "udp" || protocol == "udplite";
}

/// Where a listener accepts from. The address itself is left out: it differs per host.
std::string_view bind_kind(std::string_view address) {
    if (address.empty() || address == "0.0.0.0" || address == "::") return "any";
    if (address.starts_with("127.") || address == "::1" || address.starts_with("::ffff:127.")) {
        return "loopback";
    }
    return "address";
}

bool is_unspecified(std::string_view address) {
    return address.empty() || address == "0.0.0.0" || address == "::";
}

/// Keys are fields as "<length>:<text>" back to back: unambiguous whatever bytes a host's
/// file names hold, and split again without a separator that could occur in them.
void append_field(std::string& key, std::string_view text) {
    key += std::to_string(text.size());
    key += ':';
    key += text;
}

std::vector<std::string_view> split_key(std::string_view key) {
    std::vector<std::string_view> out;
    while (!key.empty()) {
        const size_t colon = key.find(':');
        size_t length = 0;
        for (size_t i = 0; i < colon; ++i) length = length * 10 + static_cast<size_t>(key[i] - '0');
        out.push_back(key.substr(colon + 1, length));
        key.remove_prefix(colon + 1 + length);
    }
    return out;
}

}  // namespace

const std::array<CategoryInfo, k_category_count>& categories() {
    static const std::array<CategoryInfo, k_category_count> k_all = {{
        {Category::exe,
         "exe",
         "executables of running processes (SHA-256, path)",
         "processes",
         {"sha256", "path"}},
        {Category::module,
         "module",
         "files mapped into processes (SHA-256, path)",
         "modules",
         {"sha256", "path"}},
        {Category::process,
         "process",
         "process name with its executable path",
         "processes",
         {"name", "path"}},
        {Category::autorun,
         "autorun",
         "persistence entries (category, source file, command or target)",
         "autoruns",
         {"category", "source_path", "entry"}},
        {Category::autorun_target,
         "autorun_target",
         "executables that persistence entries start (SHA-256, path)",
         "autoruns",
         {"sha256", "path"}},
        {Category::remote,
         "remote",
         "remote endpoints (out: address:port this host connected to; in: a client's address "
         "and this host's port)",
         "network",
         {"protocol", "address", "port", "direction"}},
        {Category::remote_port,
         "remote_port",
         "remote ports of outgoing connections",
         "network",
         {"protocol", "port"}},
        {Category::listen,
         "listen",
         "listening ports (protocol/port; bound to any, loopback or an address)",
         "network",
         {"protocol", "port", "bind"}},
        {Category::kmod,
         "kmod",
         "kernel modules (name, file SHA-256)",
         "kernel_modules",
         {"name", "sha256"}},
        {Category::specimen,
         "specimen",
         "specimens by content (SHA-256; a path it was seen under), copied or not",
         "samples",
         {"sha256", "path"},
         1},
        {Category::package,
         "package",
         "files checked against the host's package database (path, verdict, package, version, "
         "the digest the package recorded): a verdict or a recorded digest few hosts share",
         "processes,modules,kernel_modules,autoruns",
         {"path", "verdict", "package", "version", "package_digest"}},
        {Category::memory,
         "memory",
         "anonymous executable memory by content (SHA-256; the process and permissions it was "
         "met with): the same injected code on a few hosts",
         "memory",
         {"sha256", "process", "permissions"},
         1},
        {Category::dns,
         "dns",
         "DNS names asked for during an --observe window (name; the first asker shown)",
         "activity",
         {"name", "process"},
         1},
    }};
    return k_all;
}

const CategoryInfo& info(Category c) {
    return categories()[static_cast<size_t>(c)];
}

std::optional<Category> category_named(std::string_view name) {
    for (const auto& c : categories()) {
        if (c.name == name) return c.category;
    }
    return std::nullopt;
}

std::set<std::string> Options::collectors() const {
    std::set<std::string> out;
    for (const auto& c : categories()) {
        if (!wants(c.category)) continue;
        std::string_view list = c.collector;
        while (!list.empty()) {
            const size_t comma = list.find(',');
            out.emplace(list.substr(0, comma));
            list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
        }
    }
    return out;
}

class Stacker::Fields : public LineFields {
  public:
    Fields() : LineFields(k_slot_keys) {}
};

Stacker::Stacker(Options options)
    : m_options(std::move(options)), m_fields(std::make_unique<Fields>()) {}

Stacker::~Stacker() = default;

void Stacker::begin_bundle() {
    m_bundle_items.clear();
    ++m_bundle;
    m_connections.clear();
    m_listening.clear();
}

void Stacker::note(Category c, std::initializer_list<std::string_view> fields,
                   std::initializer_list<std::string_view> shown) {
    if (!m_options.wants(c)) return;
    m_key.clear();
    for (std::string_view f : fields) append_field(m_key, f);
    auto& index = m_index[static_cast<size_t>(c)];
    auto it = index.find(std::string_view(m_key));
    uint32_t id = 0;
    if (it == index.end()) {
        id = static_cast<uint32_t>(m_entries.size());
        Entry e;
        e.key = m_arena.store(m_key);
        e.category = c;
        if (shown.size() > 0) {
            m_key.clear();
            for (std::string_view f : shown) append_field(m_key, f);
            e.example = m_arena.store(m_key);
        }
        m_entries.push_back(std::move(e));
        index.emplace(m_entries.back().key, id);
    } else {
        id = it->second;
    }
    Entry& e = m_entries[id];
    if (e.last_bundle == m_bundle) return;
    e.last_bundle = m_bundle;
    m_bundle_items.push_back(id);
}

void Stacker::note_package(const Fields& f, size_t path_slot, size_t first_package_slot) {
    // Slots in order: package, version, verdict, digest.
    const auto verdict = f.text(first_package_slot + 2);
    if (!verdict || verdict->empty()) return;
    note(Category::package, {f.text_or(path_slot), *verdict, f.text_or(first_package_slot),
                             f.text_or(first_package_slot + 1), f.text_or(first_package_slot + 3)});
}

bool Stacker::add_line(std::string_view collector, std::string_view json_text) {
    Fields& f = *m_fields;
    if (!f.parse(json_text)) return false;
    if (collector == "processes") {
        note_package(f, s_exe_path, s_exe_package);
    } else if (collector == "modules") {
        note_package(f, s_path, s_package);
    } else if (collector == "kernel_modules") {
        note_package(f, s_file_path, s_file_package);
    } else if (collector == "autoruns") {
        note_package(f, s_target_path, s_target_package);
    }
    if (collector == "processes") {
        if (f.text(s_exe_sha256) && !f.text(s_exe_sha256)->empty()) {
            note(Category::exe, {*f.text(s_exe_sha256), f.text_or(s_exe_path)});
        }
        // Kernel threads have no executable and per-CPU names: only noise in a stack.
        if (!f.flag(s_kernel_thread) && (f.text(s_name) || f.text(s_exe_path))) {
            note(Category::process, {f.text_or(s_name), f.text_or(s_exe_path)});
        }
    } else if (collector == "modules") {
        if (f.text_or(s_kind) == "file" && f.text(s_sha256)) {
            note(Category::module, {*f.text(s_sha256), f.text_or(s_path)});
        }
    } else if (collector == "autoruns") {
        const std::string_view command = f.text_or(s_command);
        note(Category::autorun, {f.text_or(s_category), f.text_or(s_source_path),
                                 command.empty() ? f.text_or(s_target_path) : command});
        if (f.text(s_target_sha256)) {
            note(Category::autorun_target, {*f.text(s_target_sha256), f.text_or(s_target_path)});
        }
    } else if (collector == "network") {
        take_network(f);
    } else if (collector == "kernel_modules") {
        if (f.text_or(s_kind) == "module" && f.text(s_name)) {
            note(Category::kmod, {*f.text(s_name), f.text_or(s_sha256)});
        }
    } else if (collector == "samples") {
        // One item per content, whatever it was called on each host; content that could not
        // be hashed has no identity to count.
        if (f.text(s_sha256) && !f.text(s_sha256)->empty()) {
            note(Category::specimen, {*f.text(s_sha256)}, {f.text_or(s_path)});
        }
    } else if (collector == "activity") {
        take_dns(f);
    } else if (collector == "memory") {
        // Captured regions by content: the same shellcode on several hosts is one item. A
        // region that was not captured has no digest and no identity.
        if (f.text_or(s_kind) == "region" && f.text(s_sha256) && !f.text(s_sha256)->empty()) {
            note(Category::memory, {*f.text(s_sha256)},
                 {f.text_or(s_process_name), f.text_or(s_permissions)});
        }
    }
    return true;
}

void Stacker::take_network(const Fields& f) {
    const std::string_view protocol = f.text_or(s_protocol);
    if (protocol != "tcp" && !is_udp(protocol)) return;  // raw, unix, packet: triage's job
    const std::string_view state = f.text_or(s_state);
    const auto local_port = f.number(s_local_port);
    const auto remote_port = f.number(s_remote_port);
    // An unconnected UDP socket shows CLOSE: that is how a UDP service waits.
    const bool listening = protocol == "tcp" ? state == "LISTEN" : state == "CLOSE";
    if (listening) {
        if (!local_port || *local_port <= 0) return;
        m_listening.emplace(std::string(protocol), *local_port);
        note(Category::listen,
             {protocol, std::to_string(*local_port), bind_kind(f.text_or(s_local_address))});
        return;
    }
    const std::string_view remote = f.text_or(s_remote_address);
    if (!remote_port || *remote_port <= 0 || is_unspecified(remote)) return;
    m_connections.push_back(Connection{std::string(protocol), std::string(remote),
                                       local_port.value_or(0), *remote_port});
}

/// A name as DNS compares it: without case and without the root's trailing dot. Reverse lookups
/// (a host naming its own clients) differ on every host and only crowd the rare end.
void Stacker::take_dns(const Fields& f) {
    if (f.text_or(s_kind) != "dns") return;
    std::string_view name = f.text_or(s_query);
    if (name.ends_with('.')) name.remove_suffix(1);
    m_name.assign(name);
    for (char& c : m_name) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
    }
    if (m_name.empty() || m_name.ends_with(".in-addr.arpa") || m_name.ends_with(".ip6.arpa")) {
        return;
    }
    note(Category::dns, {m_name}, {f.text_or(s_process)});
}

/// Whether a connection is inbound is only known once the bundle's listeners are all read: a
/// client's port is ephemeral, so inbound connections are keyed by this host's port instead.
void Stacker::resolve_connections() {
    for (const Connection& c : m_connections) {
        if (m_listening.count({c.protocol, c.local_port})) {
            note(Category::remote,
                 {c.protocol, c.remote_address, std::to_string(c.local_port), "in"});
        } else {
            const std::string port = std::to_string(c.remote_port);
            note(Category::remote, {c.protocol, c.remote_address, port, "out"});
            note(Category::remote_port, {c.protocol, port});
        }
    }
    m_connections.clear();
    m_listening.clear();
}

void Stacker::end_bundle(const std::string& host) {
    resolve_connections();
    auto [it, added] = m_host_ids.emplace(host, static_cast<uint32_t>(m_host_names.size()));
    if (added) m_host_names.push_back(host);
    const uint32_t host_id = it->second;
    if (!m_group_host || *m_group_host != host_id) {
        flush_group();
        // A host met again after another one: its earlier items were already counted.
        if (!added) m_regroup_needed = true;
        m_group_host = host_id;
        ++m_group;
    }
    for (uint32_t id : m_bundle_items) {
        Entry& e = m_entries[id];
        if (e.last_group == m_group) continue;
        e.last_group = m_group;
        m_group_items.push_back(id);
    }
    m_bundle_items.clear();
}

void Stacker::discard_bundle() {
    m_bundle_items.clear();
    m_connections.clear();
    m_listening.clear();
}

void Stacker::flush_group() {
    if (!m_group_host) return;
    for (uint32_t id : m_group_items) {
        Entry& e = m_entries[id];
        ++e.host_count;
        if (e.hosts.size() < m_options.hosts_listed) e.hosts.push_back(*m_group_host);
    }
    m_group_items.clear();
    m_group_items.shrink_to_fit();  // the next host may be a small one
    m_group_host.reset();
}

void Stacker::add_bundle(const std::string& host,
                         const std::vector<std::pair<std::string, std::string>>& lines) {
    begin_bundle();
    for (const auto& [collector, text] : lines) add_line(collector, text);
    end_bundle(host);
}

std::vector<CategoryResult> Stacker::result(size_t top) {
    flush_group();
    std::array<std::vector<uint32_t>, k_category_count> by_category;
    for (uint32_t id = 0; id < m_entries.size(); ++id) {
        // Entries of discarded bundles were never counted.
        if (m_entries[id].host_count > 0) {
            by_category[static_cast<size_t>(m_entries[id].category)].push_back(id);
        }
    }
    auto rarer = [&](uint32_t a, uint32_t b) {
        const Entry& x = m_entries[a];
        const Entry& y = m_entries[b];
        if (x.host_count != y.host_count) return x.host_count < y.host_count;
        return split_key(x.key) < split_key(y.key);
    };
    std::vector<CategoryResult> out;
    for (const auto& c : categories()) {
        if (!m_options.wants(c.category)) continue;
        auto& ids = by_category[static_cast<size_t>(c.category)];
        CategoryResult r{c.category, ids.size(), {}};
        const size_t shown = top == 0 ? ids.size() : std::min(top, ids.size());
        std::partial_sort(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(shown), ids.end(),
                          rarer);
        for (size_t i = 0; i < shown; ++i) {
            const Entry& e = m_entries[ids[i]];
            Item item;
            for (std::string_view f : split_key(e.key)) item.fields.emplace_back(f);
            for (std::string_view f : split_key(e.example)) item.fields.emplace_back(f);
            item.fields.resize(c.fields.size());  // a shown field never met stays ""
            item.host_count = e.host_count;
            for (uint32_t h : e.hosts) item.hosts.push_back(m_host_names[h]);
            r.items.push_back(std::move(item));
        }
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace irsnap::stack
