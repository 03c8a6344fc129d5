// SPDX-License-Identifier: Apache-2.0
// The Windows walk of the file-system timeline (timeline_walk_windows.hpp): directories listed
// through their handles with every time in the listing, reparse points recorded and never
// entered, bounded like the Linux walk.
#include <windows.h>  // first: the Windows headers below need its types

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "irsnap/windows/nt_process.hpp"
#include "irsnap/windows/timeline_walk_windows.hpp"
#include "irsnap/windows/win_command_target.hpp"
#include "irsnap/windows/win_handle.hpp"
#include "irsnap/windows/win_text.hpp"

namespace irsnap::timeline {
namespace {

using win::to_utf8;
using win::to_wide;
using win::UniqueHandle;

constexpr wchar_t k_profile_list[] =
    L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList";

/// `\\?\` form, so paths past MAX_PATH open too.
std::wstring long_path(const std::string& path) {
    std::wstring w = to_wide(path);
    if (w.rfind(L"\\\\?\\", 0) == 0) return w;
    if (w.rfind(L"\\\\", 0) == 0) return L"\\\\?\\UNC\\" + w.substr(2);
    return L"\\\\?\\" + w;
}

std::string lower_ascii(std::string s) {
    for (char& c : s) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return s;
}

std::optional<int64_t> time_of(int64_t filetime) {
    if (filetime <= 0) return std::nullopt;  // 0: the file system keeps no such time
    return win::filetime_to_unix_ns(filetime);
}

bool is_link_tag(DWORD tag) {
    return tag == IO_REPARSE_TAG_SYMLINK || tag == IO_REPARSE_TAG_MOUNT_POINT;
}

FileType type_of(DWORD attributes, DWORD reparse_tag) {
    if ((attributes & FILE_ATTRIBUTE_REPARSE_POINT) && is_link_tag(reparse_tag)) {
        return FileType::symlink;
    }
    return (attributes & FILE_ATTRIBUTE_DIRECTORY) ? FileType::directory : FileType::regular;
}

/// A directory handle for listing. `follow` false: a reparse point is opened itself.
UniqueHandle open_dir(const std::string& path, bool follow, DWORD& error) {
    const DWORD flags = FILE_FLAG_BACKUP_SEMANTICS | (follow ? 0 : FILE_FLAG_OPEN_REPARSE_POINT);
    HANDLE h = CreateFileW(long_path(path).c_str(),
                           FILE_LIST_DIRECTORY | FILE_READ_ATTRIBUTES | SYNCHRONIZE,
                           FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                           OPEN_EXISTING, flags, nullptr);
    if (h == INVALID_HANDLE_VALUE) {
        error = GetLastError();
        return UniqueHandle();
    }
    return UniqueHandle(h);
}

bool is_missing(DWORD error) {
    return error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND ||
           error == ERROR_DIRECTORY || error == ERROR_NOT_READY || error == ERROR_INVALID_NAME;
}

std::string error_text(DWORD error) {
    return fmt::format("Win32 error {}", error);
}

std::optional<std::wstring> reg_text(HKEY key, const wchar_t* value) {
    DWORD bytes = 0;
    const DWORD flags = RRF_RT_REG_SZ | RRF_RT_REG_EXPAND_SZ | RRF_NOEXPAND;
    if (RegGetValueW(key, nullptr, value, flags, nullptr, nullptr, &bytes) != ERROR_SUCCESS) {
        return std::nullopt;
    }
    std::wstring text(bytes / sizeof(wchar_t) + 1, L'\0');
    bytes = static_cast<DWORD>(text.size() * sizeof(wchar_t));
    if (RegGetValueW(key, nullptr, value, flags, nullptr, text.data(), &bytes) != ERROR_SUCCESS) {
        return std::nullopt;
    }
    text.resize(wcsnlen(text.c_str(), text.size()));
    return text;
}

std::string expanded(const std::wstring& text) {
    const DWORD n = ExpandEnvironmentStringsW(text.c_str(), nullptr, 0);
    if (n == 0) return to_utf8(text);
    std::wstring out(n, L'\0');
    ExpandEnvironmentStringsW(text.c_str(), out.data(), n);
    out.resize(wcsnlen(out.c_str(), out.size()));
    while (!out.empty() && out.back() == L'\\') out.pop_back();
    return to_utf8(out);
}

/// `text` (a user's environment value) with that user's own folders: %USERPROFILE%, %APPDATA%
/// and %LOCALAPPDATA% are the profile's; the rest (%SystemRoot% ...) the machine's.
std::string expanded_for(const std::wstring& text, const std::string& profile) {
    std::string out = autoruns_win::expand_environment(
        to_utf8(text), [&](const std::string& raw) -> std::optional<std::string> {
            const std::string name = autoruns_win::lower_ascii(raw);
            if (name == "userprofile") return profile;
            if (name == "appdata") return profile + "\\AppData\\Roaming";
            if (name == "localappdata") return profile + "\\AppData\\Local";
            const std::wstring wide = to_wide(raw);
            const DWORD n = GetEnvironmentVariableW(wide.c_str(), nullptr, 0);
            if (n == 0) return std::nullopt;
            std::wstring value(n, L'\0');
            value.resize(GetEnvironmentVariableW(wide.c_str(), value.data(), n));
            return to_utf8(value);
        });
    while (!out.empty() && out.back() == '\\') out.pop_back();
    return out;
}

/// The reparse tag of an entry whose listing gave none (Wine lists its links with tag 0): the
/// reparse point itself is opened for its attributes only, never followed and never read.
DWORD reparse_tag_of(const std::string& path) {
    HANDLE h =
        CreateFileW(long_path(path).c_str(), FILE_READ_ATTRIBUTES,
                    FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                    FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, nullptr);
    if (h == INVALID_HANDLE_VALUE) return 0;
    UniqueHandle owner(h);
    FILE_ATTRIBUTE_TAG_INFO info{};
    if (!GetFileInformationByHandleEx(h, FileAttributeTagInfo, &info, sizeof info)) return 0;
    return info.ReparseTag;
}

struct Subdir {
    std::wstring name;
    uint64_t id = 0;
};

struct Frame {
    UniqueHandle handle;
    std::string path;
    size_t depth = 0;
    std::vector<Subdir> subdirs;
    size_t next = 0;
};

class WindowsWalk {
  public:
    WindowsWalk(const std::vector<Root>& roots, WalkState& state) : m_state(state) {
        for (const auto& r : roots) m_root_paths.insert(lower_ascii(r.path));
    }

    void run(std::vector<RootReport>& roots) {
        for (auto& r : roots) {
            if (m_state.stopping(r.root.path, true)) break;
            const auto started = std::chrono::steady_clock::now();
            walk_root(r);
            r.seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        }
    }

  private:
    void walk_root(RootReport& report) {
        const std::string& path = report.root.path;
        if (path.rfind("\\\\", 0) == 0) {
            report.status = "skipped_fs";
            report.detail = "network share";
            return;
        }
        DWORD error = 0;
        UniqueHandle h = open_dir(path, true, error);
        if (!h) {
            if (is_missing(error)) {
                report.status = "missing";
            } else if (error == ERROR_ACCESS_DENIED) {
                report.status = "denied";
                m_state.report().denied.add(path);
            } else {
                report.status = "failed";
                report.detail = error_text(error);
                m_state.visitor().error(
                    ItemError::from_win32("open", error, path, "CreateFileW failed"));
            }
            return;
        }
        BY_HANDLE_FILE_INFORMATION info{};
        FILE_BASIC_INFO basic{};
        if (!GetFileInformationByHandle(h.get(), &info) ||
            !GetFileInformationByHandleEx(h.get(), FileBasicInfo, &basic, sizeof basic)) {
            error = GetLastError();
            report.status = "failed";
            report.detail = error_text(error);
            m_state.visitor().error(
                ItemError::from_win32("stat", error, path, "GetFileInformationByHandle failed"));
            return;
        }
        const uint64_t id = (static_cast<uint64_t>(info.nFileIndexHigh) << 32) | info.nFileIndexLow;
        const auto key = std::make_pair(static_cast<uint64_t>(info.dwVolumeSerialNumber), id);
        if (auto seen = m_walked.find(key); seen != m_walked.end()) {
            report.status = "duplicate";
            report.detail = seen->second;
            return;
        }
        m_walked.emplace(key, path);
        m_volume = info.dwVolumeSerialNumber;
        report.status = "walked";
        m_current = &report;
        Entry self;
        self.path = path;
        self.type = FileType::directory;
        self.inode = id;
        self.size = 0;
        self.atime_ns = time_of(basic.LastAccessTime.QuadPart);
        self.mtime_ns = time_of(basic.LastWriteTime.QuadPart);
        self.ctime_ns = time_of(basic.ChangeTime.QuadPart);
        self.btime_ns = time_of(basic.CreationTime.QuadPart);
        self.attributes = basic.FileAttributes;
        if (!m_state.offer(report, self, path)) {
            report.status = "stopped";
            return;
        }
        std::vector<Frame> stack;
        stack.push_back(Frame{std::move(h), path, 0, {}, 0});
        if (!read_dir(stack.back())) {
            report.status = "stopped";
            return;
        }
        while (!stack.empty()) {
            Frame& top = stack.back();
            if (top.next >= top.subdirs.size()) {
                stack.pop_back();
                continue;
            }
            const Subdir sub = std::move(top.subdirs[top.next++]);
            std::string child = top.path + "\\" + to_utf8(sub.name);
            if (top.depth + 1 > m_state.limits().max_depth) {
                m_state.report().too_deep.add(std::move(child));
                continue;
            }
            UniqueHandle ch = open_dir(child, false, error);
            if (!ch) {
                if (is_missing(error)) {
                    m_state.visitor().race();
                } else if (error == ERROR_ACCESS_DENIED) {
                    m_state.report().denied.add(child);
                } else {
                    m_state.visitor().error(
                        ItemError::from_win32("open", error, child, "CreateFileW failed"));
                }
                continue;
            }
            BY_HANDLE_FILE_INFORMATION ci{};
            if (!GetFileInformationByHandle(ch.get(), &ci) ||
                ((static_cast<uint64_t>(ci.nFileIndexHigh) << 32) | ci.nFileIndexLow) != sub.id ||
                (ci.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) ||
                !(ci.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)) {
                m_state.visitor().race();  // replaced between listing and opening
                continue;
            }
            Frame next{std::move(ch), std::move(child), top.depth + 1, {}, 0};
            if (!read_dir(next)) {
                report.status = "stopped";
                return;
            }
            stack.push_back(std::move(next));
        }
    }

    bool read_dir(Frame& frame) {
        if (m_state.stopping(frame.path, true)) return false;
        // 64 KiB, 8-byte aligned: what the FILE_ID_BOTH_DIR_INFO records need.
        std::vector<uint64_t> buffer(8192);
        for (;;) {
            if (!GetFileInformationByHandleEx(frame.handle.get(), FileIdBothDirectoryInfo,
                                              buffer.data(),
                                              static_cast<DWORD>(buffer.size() * 8))) {
                const DWORD error = GetLastError();
                if (error != ERROR_NO_MORE_FILES) {
                    if (error == ERROR_ACCESS_DENIED) {
                        m_state.report().denied.add(frame.path);
                    } else {
                        m_state.visitor().error(ItemError::from_win32(
                            "readdir", error, frame.path, "listing the directory failed"));
                    }
                }
                return true;
            }
            const auto* base = reinterpret_cast<const char*>(buffer.data());
            size_t offset = 0;
            for (;;) {
                const auto* info = reinterpret_cast<const FILE_ID_BOTH_DIR_INFO*>(base + offset);
                const std::wstring name(info->FileName, info->FileNameLength / sizeof(wchar_t));
                if (name != L"." && name != L"..") {
                    if (m_state.stopping(frame.path)) return false;
                    if (!entry(frame, *info, name)) return false;
                }
                if (info->NextEntryOffset == 0) break;
                offset += info->NextEntryOffset;
            }
        }
    }

    bool entry(Frame& frame, const FILE_ID_BOTH_DIR_INFO& info, const std::wstring& name) {
        Entry e;
        e.path = frame.path + "\\" + to_utf8(name);
        const DWORD attributes = info.FileAttributes;
        // For a reparse point, EaSize holds the reparse tag.
        DWORD tag = (attributes & FILE_ATTRIBUTE_REPARSE_POINT) ? info.EaSize : 0;
        if ((attributes & FILE_ATTRIBUTE_REPARSE_POINT) && tag == 0) tag = reparse_tag_of(e.path);
        e.type = type_of(attributes, tag);
        e.inode = static_cast<uint64_t>(info.FileId.QuadPart);
        e.size = static_cast<uint64_t>(info.EndOfFile.QuadPart);
        e.atime_ns = time_of(info.LastAccessTime.QuadPart);
        e.mtime_ns = time_of(info.LastWriteTime.QuadPart);
        e.ctime_ns = time_of(info.ChangeTime.QuadPart);
        e.btime_ns = time_of(info.CreationTime.QuadPart);
        e.attributes = attributes;
        if (attributes & FILE_ATTRIBUTE_DIRECTORY) {
            if (attributes & FILE_ATTRIBUTE_REPARSE_POINT) {
                // A link or junction is recorded as one; any other reparse point (cloud
                // placeholder, volume mount, dedup) could fetch or lead off the volume.
                if (!is_link_tag(tag)) {
                    m_state.report().other_fs.add(e.path +
                                                  fmt::format(" (reparse tag 0x{:08x})", tag));
                }
            } else if (m_root_paths.count(lower_ascii(e.path)) == 0 &&
                       m_walked.count({m_volume, *e.inode}) == 0) {
                if (frame.subdirs.size() < m_state.limits().max_subdirs_per_dir) {
                    frame.subdirs.push_back(Subdir{name, *e.inode});
                } else {
                    m_state.report().too_wide.add(e.path);
                }
            } else {
                return true;  // a root of its own: walked and recorded as that root
            }
        }
        return m_state.offer(*m_current, e, frame.path);
    }

    WalkState& m_state;
    std::set<std::string> m_root_paths;                             ///< lower case
    std::map<std::pair<uint64_t, uint64_t>, std::string> m_walked;  ///< volume, file id
    DWORD m_volume = 0;
    RootReport* m_current = nullptr;
};

/// TEMP and TMP of a user whose hive is loaded under HKU.
void add_temp_dirs(const wchar_t* sid, const std::string& profile, std::vector<std::string>& out) {
    HKEY env = nullptr;
    const std::wstring key = std::wstring(sid) + L"\\Environment";
    if (RegOpenKeyExW(HKEY_USERS, key.c_str(), 0, KEY_READ, &env) != ERROR_SUCCESS) return;
    for (const wchar_t* name : {L"TEMP", L"TMP"}) {
        if (auto v = reg_text(env, name)) {
            std::string dir = expanded_for(*v, profile);
            if (!dir.empty() && std::find(out.begin(), out.end(), dir) == out.end()) {
                out.push_back(std::move(dir));
            }
        }
    }
    RegCloseKey(env);
}

}  // namespace

WindowsPlaces windows_places() {
    WindowsPlaces out;
    std::wstring dir(MAX_PATH, L'\0');
    const UINT n = GetSystemWindowsDirectoryW(dir.data(), static_cast<UINT>(dir.size()));
    if (n > 0 && n < dir.size()) {
        dir.resize(n);
        out.windows_dir = to_utf8(dir);
    } else {
        out.problems.push_back(ItemError::from_win32("windows_dir", GetLastError(), "",
                                                     "GetSystemWindowsDirectoryW failed"));
    }
    HKEY list = nullptr;
    const LONG rc =
        RegOpenKeyExW(HKEY_LOCAL_MACHINE, k_profile_list, 0, KEY_READ | KEY_WOW64_64KEY, &list);
    if (rc != ERROR_SUCCESS) {
        out.problems.push_back(ItemError::from_win32(
            "open_key", static_cast<unsigned long>(rc), "HKLM\\" + to_utf8(k_profile_list),
            "profiles unknown: their Temp and AppData not walked"));
    } else {
        if (auto v = reg_text(list, L"ProgramData")) out.program_data = expanded(*v);
        if (auto v = reg_text(list, L"Public")) out.public_dir = expanded(*v);
        for (DWORD i = 0;; ++i) {
            wchar_t name[256];
            DWORD len = 256;
            if (RegEnumKeyExW(list, i, name, &len, nullptr, nullptr, nullptr, nullptr) !=
                ERROR_SUCCESS) {
                break;
            }
            HKEY sub = nullptr;
            if (RegOpenKeyExW(list, name, 0, KEY_READ | KEY_WOW64_64KEY, &sub) != ERROR_SUCCESS) {
                continue;
            }
            if (auto v = reg_text(sub, L"ProfileImagePath")) {
                std::string path = expanded(*v);
                if (!path.empty() && std::find(out.profiles.begin(), out.profiles.end(), path) ==
                                         out.profiles.end()) {
                    add_temp_dirs(name, path, out.temp_dirs);
                    out.profiles.push_back(std::move(path));
                }
            }
            RegCloseKey(sub);
        }
        RegCloseKey(list);
    }
    if (out.program_data.empty() && out.windows_dir.size() >= 2) {
        out.program_data = out.windows_dir.substr(0, 2) + "\\ProgramData";
    }
    return out;
}

Report walk_windows(const HostView& host, const std::vector<Root>& roots, const Limits& limits,
                    Visitor& visitor) {
    Report report;
    for (const auto& r : roots) report.roots.push_back(RootReport{r});
    WalkState state(host, limits, visitor, report);
    WindowsWalk walk(roots, state);
    walk.run(report.roots);
    return report;
}

}  // namespace irsnap::timeline
