// SPDX-License-Identifier: Apache-2.0
// Name resolution on Windows: the files in the TCP/IP database directory (hosts, and lmhosts
// and networks when present), hashed over the exact bytes read and parsed, then the DNS client
// settings and cache (network_config_dns_windows.cpp). The directory is the one the resolver
// uses: Tcpip\Parameters\DataBasePath in the registry, which malware can point elsewhere, and
// %SystemRoot%\System32\drivers\etc when the value is absent.
#include <windows.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "irsnap/clock.hpp"
#include "irsnap/hash.hpp"
#include "irsnap/hosts_file.hpp"
#include "irsnap/text.hpp"
#include "irsnap/windows/disk_file.hpp"
#include "irsnap/windows/nt_process.hpp"
#include "irsnap/windows/win_device_path.hpp"
#include "irsnap/windows/win_handle.hpp"
#include "irsnap/windows/win_text.hpp"
#include "network_config.hpp"
#include "network_config_windows.hpp"

namespace irsnap::collectors {
namespace {

using nlohmann::json;
using win::to_utf8;

constexpr size_t k_max_content = 1u << 20;
constexpr const wchar_t* k_tcpip_parameters =
    L"SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters";

struct ConfigFile {
    const wchar_t* name;
    bool always;  ///< emit a record even when absent (absence is evidence)
    bool hosts_format;
};

constexpr ConfigFile k_files[] = {
    {L"hosts", true, true},
    {L"lmhosts", false, false},
    {L"networks", false, false},
};

struct Database {
    std::wstring directory;
    json registry_value;  ///< DataBasePath as stored (unexpanded), null when absent
};

Database database_directory(RecordSink& sink) {
    Database db;
    DWORD size = 0;
    const DWORD flags = RRF_RT_REG_SZ | RRF_RT_REG_EXPAND_SZ | RRF_NOEXPAND | RRF_SUBKEY_WOW6464KEY;
    if (RegGetValueW(HKEY_LOCAL_MACHINE, k_tcpip_parameters, L"DataBasePath", flags, nullptr,
                     nullptr, &size) == ERROR_SUCCESS &&
        size >= sizeof(wchar_t)) {
        std::wstring raw(size / sizeof(wchar_t), L'\0');
        if (RegGetValueW(HKEY_LOCAL_MACHINE, k_tcpip_parameters, L"DataBasePath", flags, nullptr,
                         raw.data(), &size) == ERROR_SUCCESS) {
            raw.resize(wcsnlen(raw.c_str(), raw.size()));
            db.registry_value = to_utf8(raw);
            wchar_t expanded[MAX_PATH * 2];
            const DWORD n = ExpandEnvironmentStringsW(raw.c_str(), expanded, std::size(expanded));
            if (n > 0 && n <= std::size(expanded)) db.directory = expanded;
        }
    }
    if (db.directory.empty()) {
        wchar_t system[MAX_PATH];
        const UINT n = GetSystemDirectoryW(system, MAX_PATH);
        if (n == 0 || n >= MAX_PATH) {
            sink.item_error(ItemError::from_win32("read", GetLastError(), "GetSystemDirectoryW",
                                                  "system directory unknown: no hosts file read"));
            return db;
        }
        db.directory = std::wstring(system) + L"\\drivers\\etc";
    }
    return db;
}

std::string rfc3339(const LARGE_INTEGER& filetime) {
    return format_rfc3339_utc(win::filetime_to_unix_ns(filetime.QuadPart));
}

json hosts_entries(const std::string& text, const std::string& path, RecordSink& sink,
                   bool& escaped) {
    json out = json::array();
    size_t malformed = 0;
    auto text_of = [&](std::string_view bytes) {
        bool e = false;
        std::string s = escape_bytes(bytes, e);
        escaped = escaped || e;
        return s;
    };
    for (const auto& e : etc::parse_etc_hosts(text, &malformed)) {
        json names = json::array();
        for (const auto& n : e.names) names.push_back(text_of(n));
        out.push_back({{"line", e.line}, {"address", text_of(e.address)}, {"names", names}});
    }
    if (malformed) {
        sink.item_error(ItemError::without_code(
            "parse", path, fmt::format("{} malformed line(s) skipped", malformed)));
    }
    return out;
}

/// Reads every byte into the digest and the first k_max_content into the content; false (an
/// item error, or a stop) when the read did not finish.
bool read_and_hash(const Context& ctx, HANDLE file, std::string& content, std::string& digest,
                   uint64_t& total, const std::string& path, RecordSink& sink) {
    Sha256 sha;
    std::string buf(65536, '\0');
    for (;;) {
        if (ctx.should_stop()) return false;
        DWORD n = 0;
        if (!ReadFile(file, buf.data(), static_cast<DWORD>(buf.size()), &n, nullptr)) {
            const DWORD error = GetLastError();
            sink.item_error(
                ItemError::from_win32("read", error, path, fmt::format("Win32 error {}", error)));
            return false;
        }
        if (n == 0) break;
        sha.update(buf.data(), n);
        total += n;
        if (content.size() < k_max_content) {
            content.append(buf.data(), std::min<size_t>(n, k_max_content - content.size()));
        }
    }
    digest = sha.finish_hex();
    return true;
}

json collect_file(const Context& ctx, const Database& db, const ConfigFile& f, RecordSink& sink) {
    const std::wstring wpath = db.directory + L"\\" + f.name;
    const std::string path = to_utf8(wpath);
    json r = {
        {"kind", "file"}, {"path", path}, {"exists", false}, {"database_path", db.registry_value}};
    if (const char* why = win::unsafe_path_reason(path); *why != '\0') {
        // Not even asked for its attributes: that too would open the pipe, device or share.
        sink.item_error(ItemError::without_code("open", path, why));
        return r;
    }
    const DWORD attributes = GetFileAttributesW(wpath.c_str());
    if (attributes == INVALID_FILE_ATTRIBUTES) {
        const DWORD error = GetLastError();
        if (error != ERROR_FILE_NOT_FOUND && error != ERROR_PATH_NOT_FOUND) {
            sink.item_error(
                ItemError::from_win32("stat", error, path, fmt::format("Win32 error {}", error)));
        }
        return f.always ? r : json(nullptr);
    }
    r["exists"] = true;
    r["is_symlink"] = (attributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0;
    // The shared opener: DataBasePath is a registry value anyone with admin rights sets, so
    // it may name \\.\pipe\...; a device or pipe planted at the path must not hang the run.
    win::DiskFile opened = win::open_disk_file(wpath);
    if (!opened) {
        if (!opened.refused.empty()) {
            sink.item_error(ItemError::without_code("open", path, opened.refused));
        } else {
            sink.item_error(ItemError::from_win32("open", opened.error, path,
                                                  fmt::format("Win32 error {}", opened.error)));
        }
        return r;
    }
    win::UniqueHandle file = std::move(opened.handle);
    FILE_BASIC_INFO basic{};
    if (GetFileInformationByHandleEx(file.get(), FileBasicInfo, &basic, sizeof basic)) {
        r["mtime"] = rfc3339(basic.LastWriteTime);
        r["ctime"] = rfc3339(basic.ChangeTime);
    }
    std::string content, digest;
    uint64_t total = 0;
    if (!read_and_hash(ctx, file.get(), content, digest, total, path, sink)) return r;
    bool escaped_content = false, escaped_entries = false;
    r["size"] = total;
    r["sha256"] = digest;
    r["truncated"] = total > content.size();
    r["content"] = escape_bytes(content, escaped_content);
    r["entries"] =
        f.hosts_format ? hosts_entries(content, path, sink, escaped_entries) : json(nullptr);
    json escaped = json::array();
    if (escaped_content) escaped.push_back("content");
    if (escaped_entries) escaped.push_back("entries");
    if (!escaped.empty()) r["escaped_fields"] = escaped;
    return r;
}

}  // namespace

void collect_network_config(const Context& ctx, RecordSink& sink) {
    const Database db = database_directory(sink);
    if (!db.directory.empty()) {
        for (const auto& f : k_files) {
            if (ctx.should_stop()) return;
            json r = collect_file(ctx, db, f, sink);
            if (!r.is_null()) sink.emit(r);
        }
    }
    if (ctx.should_stop()) return;
    network_config_windows::emit_dns_settings(sink);
    if (ctx.should_stop()) return;
    network_config_windows::emit_dns_cache(ctx, sink);
}

}  // namespace irsnap::collectors
