// SPDX-License-Identifier: Apache-2.0
// The options of `irsnap collect`, declared once: collect_option_table() is what the CLI turns
// into its Boost.Program_options description (hence --help) and range checks, what the manifest's
// `options` object is read from, and where the collectors' CollectParams get their values.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "irsnap/age.hpp"
#include "irsnap/collector.hpp"
#include "irsnap/evidence_budget.hpp"
#include "irsnap/manifest.hpp"

namespace irsnap {

inline constexpr uint64_t k_default_max_hash_bytes = 256ull << 20;
/// PID_MAX_LIMIT of 64-bit kernels: no pid is higher.
inline constexpr int64_t k_pid_max_limit = 4194304;
/// A day: a collector that needs longer is stuck, and a larger number is more likely a typo.
inline constexpr int64_t k_max_timeout_s = 86400;

/// Everything `irsnap collect` takes on its command line. collect_option_table() says which
/// option sets which field.
struct CollectOptions {
    std::string output;  ///< -o as given: empty = the default directory, "-" = a tar on stdout
    /// --recipient keys and --recipients-file as typed; the CLI resolves them (with the
    /// irsnap.recipients beside the executable) into `seal_to`.
    std::vector<std::string> recipients;
    std::string recipients_file;
    std::vector<age::Recipient> seal_to;  ///< empty: the bundle is not sealed
    std::string seal_source;              ///< where seal_to came from, for the manifest
    CaseInfo case_info;
    std::vector<std::string> only, exclude;  ///< --collectors, --exclude (comma lists, split)
    CollectParams params;                    ///< what the collectors honour, handed to them as is
    bool nice = false;
    bool no_samples = false;  ///< --no-samples: the samples collector is excluded
    unsigned timeout_s = 0;   ///< --timeout-per-collector, 0 = none
    std::string proc_root = "/proc";
    std::string host_root;  ///< --root (or --host-root); empty = "/"
    /// Terminal only, read by the CLI (verbose also echoes the collection log on stderr).
    bool quiet = false, verbose = false, json = false;
};

/// The field of CollectOptions one option sets, reached through a chain of pointers to members
/// (see option_field()). T is the option's value type.
template <typename T>
struct OptionFieldOf {
    T& (*ref)(CollectOptions&) = nullptr;
    const T& (*get)(const CollectOptions&) = nullptr;
};

/// Every value type an option has. The type says how its text is read: bool is a switch (no
/// value), std::string one text, std::vector<std::string> a comma list (repeatable), an integer
/// one whole number within the option's range, std::vector<int64_t> a repeatable number.
using OptionField = std::variant<OptionFieldOf<bool>, OptionFieldOf<std::string>,
                                 OptionFieldOf<std::vector<std::string>>, OptionFieldOf<int>,
                                 OptionFieldOf<unsigned>, OptionFieldOf<uint64_t>,
                                 OptionFieldOf<std::vector<int64_t>>>;

/// option_field<&CollectOptions::params, &CollectParams::threads>(): the field an option sets.
/// `o.*....*Path` is a fold over `.*`: o.*P1.*P2 ...
template <auto... Path>
OptionField option_field() {
    using T = std::remove_cvref_t<decltype((std::declval<CollectOptions&>().*....*Path))>;
    return OptionFieldOf<T>{[](CollectOptions& o) -> T& { return (o.*....*Path); },
                            [](const CollectOptions& o) -> const T& { return (o.*....*Path); }};
}

/// One option of `irsnap collect`.
struct CollectOptionSpec {
    std::string name;     ///< long name, without the dashes
    char short_name = 0;  ///< one letter (-o), or 0
    OptionField field;    ///< what it sets; the field's type is the value's type
    /// Default as it would be typed, read and checked like typed text; empty = none. A default
    /// is shown in --help ("(=300)").
    std::string default_text;
    int64_t min = 0, max = 0;  ///< the accepted range of a number
    std::string help;          ///< the --help text
    bool hidden = false;       ///< test-only: accepted, never shown by --help
    std::string manifest_key;  ///< its key in the manifest's `options`; empty = not recorded
    bool negated = false;      ///< a switch that clears its field (--no-hash clears params.hash)
};

/// Every option of `irsnap collect` in --help order, hidden ones last.
const std::vector<CollectOptionSpec>& collect_option_table();

/// The manifest's `options` object: every option the table gives a manifest key, as `options`
/// holds it (the caller adds what the run found out, e.g. hash_stats, or the output directory
/// actually used).
nlohmann::json manifest_options(const CollectOptions& options);

}  // namespace irsnap
