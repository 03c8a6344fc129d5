// SPDX-License-Identifier: Apache-2.0
// File autoruns: scheduled task definitions (%SystemRoot%\System32\Tasks, recursively) and the
// Startup folders (all users, and each profile's). Files are read with sharing for everyone so
// nothing on the host is blocked, and never written.
#include <fmt/format.h>

#include "autoruns_win_walk.hpp"
#include "irsnap/windows/disk_file.hpp"
#include "irsnap/windows/win_command_target.hpp"
#include "irsnap/windows/win_handle.hpp"
#include "irsnap/windows/win_lnk.hpp"
#include "irsnap/windows/win_task_xml.hpp"
#include "irsnap/windows/win_text.hpp"

namespace irsnap::collectors::autoruns_win_impl {
namespace {

using nlohmann::json;
using win::to_utf8;
using win::to_wide;

constexpr uint64_t k_max_source_bytes = 4 * 1024 * 1024;  // a task file is a few KB
constexpr int k_max_task_depth = 16;

struct FileSource {
    std::string bytes;
    std::optional<int64_t> mtime, ctime, created;
};

std::optional<int64_t> large_ns(const LARGE_INTEGER& v) {
    FILETIME ft{static_cast<DWORD>(v.QuadPart & 0xFFFFFFFF), static_cast<DWORD>(v.QuadPart >> 32)};
    return filetime_ns(ft);
}

/// Reads a source file (times always; bytes when `with_bytes`). Failures become item errors.
std::optional<FileSource> read_source(Emitter& em, const std::string& path, bool with_bytes) {
    // The shared opener: a task file, a .lnk or a startup entry may be a link to a pipe.
    win::DiskFile opened = win::open_disk_file(to_wide(path));
    if (!opened) {
        const DWORD error = opened.error;
        if (!opened.refused.empty()) {
            em.sink().item_error(ItemError::without_code("open", path, opened.refused));
            return std::nullopt;
        }
        if (error == ERROR_ACCESS_DENIED) em.denied("source file");
        em.sink().item_error(ItemError::from_win32(
            "open", error, path, fmt::format("CreateFileW failed: Win32 error {}", error)));
        return std::nullopt;
    }
    win::UniqueHandle file = std::move(opened.handle);
    FileSource s;
    FILE_BASIC_INFO basic{};
    if (GetFileInformationByHandleEx(file.get(), FileBasicInfo, &basic, sizeof basic)) {
        s.mtime = large_ns(basic.LastWriteTime);
        s.ctime = large_ns(basic.ChangeTime);
        s.created = large_ns(basic.CreationTime);
    }
    if (!with_bytes) return s;
    LARGE_INTEGER size{};
    if (!GetFileSizeEx(file.get(), &size) ||
        static_cast<uint64_t>(size.QuadPart) > k_max_source_bytes) {
        em.sink().item_error(ItemError::without_code("read", path, "larger than 4 MiB: not read"));
        return std::nullopt;
    }
    s.bytes.resize(static_cast<size_t>(size.QuadPart));
    DWORD got = 0;
    size_t at = 0;
    while (at < s.bytes.size() &&
           ReadFile(file.get(), s.bytes.data() + at, static_cast<DWORD>(s.bytes.size() - at), &got,
                    nullptr) &&
           got > 0) {
        at += got;
    }
    s.bytes.resize(at);
    return s;
}

/// Names in a directory (no "." and ".."), with whether each is a directory; sorted.
std::vector<std::pair<std::string, bool>> list_dir(const std::string& dir) {
    std::vector<std::pair<std::string, bool>> out;
    WIN32_FIND_DATAW fd{};
    HANDLE h = FindFirstFileExW(to_wide(dir + "\\*").c_str(), FindExInfoBasic, &fd,
                                FindExSearchNameMatch, nullptr, 0);
    if (h == INVALID_HANDLE_VALUE) return out;
    do {
        const std::wstring name = fd.cFileName;
        if (name == L"." || name == L"..") continue;
        // A reparse point (junction) is listed but never followed: it could loop or leave.
        const bool is_dir = (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) &&
                            !(fd.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT);
        out.emplace_back(to_utf8(name), is_dir);
    } while (FindNextFileW(h, &fd));
    FindClose(h);
    std::sort(out.begin(), out.end());
    return out;
}

json trigger_json(const autoruns_win::TaskTrigger& t) {
    json j;
    j["type"] = t.type;
    j["enabled"] = t.enabled ? json(*t.enabled) : json(nullptr);
    for (const auto& [k, v] :
         {std::pair<const char*, const std::string&>{"start_boundary", t.start_boundary},
          {"user_id", t.user_id},
          {"delay", t.delay},
          {"schedule", t.schedule},
          {"interval", t.interval}}) {
        if (!v.empty()) j[k] = v;
    }
    return j;
}

/// InprocServer32 of a COM handler's class: the DLL the task really runs.
std::optional<std::string> com_server(Emitter& em, const std::string& clsid) {
    const std::wstring path = L"SOFTWARE\\Classes\\CLSID\\" + to_wide(clsid) + L"\\InprocServer32";
    RegKey key = em.open(HKEY_LOCAL_MACHINE, path, KEY_WOW64_64KEY, "HKLM\\" + to_utf8(path));
    if (!key) return std::nullopt;
    return reg_string(key.get(), nullptr);
}

void task_file(Emitter& em, const std::string& path, const std::string& task_path) {
    auto src = read_source(em, path, true);
    if (!src) return;
    const autoruns_win::TaskDefinition d = autoruns_win::parse_task_xml(src->bytes);
    if (!d.error.empty()) em.sink().item_error(ItemError::without_code("parse", path, d.error));
    json triggers = json::array();
    for (const auto& t : d.triggers) triggers.push_back(trigger_json(t));
    auto base = [&]() {
        WinEntry e;
        e.category = "scheduled_task";
        e.source_path = path;
        e.mtime_ns = src->mtime;
        e.ctime_ns = src->ctime;
        e.created_ns = src->created;
        e.enabled = d.enabled;
        if (d.user_id.rfind("S-1-", 0) == 0) {
            e.user_sid = d.user_id;  // the account name is looked up when the record is made
        } else if (!d.user_id.empty()) {
            e.user = d.user_id;
        } else if (!d.group_id.empty()) {
            e.user = d.group_id;
        }
        if (const Profile* p = e.user_sid ? em.profile_of(*e.user_sid) : nullptr) e.profile = p;
        e.details["task_path"] = task_path;
        e.details["triggers"] = triggers;
        e.details["encoding"] = d.encoding;
        e.details["hidden"] = d.hidden;
        for (const auto& [k, v] : {std::pair<const char*, const std::string&>{"uri", d.uri},
                                   {"author", d.author},
                                   {"registration_date", d.date},
                                   {"run_level", d.run_level},
                                   {"logon_type", d.logon_type},
                                   {"group_id", d.group_id}}) {
            if (!v.empty()) e.details[k] = v;
        }
        return e;
    };
    if (d.actions.empty()) {
        WinEntry e = base();
        e.target = WinEntry::Target::none;
        em.add(std::move(e));
    }
    for (const auto& a : d.actions) {
        WinEntry e = base();
        e.details["action"] = a.kind;
        if (a.kind == "exec") {
            e.command = a.arguments.empty() ? a.command : a.command + " " + a.arguments;
            e.resolve_command = a.command.find(' ') != std::string::npos && a.command.front() != '"'
                                    ? "\"" + a.command + "\""  // Command is one path
                                    : a.command;
            if (!a.arguments.empty()) e.details["arguments"] = a.arguments;
            if (!a.working_directory.empty()) e.details["working_directory"] = a.working_directory;
        } else if (a.kind == "com_handler") {
            e.command = a.class_id;
            e.details["class_id"] = a.class_id;
            if (!a.data.empty()) e.details["data"] = a.data;
            if (auto dll = com_server(em, a.class_id)) {
                e.details["com_server"] = *dll;
                e.target = WinEntry::Target::program;
                e.program = *dll;
            } else {
                e.target = WinEntry::Target::none;
            }
        } else {
            e.target = WinEntry::Target::none;
        }
        em.add(std::move(e));
    }
}

void task_dir(Emitter& em, const std::string& dir, const std::string& task_dir_path, int depth) {
    for (const auto& [name, is_dir] : list_dir(dir)) {
        if (em.ctx().should_stop()) return;
        const std::string path = dir + "\\" + name;
        const std::string task_path = task_dir_path + "\\" + name;
        if (is_dir) {
            if (depth < k_max_task_depth) task_dir(em, path, task_path, depth + 1);
        } else {
            task_file(em, path, task_path);
        }
    }
}

void startup_folder(Emitter& em, const std::string& dir, const Profile* profile) {
    for (const auto& [name, is_dir] : list_dir(dir)) {
        if (is_dir || autoruns_win::lower_ascii(name) == "desktop.ini") continue;
        const std::string path = dir + "\\" + name;
        const bool lnk = autoruns_win::lower_ascii(name).size() > 4 &&
                         autoruns_win::lower_ascii(name).rfind(".lnk") == name.size() - 4;
        auto src = read_source(em, path, lnk);
        if (!src) continue;
        WinEntry e;
        e.category = "startup_folder";
        e.source_path = path;
        e.mtime_ns = src->mtime;
        e.ctime_ns = src->ctime;
        e.created_ns = src->created;
        e.enabled = true;
        e.profile = profile;
        if (profile) e.user_sid = profile->sid;
        e.target = WinEntry::Target::program;
        e.program = path;  // a document or script in the folder is opened itself
        e.command = path;
        if (lnk) {
            if (auto link = autoruns_win::parse_shell_link(src->bytes)) {
                const std::string target =
                    !link->env_target.empty() ? link->env_target : link->target;
                if (!target.empty()) e.program = target;
                e.command = link->arguments.empty() ? target : target + " " + link->arguments;
                for (const auto& [k, v] :
                     {std::pair<const char*, const std::string&>{"link_target", link->target},
                      {"link_env_target", link->env_target},
                      {"link_arguments", link->arguments},
                      {"link_working_dir", link->working_dir},
                      {"link_relative_path", link->relative_path},
                      {"link_error", link->error}}) {
                    if (!v.empty()) e.details[k] = v;
                }
                if (target.empty()) e.target = WinEntry::Target::none;
            } else {
                e.details["link_error"] = "not a shell link";
            }
        }
        em.add(std::move(e));
    }
}

}  // namespace

void walk_tasks(Emitter& em) {
    const std::string root = em.system_root() + "\\System32\\Tasks";
    if (GetFileAttributesW(to_wide(root).c_str()) == INVALID_FILE_ATTRIBUTES) {
        em.sink().coverage(root + " is missing: no scheduled task definitions to read");
        return;
    }
    task_dir(em, root, "", 0);
}

void walk_startup_folders(Emitter& em) {
    std::string common;
    const std::wstring folders =
        L"SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Explorer\\User Shell Folders";
    if (RegKey key =
            em.open(HKEY_LOCAL_MACHINE, folders, KEY_WOW64_64KEY, "HKLM\\" + to_utf8(folders))) {
        if (auto v = reg_string(key.get(), L"Common Startup")) common = em.expand(*v, nullptr);
    }
    if (common.empty()) {
        common =
            em.expand("%ProgramData%\\Microsoft\\Windows\\Start Menu\\Programs\\Startup", nullptr);
    }
    startup_folder(em, common, nullptr);
    for (const auto& p : em.profiles()) {
        if (em.ctx().should_stop()) return;
        if (p.path.empty()) continue;
        std::vector<std::string> dirs = {
            p.path + "\\AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs\\Startup"};
        // A loaded hive may point the user's Startup folder elsewhere (a redirection is itself
        // a persistence trick): read that place too.
        if (RegKey key = em.open(
                HKEY_USERS,
                to_wide(p.sid) +
                    L"\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\User Shell Folders",
                KEY_WOW64_64KEY, "HKU\\" + p.sid + "\\...\\User Shell Folders")) {
            if (auto v = reg_string(key.get(), L"Startup")) {
                const std::string dir = em.expand(*v, &p);
                if (autoruns_win::lower_ascii(dir) != autoruns_win::lower_ascii(dirs[0]))
                    dirs.push_back(dir);
            }
        }
        for (const auto& dir : dirs) startup_folder(em, dir, &p);
    }
}

}  // namespace irsnap::collectors::autoruns_win_impl
