// SPDX-License-Identifier: Apache-2.0
// Registry reading for the Windows autoruns: values as raw bytes (decoded by the pure
// win_reg_value), subkeys, last-write times; and the users on the host (HKU hives, ProfileList).
#include "autoruns_win_walk.hpp"  // windows.h first: sddl.h needs it

#include <sddl.h>

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "irsnap/clock.hpp"
#include "irsnap/windows/nt_process.hpp"
#include "irsnap/windows/win_reg_value.hpp"
#include "irsnap/windows/win_text.hpp"

namespace irsnap::collectors::autoruns_win_impl {

using win::to_utf8;
using win::to_wide;

std::vector<RawValue> reg_values(HKEY key) {
    std::vector<RawValue> out;
    DWORD count = 0, max_name = 0, max_data = 0;
    if (RegQueryInfoKeyW(key, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, &count,
                         &max_name, &max_data, nullptr, nullptr) != ERROR_SUCCESS) {
        return out;
    }
    std::wstring name(max_name + 2, L'\0');
    std::string data(max_data + 2, '\0');
    for (DWORD i = 0; i < count + 16; ++i) {  // a few more: values added meanwhile
        DWORD name_len = static_cast<DWORD>(name.size()),
              data_len = static_cast<DWORD>(data.size());
        DWORD type = 0;
        LONG rc = RegEnumValueW(key, i, name.data(), &name_len, nullptr, &type,
                                reinterpret_cast<BYTE*>(data.data()), &data_len);
        if (rc == ERROR_MORE_DATA) {
            // Grew since the size query (or the name did): once more with room for both.
            name.assign(32768, L'\0');
            data.assign(std::max<size_t>(data_len, data.size()) + 2, '\0');
            name_len = static_cast<DWORD>(name.size());
            data_len = static_cast<DWORD>(data.size());
            rc = RegEnumValueW(key, i, name.data(), &name_len, nullptr, &type,
                               reinterpret_cast<BYTE*>(data.data()), &data_len);
        }
        if (rc == ERROR_NO_MORE_ITEMS) break;
        if (rc != ERROR_SUCCESS) continue;
        out.push_back({name.substr(0, name_len), type, data.substr(0, data_len)});
    }
    return out;
}

std::optional<RawValue> reg_value(HKEY key, const wchar_t* name) {
    DWORD type = 0, size = 0;
    if (RegQueryValueExW(key, name, nullptr, &type, nullptr, &size) != ERROR_SUCCESS) {
        return std::nullopt;
    }
    std::string data(size + 2, '\0');
    DWORD got = static_cast<DWORD>(data.size());
    if (RegQueryValueExW(key, name, nullptr, &type, reinterpret_cast<BYTE*>(data.data()), &got) !=
        ERROR_SUCCESS) {
        return std::nullopt;
    }
    data.resize(got);
    return RawValue{name ? name : L"", type, std::move(data)};
}

std::vector<std::wstring> reg_subkeys(HKEY key) {
    std::vector<std::wstring> out;
    wchar_t name[256];  // key names are at most 255 characters
    for (DWORD i = 0;; ++i) {
        DWORD len = 256;
        const LONG rc = RegEnumKeyExW(key, i, name, &len, nullptr, nullptr, nullptr, nullptr);
        if (rc == ERROR_NO_MORE_ITEMS) break;
        if (rc == ERROR_SUCCESS) out.emplace_back(name, len);
        if (rc != ERROR_SUCCESS && rc != ERROR_MORE_DATA) break;
    }
    return out;
}

std::optional<int64_t> reg_last_write_ns(HKEY key) {
    FILETIME ft{};
    if (RegQueryInfoKeyW(key, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
                         nullptr, nullptr, nullptr, &ft) != ERROR_SUCCESS) {
        return std::nullopt;
    }
    return filetime_ns(ft);
}

std::string reg_nt_name(HKEY key) {
    // NtQueryKey(KeyNameInformation): the only way to see where a view-redirected handle landed.
    using NtQueryKeyFn = LONG(NTAPI*)(HANDLE, int, PVOID, ULONG, PULONG);
    static const auto query = reinterpret_cast<NtQueryKeyFn>(
        reinterpret_cast<void*>(GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "NtQueryKey")));
    if (!query) return {};
    std::vector<unsigned char> buf(4096);
    ULONG got = 0;
    constexpr int k_key_name_information = 3;
    if (query(key, k_key_name_information, buf.data(), static_cast<ULONG>(buf.size()), &got) < 0) {
        return {};
    }
    ULONG length = 0;
    std::memcpy(&length, buf.data(), sizeof length);
    length = std::min<ULONG>(length, static_cast<ULONG>(buf.size() - sizeof length));
    std::wstring name(length / sizeof(wchar_t), L'\0');
    std::memcpy(name.data(), buf.data() + sizeof length, name.size() * sizeof(wchar_t));
    return to_utf8(name);
}

std::optional<std::string> reg_string(HKEY key, const wchar_t* name) {
    auto v = reg_value(key, name);
    if (!v || (v->type != REG_SZ && v->type != REG_EXPAND_SZ)) return std::nullopt;
    return autoruns_win::decode_reg_value(v->type, v->data).text;
}

std::optional<uint64_t> reg_number(HKEY key, const wchar_t* name) {
    auto v = reg_value(key, name);
    if (!v) return std::nullopt;
    return autoruns_win::decode_reg_value(v->type, v->data).number;
}

std::optional<int64_t> filetime_ns(const FILETIME& ft) {
    const auto raw = static_cast<int64_t>((uint64_t{ft.dwHighDateTime} << 32) | ft.dwLowDateTime);
    // 0 means "never set"; before 1678 the nanosecond count would not fit (and is nonsense).
    if (raw <= 24'444'736'000'000'000) return std::nullopt;
    return win::filetime_to_unix_ns(raw);
}

nlohmann::json filetime_json(std::optional<int64_t> unix_ns) {
    if (!unix_ns) return nullptr;
    return format_rfc3339_utc(*unix_ns);
}

std::optional<std::string> Emitter::account_of(const std::string& sid) {
    auto it = m_accounts.find(sid);
    if (it != m_accounts.end()) return it->second;
    std::optional<std::string> result;
    PSID psid = nullptr;
    if (ConvertStringSidToSidW(to_wide(sid).c_str(), &psid)) {
        wchar_t name[256], domain[256];
        DWORD name_size = 256, domain_size = 256;
        SID_NAME_USE use{};
        if (LookupAccountSidW(nullptr, psid, name, &name_size, domain, &domain_size, &use)) {
            result = domain_size ? to_utf8(domain) + "\\" + to_utf8(name) : to_utf8(name);
        }
        LocalFree(psid);
    }
    m_accounts[sid] = result;
    return result;
}

std::vector<std::string> Emitter::loaded_hives() {
    std::vector<std::string> out;
    for (const auto& name : reg_subkeys(HKEY_USERS)) {
        const std::string sid = to_utf8(name);
        if (sid.size() > 8 && sid.compare(sid.size() - 8, 8, "_Classes") == 0) continue;
        out.push_back(sid);
    }
    return out;
}

const Profile* Emitter::profile_of(const std::string& sid) const {
    for (const auto& p : m_profiles) {
        if (p.sid == sid) return &p;
    }
    return nullptr;
}

RegKey Emitter::open(HKEY root, const std::wstring& path, REGSAM view, const std::string& shown) {
    HKEY h = nullptr;
    const LONG rc = RegOpenKeyExW(root, path.c_str(), 0, KEY_READ | view, &h);
    if (rc == ERROR_SUCCESS) return RegKey(h);
    if (rc == ERROR_ACCESS_DENIED) {
        denied("registry key");
        m_sink.item_error(ItemError::from_win32("open_key", rc, shown, "access denied"));
    } else if (rc != ERROR_FILE_NOT_FOUND && rc != ERROR_PATH_NOT_FOUND) {
        m_sink.item_error(ItemError::from_win32("open_key", rc, shown,
                                                fmt::format("RegOpenKeyExW error {}", rc)));
    }
    return RegKey();
}

/// Profiles: every SID under ProfileList with its expanded ProfileImagePath.
std::vector<Profile> read_profiles(Emitter& em) {
    std::vector<Profile> out;
    const std::wstring list = L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList";
    RegKey key = em.open(HKEY_LOCAL_MACHINE, list, KEY_WOW64_64KEY, "HKLM\\" + to_utf8(list));
    if (!key) return out;
    for (const auto& sub : reg_subkeys(key.get())) {
        RegKey k = em.open(key.get(), sub, KEY_WOW64_64KEY, "ProfileList\\" + to_utf8(sub));
        if (!k) continue;
        Profile p;
        p.sid = to_utf8(sub);
        if (auto path = reg_string(k.get(), L"ProfileImagePath"))
            p.path = em.expand(*path, nullptr);
        p.account = em.account_of(p.sid);
        out.push_back(std::move(p));
    }
    return out;
}

}  // namespace irsnap::collectors::autoruns_win_impl
