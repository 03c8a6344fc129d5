// SPDX-License-Identifier: Apache-2.0
// Internals of the Windows autoruns collector: registry access that degrades per key, and the
// Emitter that turns entries into records (target resolved, stat'ed, hashed, signature checked).
// Windows-only: included by the *_windows.cpp files of this directory.
#pragma once

#include <windows.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/hash_window.hpp"
#include "irsnap/collector.hpp"
#include "irsnap/windows/win_command_target.hpp"

namespace irsnap::collectors::autoruns_win_impl {

/// An open registry key, closed on destruction.
class RegKey {
  public:
    RegKey() = default;
    explicit RegKey(HKEY h) : m_h(h) {}
    ~RegKey() {
        if (m_h) RegCloseKey(m_h);
    }
    RegKey(RegKey&& o) noexcept : m_h(o.m_h) { o.m_h = nullptr; }
    RegKey& operator=(RegKey&& o) noexcept {
        std::swap(m_h, o.m_h);
        return *this;
    }
    RegKey(const RegKey&) = delete;
    RegKey& operator=(const RegKey&) = delete;
    HKEY get() const { return m_h; }
    explicit operator bool() const { return m_h != nullptr; }

  private:
    HKEY m_h = nullptr;
};

struct RawValue {
    std::wstring name;
    DWORD type = 0;
    std::string data;
};

/// Values, subkeys and the last-write time of an open key. Failures give what was read.
std::vector<RawValue> reg_values(HKEY key);
std::optional<RawValue> reg_value(HKEY key, const wchar_t* name);
std::vector<std::wstring> reg_subkeys(HKEY key);
std::optional<int64_t> reg_last_write_ns(HKEY key);
/// The key's kernel name (\REGISTRY\MACHINE\SOFTWARE\WOW6432Node\...); empty if unknown.
std::string reg_nt_name(HKEY key);
/// A string value (REG_SZ / REG_EXPAND_SZ) decoded, or nullopt.
std::optional<std::string> reg_string(HKEY key, const wchar_t* name);
std::optional<uint64_t> reg_number(HKEY key, const wchar_t* name);

/// A user whose hive or profile is on this host.
struct Profile {
    std::string sid;
    std::optional<std::string> account;  ///< DOMAIN\name, when the SID resolves
    std::string path;                    ///< ProfileImagePath, expanded
};

/// One autorun, before it becomes a record.
struct WinEntry {
    std::string category;
    std::string source_path;  ///< registry key ("HKLM\...") or file path
    std::optional<std::string> value_name, value_type;
    std::optional<std::string> command;
    std::optional<std::string> user, user_sid;
    std::optional<bool> enabled;
    std::optional<int64_t> mtime_ns, ctime_ns, created_ns;  ///< of the source (key or file)
    nlohmann::json details = nlohmann::json::object();
    /// What names the target: the command line (default), `program` taken as a path (ServiceDll,
    /// a .lnk target, the startup file itself), or nothing.
    enum class Target { command, program, none } target = Target::command;
    std::string program;
    std::string resolve_command;       ///< resolved instead of `command` when set (Target::command)
    bool service_paths = false;        ///< ImagePath semantics (relative to %SystemRoot%)
    const Profile* profile = nullptr;  ///< expand %APPDATA% etc. as this user's
};

class Emitter {
  public:
    Emitter(const Context& ctx, RecordSink& sink);
    const Context& ctx() const { return m_ctx; }
    RecordSink& sink() { return m_sink; }

    /// Opens HKLM / HKU subkeys: nullopt when missing (silent) or failing (item error, denials
    /// counted). `view` is KEY_WOW64_64KEY or KEY_WOW64_32KEY.
    RegKey open(HKEY root, const std::wstring& path, REGSAM view, const std::string& shown);

    /// Users with a hive loaded under HKU (SIDs, *_Classes skipped) and profiles on disk.
    const std::vector<Profile>& profiles() const { return m_profiles; }
    const Profile* profile_of(const std::string& sid) const;
    std::optional<std::string> account_of(const std::string& sid);
    std::vector<std::string> loaded_hives();

    std::string expand(const std::string& text, const Profile* profile) const;
    const std::string& system_root() const { return m_options.system_root; }
    void denied(const std::string& what) { ++m_denied[what]; }

    void add(WinEntry entry);
    void finish();

  private:
    void resolve_target(const WinEntry& e, nlohmann::json& r,
                        std::optional<std::shared_future<FileHash>>& hash);

    const Context& m_ctx;
    RecordSink& m_sink;
    collectors::HashWindow m_window;
    autoruns_win::TargetOptions m_options;
    std::vector<Profile> m_profiles;
    std::map<std::string, std::optional<std::string>> m_accounts;
    std::map<std::string, uint64_t> m_denied;
};

/// FILETIME (100 ns since 1601) to ns since the Unix epoch; nullopt for 0 (never set).
std::optional<int64_t> filetime_ns(const FILETIME& ft);
/// RFC 3339 UTC, or null.
nlohmann::json filetime_json(std::optional<int64_t> unix_ns);

// Sources (autoruns_registry_windows.cpp, autoruns_services_windows.cpp,
// autoruns_files_windows.cpp).
std::vector<Profile> read_profiles(Emitter& em);
void walk_run_keys(Emitter& em);
void walk_winlogon_and_friends(Emitter& em);
void walk_services(Emitter& em);
void walk_tasks(Emitter& em);
void walk_startup_folders(Emitter& em);

}  // namespace irsnap::collectors::autoruns_win_impl
