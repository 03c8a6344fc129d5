// SPDX-License-Identifier: Apache-2.0
// Authenticode through WinVerifyTrust: the embedded signature first, then the system catalogs
// (most of Windows' own files are signed only there). Revocation is never fetched: the host may
// be isolated, and a collector must not make network traffic.
#include "irsnap/windows/authenticode.hpp"

#include <windows.h>

// In this order: WIN32_LEAN_AND_MEAN leaves wincrypt.h out, and the others need it.
#include <wincrypt.h>

#include <wintrust.h>

#include <mscat.h>
#include <softpub.h>

#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <string_view>

#include <fmt/format.h>

#include "irsnap/windows/disk_file.hpp"
#include "irsnap/windows/system_function.hpp"
#include "irsnap/windows/win_handle.hpp"
#include "irsnap/windows/win_text.hpp"
#include "irsnap/windows/win_trust_status.hpp"

namespace irsnap::win {
namespace {

// Windows 8+ only (mingw's libwintrust.a lacks them): looked up at run time, with the SHA-1
// functions of older systems as the fallback.
using AcquireContext2Fn = BOOL(WINAPI*)(HCATADMIN*, const GUID*, const WCHAR*,
                                        const CERT_STRONG_SIGN_PARA*, DWORD);
using CalcHash2Fn = BOOL(WINAPI*)(HCATADMIN, HANDLE, DWORD*, BYTE*, DWORD);

/// Subject CN of the leaf certificate of the verified signature; empty when there is none.
std::string signer_of(HANDLE state) {
    CRYPT_PROVIDER_DATA* data = WTHelperProvDataFromStateData(state);
    if (!data) return {};
    CRYPT_PROVIDER_SGNR* signer = WTHelperGetProvSignerFromChain(data, 0, FALSE, 0);
    if (!signer) return {};
    CRYPT_PROVIDER_CERT* cert = WTHelperGetProvCertFromChain(signer, 0);
    if (!cert || !cert->pCert) return {};
    wchar_t name[512] = {};
    const DWORD n = CertGetNameStringW(cert->pCert, CERT_NAME_ATTR_TYPE, 0,
                                       const_cast<char*>(szOID_COMMON_NAME), name, 512);
    return n > 1 ? to_utf8(std::wstring_view(name, n - 1)) : std::string();
}

/// One WinVerifyTrust call (file or catalog member) with the state kept for the signer.
Signature verify(WINTRUST_DATA& data, const char* source) {
    GUID action = WINTRUST_ACTION_GENERIC_VERIFY_V2;
    data.cbStruct = sizeof(data);
    data.dwUIChoice = WTD_UI_NONE;
    data.fdwRevocationChecks = WTD_REVOKE_NONE;
    data.dwStateAction = WTD_STATEACTION_VERIFY;
    data.dwProvFlags = WTD_CACHE_ONLY_URL_RETRIEVAL | WTD_REVOCATION_CHECK_NONE;
    const LONG rc = WinVerifyTrust(static_cast<HWND>(INVALID_HANDLE_VALUE), &action, &data);
    const auto code = static_cast<uint32_t>(rc);
    Signature s;
    s.status = trust_status_of(code);
    if (!trust_means_unsigned(code)) {
        s.source = source;
        s.signer = signer_of(data.hWVTStateData);
    }
    if (s.status == "error") s.note = fmt::format("WinVerifyTrust HRESULT 0x{:08x}", code);
    data.dwStateAction = WTD_STATEACTION_CLOSE;
    WinVerifyTrust(static_cast<HWND>(INVALID_HANDLE_VALUE), &action, &data);
    return s;
}

Signature verify_embedded(const std::wstring& path, HANDLE file) {
    WINTRUST_FILE_INFO info{};
    info.cbStruct = sizeof(info);
    info.pcwszFilePath = path.c_str();
    info.hFile = file;
    WINTRUST_DATA data{};
    data.dwUnionChoice = WTD_CHOICE_FILE;
    data.pFile = &info;
    return verify(data, "embedded");
}

/// The file's hash in the catalogs: SHA-256 catalogs (Windows 8+), then SHA-1 ones.
std::optional<Signature> verify_catalog(const std::wstring& path, HANDLE file) {
    static const auto acquire2 =
        system_function<AcquireContext2Fn>(L"wintrust.dll", "CryptCATAdminAcquireContext2");
    static const auto hash2 =
        system_function<CalcHash2Fn>(L"wintrust.dll", "CryptCATAdminCalcHashFromFileHandle2");
    GUID driver_action = DRIVER_ACTION_VERIFY;
    for (const wchar_t* algorithm : {L"SHA256", L"SHA1"}) {
        const bool modern = acquire2 && hash2;
        if (!modern && std::wstring_view(algorithm) == L"SHA256") continue;  // Windows 8+ only
        HCATADMIN admin = nullptr;
        const BOOL ok = modern ? acquire2(&admin, &driver_action, algorithm, nullptr, 0)
                               : CryptCATAdminAcquireContext(&admin, &driver_action, 0);
        if (!ok) continue;
        BYTE hash[64] = {};
        DWORD size = sizeof(hash);
        SetFilePointer(file, 0, nullptr, FILE_BEGIN);
        const BOOL hashed = modern ? hash2(admin, file, &size, hash, 0)
                                   : CryptCATAdminCalcHashFromFileHandle(file, &size, hash, 0);
        HCATINFO catalog =
            hashed ? CryptCATAdminEnumCatalogFromHash(admin, hash, size, 0, nullptr) : nullptr;
        if (!catalog) {
            CryptCATAdminReleaseContext(admin, 0);
            continue;
        }
        CATALOG_INFO info{};
        info.cbStruct = sizeof(info);
        std::optional<Signature> result;
        if (CryptCATCatalogInfoFromContext(catalog, &info, 0)) {
            std::wstring tag;
            for (DWORD i = 0; i < size; ++i) tag += to_wide(fmt::format("{:02X}", hash[i]));
            WINTRUST_CATALOG_INFO member{};
            member.cbStruct = sizeof(member);
            member.pcwszCatalogFilePath = info.wszCatalogFile;
            member.pcwszMemberTag = tag.c_str();
            member.pcwszMemberFilePath = path.c_str();
            member.hMemberFile = file;
            member.pbCalculatedFileHash = hash;
            member.cbCalculatedFileHash = size;
            member.hCatAdmin = admin;
            WINTRUST_DATA data{};
            data.dwUnionChoice = WTD_CHOICE_CATALOG;
            data.pCatalog = &member;
            result = verify(data, "catalog");
        }
        CryptCATAdminReleaseCatalogContext(admin, catalog, 0);
        CryptCATAdminReleaseContext(admin, 0);
        if (result) return result;
    }
    return std::nullopt;
}

Signature check_uncached(const std::wstring& path) {
    // The shared opener: WinVerifyTrust then reads this handle, never the path, so a pipe or
    // device named by the host cannot be reached through it.
    DiskFile opened = open_disk_file(path, FILE_ATTRIBUTE_NORMAL);
    if (!opened) {
        return {"error", "", "",
                opened.refused.empty() && opened.error == ERROR_ACCESS_DENIED
                    ? std::string("file open denied")
                    : opened.reason()};
    }
    UniqueHandle file = std::move(opened.handle);
    Signature embedded = verify_embedded(path, file.get());
    if (embedded.status != "unsigned") return embedded;
    if (auto catalog = verify_catalog(path, file.get())) return *catalog;
    return embedded;
}

/// Case-insensitive, separator-insensitive key: Windows paths compare that way.
std::wstring cache_key(const std::wstring& path) {
    std::wstring key = path;
    if (!key.empty()) {
        LCMapStringEx(LOCALE_NAME_INVARIANT, LCMAP_UPPERCASE, path.c_str(),
                      static_cast<int>(path.size()), key.data(), static_cast<int>(key.size()),
                      nullptr, nullptr, 0);
    }
    for (auto& ch : key) {
        if (ch == L'/') ch = L'\\';
    }
    return key;
}

}  // namespace

Signature check_signature(const std::wstring& path) {
    static std::mutex mutex;
    static std::map<std::wstring, std::shared_future<Signature>> cache;
    const std::wstring key = cache_key(path);
    std::promise<Signature> promise;
    std::shared_future<Signature> known;
    {
        std::lock_guard lock(mutex);
        auto [it, inserted] = cache.try_emplace(key);
        if (inserted) {
            it->second = promise.get_future().share();
        } else {
            known = it->second;
        }
    }
    // Another thread may still be checking it: wait outside the lock.
    if (known.valid()) return known.get();
    Signature s;
    try {
        s = check_uncached(path);
    } catch (const std::exception& e) {
        s = {"error", "", "", e.what()};
    }
    promise.set_value(s);
    return s;
}

}  // namespace irsnap::win
