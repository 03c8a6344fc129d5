// SPDX-License-Identifier: Apache-2.0
// Windows logon sessions (the counterpart of utmp): every session LSA knows, interactive or not,
// with its user, logon type, time and authentication package. A responder reads these for who
// was on the box, and how (console, RDP, network, service) when it was collected.
#define SECURITY_WIN32
#include <windows.h>

#include <ntsecapi.h>
#include <sddl.h>

#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "irsnap/clock.hpp"
#include "irsnap/windows/nt_process.hpp"
#include "irsnap/windows/win_text.hpp"
#include "system_windows.hpp"

namespace irsnap::collectors {
namespace {

using nlohmann::json;

std::string lsa_text(const LSA_UNICODE_STRING& s) {
    if (!s.Buffer || s.Length == 0) return {};
    return win::to_utf8(std::wstring_view(s.Buffer, s.Length / sizeof(wchar_t)));
}

/// SECURITY_LOGON_TYPE in words.
const char* logon_type_name(ULONG type) {
    switch (type) {
        case Interactive:
            return "interactive";
        case Network:
            return "network";
        case Batch:
            return "batch";
        case Service:
            return "service";
        case Proxy:
            return "proxy";
        case Unlock:
            return "unlock";
        case NetworkCleartext:
            return "network_cleartext";
        case NewCredentials:
            return "new_credentials";
        case RemoteInteractive:
            return "remote_interactive";
        case CachedInteractive:
            return "cached_interactive";
        case CachedRemoteInteractive:
            return "cached_remote_interactive";
        case CachedUnlock:
            return "cached_unlock";
        default:
            return "other";
    }
}

json session_record(const SECURITY_LOGON_SESSION_DATA& d) {
    const std::string domain = lsa_text(d.LogonDomain), user = lsa_text(d.UserName);
    json r{{"record_type", "session"},
           {"user", domain.empty() ? user : domain + "\\" + user},
           {"session_type", logon_type_name(d.LogonType)},
           {"logon_id", fmt::format("0x{:x}", (static_cast<uint64_t>(d.LogonId.HighPart) << 32) |
                                                  d.LogonId.LowPart)},
           {"terminal_session", d.Session},
           {"auth_package", lsa_text(d.AuthenticationPackage)},
           {"logon_server", lsa_text(d.LogonServer)}};
    const int64_t logon_time = d.LogonTime.QuadPart;
    r["login_time"] = logon_time > 0
                          ? json(format_rfc3339_utc(win::filetime_to_unix_ns(logon_time)))
                          : json(nullptr);
    r["user_sid"] = nullptr;
    wchar_t* sid_text = nullptr;
    if (d.Sid && ConvertSidToStringSidW(d.Sid, &sid_text)) {
        r["user_sid"] = win::to_utf8(sid_text);
        LocalFree(sid_text);
    }
    return r;
}

}  // namespace

void emit_logon_sessions(RecordSink& sink) {
    ULONG count = 0;
    PLUID ids = nullptr;
    const NTSTATUS status = LsaEnumerateLogonSessions(&count, &ids);
    if (status != 0) {
        sink.coverage(
            fmt::format("logon sessions not read: LsaEnumerateLogonSessions NTSTATUS "
                        "0x{:08x}",
                        static_cast<unsigned long>(status)));
        return;
    }
    uint64_t unreadable = 0;
    for (ULONG i = 0; i < count; ++i) {
        PSECURITY_LOGON_SESSION_DATA data = nullptr;
        // Sessions end between the list and the read: that one is simply gone.
        if (LsaGetLogonSessionData(&ids[i], &data) != 0 || !data) {
            ++unreadable;
            continue;
        }
        sink.emit(session_record(*data));
        LsaFreeReturnBuffer(data);
    }
    LsaFreeReturnBuffer(ids);
    if (unreadable) {
        sink.coverage(
            fmt::format("{} logon session(s) ended or were denied while read", unreadable));
    }
}

}  // namespace irsnap::collectors
