// SPDX-License-Identifier: Apache-2.0
// Registry autoruns: Run / RunOnce / RunOnceEx / Policies\Explorer\Run under HKLM (64- and
// 32-bit views) and every loaded user hive; Winlogon Shell / Userinit, AppInit_DLLs, IFEO
// debuggers and SilentProcessExit monitors, Session Manager BootExecute.
#include "autoruns_win_walk.hpp"
#include "irsnap/windows/win_reg_value.hpp"
#include "irsnap/windows/win_text.hpp"

namespace irsnap::collectors::autoruns_win_impl {
namespace {

using win::to_utf8;
using win::to_wide;

const wchar_t* const k_cv = L"SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\";
const wchar_t* const k_nt = L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\";

/// A key to read and how it is shown in records.
struct Place {
    HKEY root;
    std::wstring path;
    REGSAM view;
    std::string shown;  ///< "HKLM\SOFTWARE\WOW6432Node\..." / "HKU\S-1-5-...\Software\..."
    std::string view_name;
    const Profile* profile = nullptr;
    std::optional<std::string> sid;
};

/// HKLM in both views, then each loaded user hive, for a path under SOFTWARE.
std::vector<Place> places_of(Emitter& em, const std::wstring& software_path, bool users) {
    std::vector<Place> out;
    const std::string rest = to_utf8(software_path.substr(9));  // after "SOFTWARE\"
    out.push_back(
        {HKEY_LOCAL_MACHINE, software_path, KEY_WOW64_64KEY, "HKLM\\SOFTWARE\\" + rest, "64"});
    out.push_back({HKEY_LOCAL_MACHINE, software_path, KEY_WOW64_32KEY,
                   "HKLM\\SOFTWARE\\WOW6432Node\\" + rest, "32"});
    if (!users) return out;
    for (const auto& sid : em.loaded_hives()) {
        out.push_back({HKEY_USERS, to_wide(sid) + L"\\Software\\" + to_wide(rest), KEY_WOW64_64KEY,
                       "HKU\\" + sid + "\\Software\\" + rest, "64", em.profile_of(sid), sid});
    }
    return out;
}

/// Opens a place; a 32-bit view that lands on the 64-bit key (a key shared between the views,
/// or a 32-bit system) is skipped: the 64-bit view reported it already.
RegKey open_place(Emitter& em, const Place& p) {
    RegKey key = em.open(p.root, p.path, p.view, p.shown);
    if (key && p.view == KEY_WOW64_32KEY) {
        const std::string name = autoruns_win::lower_ascii(reg_nt_name(key.get()));
        if (!name.empty() && name.find("\\wow6432node") == std::string::npos) return RegKey();
    }
    return key;
}

WinEntry entry_for(const Place& p, const char* category, HKEY key) {
    WinEntry e;
    e.category = category;
    e.source_path = p.shown;
    e.mtime_ns = reg_last_write_ns(key);
    e.user_sid = p.sid;
    e.profile = p.profile;
    e.details["registry_view"] = p.view_name;
    return e;
}

/// Explorer's StartupApproved: a value's first byte odd means the user disabled the entry.
std::map<std::wstring, bool> startup_approved(Emitter& em, const Place& run, const wchar_t* which) {
    std::map<std::wstring, bool> out;
    const bool hklm = run.root == HKEY_LOCAL_MACHINE;
    const std::wstring base =
        hklm ? std::wstring(k_cv)
             : to_wide(*run.sid) + L"\\Software\\" + std::wstring(k_cv).substr(9);
    RegKey key = em.open(run.root, base + L"Explorer\\StartupApproved\\" + which, KEY_WOW64_64KEY,
                         run.shown + " (StartupApproved)");
    if (!key) return out;
    for (const auto& v : reg_values(key.get())) {
        if (!v.data.empty()) out[v.name] = (static_cast<unsigned char>(v.data[0]) & 1) == 0;
    }
    return out;
}

void emit_values(Emitter& em, const Place& p, HKEY key, const char* category,
                 const std::map<std::wstring, bool>* approved) {
    for (const auto& v : reg_values(key)) {
        if (em.ctx().should_stop()) return;
        const auto decoded = autoruns_win::decode_reg_value(v.type, v.data);
        WinEntry e = entry_for(p, category, key);
        e.value_name = to_utf8(v.name);
        e.value_type = decoded.type_name;
        e.command = decoded.text;
        if (!decoded.note.empty()) e.details["data_note"] = decoded.note;
        e.enabled = true;
        if (approved) {
            auto it = approved->find(v.name);
            if (it != approved->end()) e.enabled = it->second;
        }
        // Only strings name a program; numbers and binary data do not.
        if (decoded.strings.empty()) e.target = WinEntry::Target::none;
        em.add(std::move(e));
    }
}

void run_key(Emitter& em, const std::wstring& path, const wchar_t* approved_name) {
    for (const auto& p : places_of(em, path, true)) {
        if (em.ctx().should_stop()) return;
        RegKey key = open_place(em, p);
        if (!key) continue;
        std::map<std::wstring, bool> approved;
        if (approved_name) {
            std::wstring which = approved_name;
            if (p.view_name == "32" && which == L"Run") which = L"Run32";
            approved = startup_approved(em, p, which.c_str());
        }
        emit_values(em, p, key.get(), "run_key", approved_name ? &approved : nullptr);
        if (path.size() > 9 && path.compare(path.size() - 9, 9, L"RunOnceEx") == 0) {
            // RunOnceEx: numbered subkeys, each with its own values.
            for (const auto& sub : reg_subkeys(key.get())) {
                Place child = p;
                child.path += L"\\" + sub;
                child.shown += "\\" + to_utf8(sub);
                RegKey k = em.open(key.get(), sub, p.view, child.shown);
                if (k) emit_values(em, child, k.get(), "run_key", nullptr);
            }
        }
    }
}

/// A value holding a list ("userinit.exe,evil.exe"; AppInit_DLLs split at commas or spaces):
/// one record per item, so each target is resolved and hashed.
void list_value(Emitter& em, const Place& p, HKEY key, const wchar_t* name, const char* category,
                const char* separators, std::optional<bool> enabled) {
    auto raw = reg_value(key, name);
    if (!raw) return;
    const auto decoded = autoruns_win::decode_reg_value(raw->type, raw->data);
    std::vector<std::string> items;
    for (const auto& s : decoded.strings) {
        size_t start = 0;
        while (start <= s.size()) {
            size_t end = s.find_first_of(separators, start);
            if (end == std::string::npos) end = s.size();
            const std::string item = s.substr(start, end - start);
            if (item.find_first_not_of(" \t") != std::string::npos) items.push_back(item);
            start = end + 1;
        }
    }
    for (const auto& item : items) {
        WinEntry e = entry_for(p, category, key);
        e.value_name = to_utf8(name);
        e.value_type = decoded.type_name;
        e.command = item;
        e.enabled = enabled;
        if (items.size() > 1) e.details["value_data"] = decoded.text;
        // BootExecute "autocheck autochk *": autocheck is a keyword, autochk the native program.
        if (autoruns_win::lower_ascii(item).rfind("autocheck ", 0) == 0) {
            e.resolve_command = item.substr(10);
        }
        em.add(std::move(e));
    }
}

}  // namespace

void walk_run_keys(Emitter& em) {
    const std::wstring cv = k_cv;
    run_key(em, cv + L"Run", L"Run");
    run_key(em, cv + L"RunOnce", nullptr);
    run_key(em, cv + L"RunOnceEx", nullptr);
    run_key(em, cv + L"RunServices", nullptr);
    run_key(em, cv + L"RunServicesOnce", nullptr);
    run_key(em, cv + L"Policies\\Explorer\\Run", nullptr);
}

void walk_winlogon_and_friends(Emitter& em) {
    const std::wstring nt = k_nt;
    for (const auto& p : places_of(em, nt + L"Winlogon", true)) {
        RegKey key = open_place(em, p);
        if (!key) continue;
        for (const wchar_t* name : {L"Shell", L"Userinit", L"Taskman", L"AppSetup"}) {
            list_value(em, p, key.get(), name, "winlogon", ",", true);
        }
    }
    for (const auto& p : places_of(em, nt + L"Windows", false)) {
        RegKey key = open_place(em, p);
        if (!key) continue;
        const auto load = reg_number(key.get(), L"LoadAppInit_DLLs");
        list_value(em, p, key.get(), L"AppInit_DLLs", "appinit_dll", ", ",
                   load ? std::optional<bool>(*load != 0) : std::optional<bool>(false));
    }
    for (const auto& p : places_of(em, nt + L"Image File Execution Options", false)) {
        RegKey ifeo = open_place(em, p);
        if (!ifeo) continue;
        for (const auto& exe : reg_subkeys(ifeo.get())) {
            if (em.ctx().should_stop()) return;
            Place child = p;
            child.shown += "\\" + to_utf8(exe);
            RegKey k = em.open(ifeo.get(), exe, p.view, child.shown);
            if (!k) continue;
            list_value(em, child, k.get(), L"Debugger", "ifeo_debugger", "", true);
            // FLG_MONITOR_SILENT_PROCESS_EXIT (0x200): SilentProcessExit\exe MonitorProcess runs
            // when the program exits.
            const auto flags = reg_number(k.get(), L"GlobalFlag");
            if (!flags || !(*flags & 0x200)) continue;
            Place spe = p;
            spe.path = nt + L"SilentProcessExit\\" + exe;
            spe.shown =
                (p.view_name == "32" ? "HKLM\\SOFTWARE\\WOW6432Node\\" : "HKLM\\SOFTWARE\\") +
                to_utf8(spe.path.substr(9));
            RegKey s = em.open(HKEY_LOCAL_MACHINE, spe.path, p.view, spe.shown);
            if (s) list_value(em, spe, s.get(), L"MonitorProcess", "silent_process_exit", "", true);
        }
    }
    Place sm{HKEY_LOCAL_MACHINE, L"SYSTEM\\CurrentControlSet\\Control\\Session Manager",
             KEY_WOW64_64KEY, "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager", "64"};
    if (RegKey key = em.open(sm.root, sm.path, sm.view, sm.shown)) {
        for (const wchar_t* name : {L"BootExecute", L"SetupExecute", L"Execute"}) {
            list_value(em, sm, key.get(), name, "boot_execute", "", true);
        }
    }
}

}  // namespace irsnap::collectors::autoruns_win_impl
