// SPDX-License-Identifier: Apache-2.0
// Windows autoruns: registry Run keys of HKLM (both views) and every loaded user hive, services
// and drivers, scheduled tasks, Startup folders, Winlogon, AppInit_DLLs, IFEO debuggers and
// BootExecute. Every entry's target is resolved from its command line as Windows would start
// it, then stat'ed, hashed (shared cache) and its signature checked. The sources live in
// autoruns_{registry,services,files}_windows.cpp; this file turns entries into records.
#include <fcntl.h>
#include <io.h>

#include <fmt/format.h>

#include "autoruns.hpp"
#include "autoruns_win_walk.hpp"
#include "irsnap/clock.hpp"
#include "irsnap/hash_cache.hpp"
#include "irsnap/windows/authenticode.hpp"
#include "irsnap/windows/disk_file.hpp"
#include "irsnap/windows/win_device_path.hpp"
#include "irsnap/windows/win_handle.hpp"
#include "irsnap/windows/win_text.hpp"

namespace irsnap::collectors {
namespace autoruns_win_impl {
namespace {

using nlohmann::json;
using win::to_utf8;
using win::to_wide;

constexpr size_t k_pending_window = 64;

std::string env_var(const std::string& name) {
    const std::wstring wname = to_wide(name);
    wchar_t buf[1024];
    const DWORD n = GetEnvironmentVariableW(wname.c_str(), buf, 1024);
    return n > 0 && n < 1024 ? to_utf8(std::wstring(buf, n)) : std::string();
}

bool regular_file_exists(const std::string& path) {
    // Not even asked for attributes: a pipe or device path is never a program file, and a
    // remote one would be fetched with this account's credentials.
    if (*win::unsafe_path_reason(path) != '\0') return false;
    const DWORD attr = GetFileAttributesW(to_wide(path).c_str());
    return attr != INVALID_FILE_ATTRIBUTES && !(attr & FILE_ATTRIBUTE_DIRECTORY);
}

}  // namespace

Emitter::Emitter(const Context& ctx, RecordSink& sink)
    : m_ctx(ctx),
      m_sink(sink),
      m_window(sink, k_pending_window, "target_sha256", "target_hash_note") {
    wchar_t buf[MAX_PATH + 1];
    UINT n = GetSystemWindowsDirectoryW(buf, MAX_PATH);
    m_options.system_root = n > 0 && n < MAX_PATH ? to_utf8(std::wstring(buf, n)) : "C:\\Windows";
    n = GetSystemDirectoryW(buf, MAX_PATH);
    const std::string system32 = n > 0 && n < MAX_PATH ? to_utf8(std::wstring(buf, n))
                                                       : m_options.system_root + "\\System32";
    // The places CreateProcess and LoadLibrary look for a bare name that matter at boot and
    // logon (no application or current directory: an autorun has neither).
    m_options.search_dirs = {system32, m_options.system_root,
                             m_options.system_root + "\\System32\\wbem"};
    m_profiles = read_profiles(*this);
}

std::string Emitter::expand(const std::string& text, const Profile* profile) const {
    return autoruns_win::expand_environment(
        text, [&](const std::string& raw) -> std::optional<std::string> {
            const std::string name = autoruns_win::lower_ascii(raw);
            if (profile && !profile->path.empty()) {
                // The hive's owner, not the collector, is who the entry runs as.
                if (name == "userprofile") return profile->path;
                if (name == "appdata") return profile->path + "\\AppData\\Roaming";
                if (name == "localappdata") return profile->path + "\\AppData\\Local";
                if (name == "temp" || name == "tmp")
                    return profile->path + "\\AppData\\Local\\Temp";
            }
            if (name == "systemroot" || name == "windir") return m_options.system_root;
            std::string v = env_var(raw);
            if (v.empty()) return std::nullopt;
            return v;
        });
}

void Emitter::resolve_target(const WinEntry& e, json& r,
                             std::optional<std::shared_future<FileHash>>& hash) {
    for (const char* f :
         {"target_path", "target_exists", "target_sha256", "target_hash_note", "target_size",
          "target_mtime", "target_created", "signed", "signature", "signer"}) {
        r[f] = nullptr;
    }
    std::optional<autoruns_win::CommandTarget> t;
    autoruns_win::TargetOptions options = m_options;
    options.relative_to_system_root = e.service_paths;
    if (e.target == WinEntry::Target::command && (e.command || !e.resolve_command.empty())) {
        const std::string& line = e.resolve_command.empty() ? *e.command : e.resolve_command;
        t = autoruns_win::command_target(expand(line, e.profile), options, regular_file_exists);
    } else if (e.target == WinEntry::Target::program && !e.program.empty()) {
        // Already a path (quotes allowed): never split at spaces.
        std::string p = expand(e.program, e.profile);
        if (p.size() >= 2 && p.front() == '"') p = p.substr(1, p.find('"', 1) - 1);
        t = autoruns_win::command_target("\"" + p + "\"", options, regular_file_exists);
    }
    if (!t) return;
    if (!t->via.empty()) r["details"]["via"] = t->via;
    r["target_exists"] = t->exists;
    if (t->path.empty()) return;  // a bare name found nowhere
    r["target_path"] = t->path;
    const std::wstring wpath = to_wide(t->path);
    // The shared opener: an autorun's command can name a pipe or a device on purpose.
    win::DiskFile opened = win::open_disk_file(wpath);
    if (!opened && !opened.refused.empty()) {
        r["target_hash_note"] = opened.refused;
        return;
    }
    win::UniqueHandle file = std::move(opened.handle);
    if (!file) {
        const DWORD error = opened.error;
        if (error == ERROR_ACCESS_DENIED || error == ERROR_SHARING_VIOLATION) {
            r["target_exists"] = true;
            r["target_hash_note"] = "denied";
            denied("target file");
        } else if (t->exists) {
            r["target_hash_note"] = fmt::format("open failed: Win32 error {}", error);
        }
        return;
    }
    r["target_exists"] = true;
    BY_HANDLE_FILE_INFORMATION info{};
    if (!GetFileInformationByHandle(file.get(), &info) ||
        (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)) {
        r["target_hash_note"] = "not a regular file";
        return;
    }
    const uint64_t size = (uint64_t{info.nFileSizeHigh} << 32) | info.nFileSizeLow;
    r["target_size"] = size;
    r["target_mtime"] = filetime_json(filetime_ns(info.ftLastWriteTime));
    r["target_created"] = filetime_json(filetime_ns(info.ftCreationTime));
    const win::Signature sig = win::check_signature(wpath);
    r["signed"] = sig.is_signed();
    r["signature"] = sig.status;
    r["signer"] = sig.signer.empty() ? json(nullptr) : json(sig.signer);
    if (!m_ctx.hashes) {
        r["target_hash_note"] = "hashing disabled (--no-hash)";
        return;
    }
    FileKey key{info.dwVolumeSerialNumber,
                (uint64_t{info.nFileIndexHigh} << 32) | info.nFileIndexLow, size,
                filetime_ns(info.ftLastWriteTime).value_or(0)};
    const int fd = _open_osfhandle(reinterpret_cast<intptr_t>(file.get()), _O_RDONLY | _O_BINARY);
    if (fd < 0) {
        r["target_hash_note"] = "out of descriptors";
        return;
    }
    file.release();  // the descriptor owns it now; the cache closes it
    hash = m_ctx.hashes->submit(fd, key);
}

void Emitter::add(WinEntry e) {
    json r;
    r["category"] = e.category;
    r["source_path"] = e.source_path;
    r["value_name"] = e.value_name ? json(*e.value_name) : json(nullptr);
    r["value_type"] = e.value_type ? json(*e.value_type) : json(nullptr);
    if (e.user_sid && !e.user) e.user = account_of(*e.user_sid);
    r["user"] = e.user ? json(*e.user) : json(nullptr);
    r["user_sid"] = e.user_sid ? json(*e.user_sid) : json(nullptr);
    r["command"] = e.command ? json(*e.command) : json(nullptr);
    r["details"] = std::move(e.details);
    std::optional<std::shared_future<FileHash>> hash;
    resolve_target(e, r, hash);
    r["mtime"] = filetime_json(e.mtime_ns);
    r["ctime"] = filetime_json(e.ctime_ns);
    r["created"] = filetime_json(e.created_ns);
    r["enabled"] = e.enabled ? json(*e.enabled) : json(nullptr);
    m_window.push(std::move(r), std::move(hash));
}

void Emitter::finish() {
    m_window.flush();
    for (const auto& [what, count] : m_denied) {
        m_sink.coverage(
            fmt::format("{} denied {} time(s): run as an administrator for full "
                        "coverage",
                        what, count));
    }
}

}  // namespace autoruns_win_impl

void collect_autoruns(const Context& ctx, RecordSink& sink) {
    using namespace autoruns_win_impl;
    Emitter em(ctx, sink);
    for (auto walk : {walk_run_keys, walk_winlogon_and_friends, walk_services, walk_tasks,
                      walk_startup_folders}) {
        if (ctx.should_stop()) break;
        walk(em);
    }
    em.finish();
}

}  // namespace irsnap::collectors
