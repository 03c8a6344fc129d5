// SPDX-License-Identifier: Apache-2.0
// The rule families, each in its own file; triage.cpp lists them (an explicit registry: a rule
// runs because it is named here, never because a static initialiser happened to run).
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "irsnap/triage.hpp"

namespace irsnap::triage {

std::span<const Rule> cross_view_rules();   // rules_cross_view.cpp
std::span<const Rule> process_rules();      // rules_processes.cpp
std::span<const Rule> network_rules();      // rules_network.cpp
std::span<const Rule> memory_rules();       // rules_memory.cpp
std::span<const Rule> persistence_rules();  // rules_persistence.cpp
std::span<const Rule> script_rules();       // rules_scripts.cpp

/// An autorun record's fields for evidence, the ATT&CK technique of its category, and where it
/// is ("/etc/crontab:3"): shared by the persistence and script rules (rules_persistence.cpp).
nlohmann::json autorun_fields(const nlohmann::json& a);
std::string autorun_technique(const std::string& category);
std::string autorun_where(const nlohmann::json& a);
std::span<const Rule> kernel_rules();   // rules_kernel.cpp
std::span<const Rule> bpf_rules();      // rules_bpf.cpp
std::span<const Rule> samples_rules();  // rules_samples.cpp
std::span<const Rule> package_rules();  // rules_packages.cpp
std::span<const Rule> preload_rules();  // rules_preload.cpp

/// Kernel state and the programs the kernel runs (rules_kernel_state.cpp).
std::span<const Rule> kernel_state_rules();

/// The observation window's rules (rules_activity.cpp, rules_activity_wire.cpp).
std::span<const Rule> activity_rules();

/// The network rules' classes (rules_network.cpp), shared with the observation window's rules
/// so a port means the same in a snapshot and in a window.

/// "addr:port", "[v6]:port" of a record's address and port fields.
std::string endpoint_text(const nlohmann::json& s, const char* address, const char* port);
bool is_loopback(const std::string& address);
/// 6660-6669, 6697.
bool is_irc_port(int64_t port);
/// Ports backdoors pick by habit (4444, 31337 ...).
bool is_backdoor_port(int64_t port);
/// Services a server commonly offers to the network.
bool is_common_service_port(int64_t port);
/// Owners that hold packet or raw sockets for a living (dhclient, lldpd ...).
bool is_expected_raw_owner(const std::string& name);

/// The specimens of one bundle (its `samples` records), indexed by what evidence can name them
/// by: SHA-256, record place, pid and path. Kept small and bounded (a crafted bundle with a
/// million records indexes the first k_max_specimens_indexed and the rest are not joined).
/// rules_samples.cpp.
class SpecimenIndex {
  public:
    void add(const Record& r);
    /// Fills each finding's `specimens` from its evidence, strongest match first.
    void attach(std::vector<Finding>& findings) const;
    size_t size() const { return m_specimens.size(); }
    uint64_t not_indexed() const { return m_not_indexed; }

  private:
    /// The specimens a process runs (its executable) and maps or holds open, each once.
    struct OfProcess {
        std::vector<uint32_t> exe, held;
    };
    std::vector<SpecimenRef> m_specimens;
    std::map<std::string, std::vector<uint32_t>, std::less<>> m_by_sha;
    std::map<std::pair<std::string, uint64_t>, uint32_t> m_by_place;
    std::map<int64_t, OfProcess> m_by_pid;
    std::map<std::string, std::vector<uint32_t>, std::less<>> m_by_path;
    size_t m_bytes = 0;  ///< what the index holds, roughly: bounded by k_max_index_bytes
    uint64_t m_not_indexed = 0;
};

/// Most specimen records one bundle's index holds (a run records at most a few thousand).
inline constexpr size_t k_max_specimens_indexed = 16384;
/// Most bytes of text the index keeps for them (paths of sources, notes).
inline constexpr size_t k_max_specimen_index_bytes = size_t{32} << 20;

/// Pids an evidence record's fields name: its own `pid`, and the owners of a socket
/// (rules_samples.cpp). What the specimen and memory joins look processes up by.
std::vector<int64_t> evidence_pids(const nlohmann::json& fields);

/// The `memory` records of one bundle (dumps and anonymous executable regions) by pid, and the
/// anonymous executable ranges of the `modules` records IRS-MEM-001 rests on, by place: so a
/// finding lists the memory of the processes it names and IRS-MEM-001 the regions overlapping
/// its ranges. Bounded like SpecimenIndex: the first k_max_memory_indexed records, texts cut.
/// memory_index.cpp.
class MemoryIndex {
  public:
    /// A `memory` record.
    void add(const Record& r);
    /// A `modules` record: only anonymous_executable ones with writable and executable ranges
    /// (IRS-MEM-001's evidence) are kept, as their parsed ranges.
    void add_module(const Record& r);
    /// Fills each finding's `memory` from its evidence, strongest match first.
    void attach(std::vector<Finding>& findings);
    size_t size() const { return m_items.size(); }
    uint64_t not_indexed() const { return m_not_indexed; }

  private:
    struct Range {
        uint64_t start = 0, end = 0;
        bool writable_executable = false;
    };
    struct Item {
        MemoryRef ref;
        uint64_t start = 0, end = 0;  ///< regions: parsed addresses (0, 0 when unparsable)
        bool stored = false;          ///< a member is in an archive
    };
    struct OfProcess {
        std::vector<uint32_t> dumps, captured;  ///< in bundle order
        std::vector<uint32_t> regions;          ///< every region, by start once sorted
    };
    void sort_regions();
    std::vector<Item> m_items;
    std::map<int64_t, OfProcess> m_by_pid;
    std::map<std::pair<std::string, uint64_t>, std::vector<Range>> m_ranges;  ///< by place
    size_t m_ranges_kept = 0;
    size_t m_bytes = 0;
    bool m_sorted = true;
    uint64_t m_not_indexed = 0;
};

/// Most memory records one bundle's index holds (every anonymous executable region of every
/// process is one: a few thousand on a busy host), and most bytes of text it keeps for them.
inline constexpr size_t k_max_memory_indexed = 65536;
inline constexpr size_t k_max_memory_index_bytes = size_t{32} << 20;
/// Most anonymous executable ranges kept per modules record and in all (a JIT process may list
/// thousands; the regions that matter overlap the first ones, writable and executable first).
inline constexpr size_t k_max_ranges_per_record = 256;
inline constexpr size_t k_max_ranges_kept = size_t{1} << 18;

/// One simple command of a line of shell, as the persistence rules read it (rules_shell.cpp):
/// words with quotes removed, never expanded or run.
struct ShellCommand {
    std::vector<std::string> words;      ///< in order, quotes removed; redirections apart
    std::vector<std::string> redirects;  ///< operator and target: ">&/dev/tcp/h/1", "2>&1"
    size_t program = 0;   ///< index in `words` of what runs, past NAME=value assignments and
                          ///< wrappers (nohup, exec, sudo, env, busybox ...); words.size(): none
    std::string name;     ///< that word's last path component ("" when none), ".exe" dropped
    size_t pipeline = 0;  ///< index of the first command of its pipeline: the commands at
                          ///< [pipeline, own index) write into its input when `piped`
    bool piped = false;   ///< its standard input is the pipe (through a ( ) group) of those
    std::string host;     ///< name of the command whose $( ), <( ) or ` ` holds it; "" at the top
};

/// Most bytes of one line read as shell, and most commands taken from it: a bundle's line may
/// be megabytes long, and what a rule needs is at its start.
inline constexpr size_t k_max_shell_line_bytes = 8192;
inline constexpr size_t k_max_shell_commands = 256;

/// The simple commands of one line of shell in the order they start (a command before those of
/// its $( ) substitutions), with the strings that sh -c, su -c and alias definitions run read
/// as shell in turn (three levels deep at most). Pipes, groups, substitutions, redirections and
/// both kinds of quotes are understood; an unquoted '#' at a word's start ends the line.
std::vector<ShellCommand> shell_commands(std::string_view line);
/// sh, bash, dash, zsh, ksh ... (a ShellCommand's `name`).
bool is_shell_program(std::string_view name);
/// A shell, or python*, perl*, ruby, php, node, lua: programs that run code they are given.
bool is_interpreter_program(std::string_view name);

/// A rule that looks at one record at a time and keeps nothing between records.
using RecordCheck = void (*)(const Rule& self, std::string_view collector, const Record& r,
                             FindingSink& out);

template <RecordCheck Check>
std::unique_ptr<RulePass> per_record(const Rule& self) {
    class Pass final : public RulePass {
      public:
        explicit Pass(const Rule& rule) : m_rule(rule) {}
        void see(std::string_view collector, const Record& r, FindingSink& out) override {
            Check(m_rule, collector, r, out);
        }

      private:
        const Rule& m_rule;
    };
    return std::make_unique<Pass>(self);
}

/// A rule whose pass is a class `P` constructed from the rule.
template <class P>
std::unique_ptr<RulePass> pass_of(const Rule& self) {
    return std::make_unique<P>(self);
}

}  // namespace irsnap::triage
