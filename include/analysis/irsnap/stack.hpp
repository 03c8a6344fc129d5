// SPDX-License-Identifier: Apache-2.0
// Least-frequency-of-occurrence ("stacking") across many hosts' bundles: what is on few hosts is
// where an analyst looks first. Memory grows with the number of distinct items, never with the
// number of records or bundles: records are reduced to interned keys as they stream past.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "irsnap/bundle_reader.hpp"
#include "irsnap/string_arena.hpp"

namespace irsnap::stack {

/// What is stacked. Each category reads one collector and keys an item by a few fields.
enum class Category : uint8_t {
    exe,             ///< processes: exe_sha256 + exe_path
    module,          ///< modules (kind file): sha256 + path
    process,         ///< processes: name + exe_path (kernel threads left out)
    autorun,         ///< autoruns: category + source_path + command (target_path without one)
    autorun_target,  ///< autoruns: target_sha256 + target_path
    remote,          ///< network: remote endpoint of a connection (see stack.cpp for direction)
    remote_port,     ///< network: protocol + remote port of outgoing connections
    listen,          ///< network: protocol + listening port + bind kind (loopback, any, address)
    kmod,            ///< kernel_modules (kind module): name + sha256
    specimen,        ///< samples: sha256 (with a path it was seen under, not part of the key)
    package,         ///< processes, modules, kernel_modules, autoruns: path + package verdict
    memory,          ///< memory (kind region): sha256 (with the process and permissions shown)
    dns,             ///< activity (kind dns): the name asked for (with the first asker shown)
};
inline constexpr size_t k_category_count = 13;

/// Name ("exe"), one-line meaning, the collector it reads, and its fields in order.
struct CategoryInfo {
    Category category;
    std::string_view name;
    std::string_view title;
    std::string_view collector;  ///< comma-separated when it reads several
    std::vector<std::string_view> fields;
    /// The first `key_fields` fields are the item's key (0: all of them); the rest are shown
    /// as the first record met gave them (a specimen's path differs from host to host).
    size_t key_fields = 0;
    size_t key_count() const { return key_fields == 0 ? fields.size() : key_fields; }
};
const std::array<CategoryInfo, k_category_count>& categories();
const CategoryInfo& info(Category c);
/// The category called `name`, nullopt when there is none.
std::optional<Category> category_named(std::string_view name);

struct Options {
    size_t hosts_listed = 10;  ///< host names kept per item; the count is exact regardless
    std::set<Category> only;   ///< empty: every category
    bool wants(Category c) const { return only.empty() || only.count(c) > 0; }
    /// Collectors the wanted categories read (for read_bundle).
    std::set<std::string> collectors() const;
};

/// One stacked item as the result gives it.
struct Item {
    std::vector<std::string> fields;  ///< in CategoryInfo::fields order
    uint32_t host_count = 0;          ///< exact number of distinct hosts that have it
    std::vector<std::string> hosts;   ///< at most Options::hosts_listed, in the order met
};

struct CategoryResult {
    Category category;
    size_t items_total = 0;   ///< distinct items in this category
    std::vector<Item> items;  ///< rarest first (fewest hosts, then by fields), at most `top`
};

/// Counts items per host. Feed bundles one at a time: begin_bundle, add_line for each artifact
/// line, end_bundle with the bundle's host (known only once the bundle has been read). A host's
/// bundles must come one after another to be counted once; when a host comes back after another
/// one, regroup_needed() turns true and the counts of that run are not exact (stack_bundles then
/// reads again, grouped by host).
class Stacker {
  public:
    explicit Stacker(Options options);
    ~Stacker();
    Stacker(const Stacker&) = delete;
    Stacker& operator=(const Stacker&) = delete;

    void begin_bundle();
    /// One artifact line; returns false (and ignores it) when it is not a JSON object.
    bool add_line(std::string_view collector, std::string_view json_text);
    void end_bundle(const std::string& host);
    /// Forgets the bundle being read (it could not be read): nothing of it is counted.
    void discard_bundle();

    /// Convenience for tests and small inputs: one whole bundle of (collector, line) pairs.
    void add_bundle(const std::string& host,
                    const std::vector<std::pair<std::string, std::string>>& lines);

    bool regroup_needed() const { return m_regroup_needed; }
    size_t host_count() const { return m_host_names.size(); }
    /// Every wanted category in CategoryInfo order, each with at most `top` items (0 = all).
    /// Ends the feeding: bundles added afterwards are not counted correctly.
    std::vector<CategoryResult> result(size_t top);

  private:
    struct Entry {
        std::string_view key;      ///< fields as "<length>:<text>" back to back, in m_arena
        std::string_view example;  ///< the fields after the key, as first met, the same way
        Category category = Category::exe;
        uint32_t host_count = 0;
        uint32_t last_bundle = 0;  ///< serials that dedupe without a set per bundle or host
        uint32_t last_group = 0;
        std::vector<uint32_t> hosts;  ///< host ids, at most Options::hosts_listed
    };
    struct Connection {
        std::string protocol;
        std::string remote_address;
        int64_t local_port;
        int64_t remote_port;
    };
    class Fields;

    void note(Category c, std::initializer_list<std::string_view> fields,
              std::initializer_list<std::string_view> shown = {});
    void take_network(const Fields& f);
    void take_dns(const Fields& f);
    /// The package fields of a record (path slot, first of package/version/verdict/digest).
    void note_package(const Fields& f, size_t path_slot, size_t first_package_slot);
    void resolve_connections();
    void flush_group();

    Options m_options;
    StringArena m_arena;
    std::array<std::unordered_map<std::string_view, uint32_t>, k_category_count> m_index;
    std::vector<Entry> m_entries;
    std::vector<uint32_t> m_bundle_items;  ///< items of the bundle being read, each once
    std::vector<uint32_t> m_group_items;   ///< items of the open host group, each once
    uint32_t m_bundle = 1;                 ///< serial of the bundle being read
    uint32_t m_group = 0;                  ///< serial of the open host group, from 1
    std::optional<uint32_t> m_group_host;
    std::unordered_map<std::string, uint32_t> m_host_ids;
    std::vector<std::string> m_host_names;
    bool m_regroup_needed = false;
    // Per bundle: connections wait for the bundle's listeners to tell inbound from outbound.
    std::vector<Connection> m_connections;
    std::set<std::pair<std::string, int64_t>> m_listening;
    std::unique_ptr<Fields> m_fields;
    std::string m_key;
    std::string m_name;  ///< a DNS name being normalised, capacity reused
};

/// A bundle as stacking saw it.
struct BundleOutcome {
    BundleSummary summary;
    size_t lines_skipped = 0;  ///< lines that were not JSON objects
};

struct StackRun {
    std::vector<BundleOutcome> bundles;  ///< in the order read
    size_t hosts = 0;
    bool regrouped = false;  ///< a host's bundles were apart and everything was read again
    std::vector<CategoryResult> categories;
};

/// The bundles named by `arguments`: a bundle directory or tar file as it is; a directory that
/// is not a bundle (no manifest.json, no artifacts/) stands for the bundle directories and *.tar
/// files directly inside it, in name order. Throws UsageError naming what cannot be read.
std::vector<std::filesystem::path> expand_bundle_arguments(
    const std::vector<std::string>& arguments);

/// Verifies and reads every bundle, one at a time, and stacks them. Needs read access to the
/// bundles only. A bundle that changes while it is read fails its verification and says so.
StackRun stack_bundles(const std::vector<std::filesystem::path>& bundles, const Options& options,
                       size_t top);

}  // namespace irsnap::stack
