// SPDX-License-Identifier: Apache-2.0
// The Windows process table from two views, reconciled: NtQuerySystemInformation
// (SystemProcessInformation) read twice around one Toolhelp32 snapshot. A pid in both ntdll
// reads and not in Toolhelp, or in Toolhelp and in neither ntdll read, is a cross-view
// discrepancy (a user-mode hook on one API); a pid in only one of the two ntdll reads started
// or exited in between (churn, counted as a race). Details per process through a handle with
// PROCESS_QUERY_LIMITED_INFORMATION; the executable is hashed from its image path and its
// Authenticode status checked on a small pool (check_signature, cached per path for the run).
#include <windows.h>

#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/hash_window.hpp"
#include "common/signature_window.hpp"
#include "irsnap/clock.hpp"
#include "irsnap/hash_cache.hpp"
#include "irsnap/windows/file_hash_windows.hpp"
#include "irsnap/windows/nt_process.hpp"
#include "irsnap/windows/win_handle.hpp"
#include "irsnap/windows/win_text.hpp"
#include "processes.hpp"

namespace irsnap::collectors {
namespace {

using nlohmann::json;
using win::to_utf8;

constexpr size_t k_pending_window = 64;
// Authenticode checks run beside the walk: a catalog lookup costs tens of milliseconds, and the
// process table should be read as quickly as it can be.
constexpr unsigned k_signature_threads = 4;

struct Sighting {
    std::optional<win::NtProcess> nt;
    std::optional<win::ToolhelpProcess> toolhelp;
    bool first = false, second = false;
};

/// Submits the image for hashing (read-only, shared, regular files only).
std::optional<std::shared_future<FileHash>> submit_hash(const Context& ctx,
                                                        const std::wstring& path, json& r,
                                                        std::map<std::string, uint64_t>& denied) {
    auto request = win::submit_file_hash(ctx.hashes, path);
    if (request.size) r["exe_size"] = *request.size;
    if (!request.pending) {
        if (request.denied) ++denied["exe hash (file open)"];
        r["exe_hash_note"] = request.note;
    }
    return request.pending;
}

json read_process(const Context& ctx, uint32_t pid, const Sighting& s,
                  std::map<std::string, uint64_t>& denied, RecordSink& sink,
                  std::optional<std::shared_future<FileHash>>& hash, win::SignaturePool& pool,
                  std::optional<std::shared_future<win::Signature>>& signature) {
    json r;
    r["pid"] = pid;
    if (s.nt) {
        r["ppid"] = s.nt->ppid;
        r["name"] = to_utf8(s.nt->image_name);
        r["threads"] = s.nt->threads;
        r["handle_count"] = s.nt->handles;
        r["sid"] = s.nt->session;
        r["rss_bytes"] = s.nt->working_set;
        r["vsize_bytes"] = s.nt->virtual_size;
        r["private_bytes"] = s.nt->private_bytes;
        r["start_time"] =
            s.nt->create_time > 0
                ? json(format_rfc3339_utc(win::filetime_to_unix_ns(s.nt->create_time)))
                : json(nullptr);
    } else {
        r["ppid"] = s.toolhelp->ppid;
        r["name"] = to_utf8(s.toolhelp->exe_file);
        r["threads"] = s.toolhelp->threads;
    }
    json views = json::array();
    if (s.first || s.second) views.push_back("ntquery");
    if (s.toolhelp) views.push_back("toolhelp");
    r["views"] = views;
    r["exe_path"] = nullptr;
    r["exe_sha256"] = nullptr;
    r["exe_hash_note"] = nullptr;
    r["command_line"] = nullptr;
    r["user"] = nullptr;
    r["user_sid"] = nullptr;
    r["integrity_level"] = nullptr;
    r["elevated"] = nullptr;
    r["signed"] = nullptr;
    r["signature"] = nullptr;
    r["signer"] = nullptr;
    r["signature_source"] = nullptr;
    r["signature_note"] = nullptr;
    if (pid == 0 || pid == 4) {
        // The idle process and System have no image file and no user-mode command line.
        r["exe_hash_note"] = pid == 0 ? "idle process" : "kernel (System process)";
        return r;
    }
    win::UniqueHandle process(OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid));
    if (!process) {
        const DWORD error = GetLastError();
        if (error == ERROR_ACCESS_DENIED) {
            ++denied["process handle"];
            r["exe_hash_note"] = "denied";
        } else if (error == ERROR_INVALID_PARAMETER) {
            r["exe_hash_note"] = "exited";  // gone since the table was read
        } else {
            sink.item_error(
                ItemError::from_win32("open_process", error, fmt::format("pid {}", pid),
                                      fmt::format("OpenProcess failed: Win32 error {}", error)));
        }
        return r;
    }
    DWORD error = 0;
    if (auto path = win::process_image_path(process.get(), error)) {
        r["exe_path"] = to_utf8(*path);
        hash = submit_hash(ctx, *path, r, denied);
        signature = pool.submit(*path);
    } else {
        ++denied["image path"];
    }
    long status = 0;
    if (auto line = win::process_command_line(process.get(), status)) {
        r["command_line"] = to_utf8(*line);
    } else if (status == static_cast<long>(0xC0000022)) {  // STATUS_ACCESS_DENIED
        ++denied["command line"];
    }
    if (auto token = win::process_token(process.get(), error)) {
        r["user_sid"] = token->sid;
        r["user"] = token->user ? json(*token->user) : json(nullptr);
        r["integrity_level"] = token->integrity ? json(*token->integrity) : json(nullptr);
        r["elevated"] = token->elevated ? json(*token->elevated) : json(nullptr);
    } else if (error == ERROR_ACCESS_DENIED) {
        ++denied["token"];
    }
    return r;
}

}  // namespace

void collect_processes(const Context& ctx, RecordSink& sink) {
    if (!win::enable_privilege(L"SeDebugPrivilege")) {
        sink.coverage(
            "SeDebugPrivilege not held: protected and other users' processes may be "
            "denied (run as an administrator for full coverage)");
    }
    std::map<uint32_t, Sighting> seen;
    long status = 0;
    auto first = win::nt_process_list(status);
    DWORD error = 0;
    auto toolhelp = win::toolhelp_process_list(error);
    long status2 = 0;
    auto second = win::nt_process_list(status2);
    if (!first && !second && !toolhelp) {
        throw std::runtime_error(
            fmt::format("no process list: NtQuerySystemInformation NTSTATUS 0x{:08x}, "
                        "Toolhelp32 Win32 error {}",
                        static_cast<unsigned long>(status), error));
    }
    if (!first || !second) {
        sink.item_error(ItemError::from_ntstatus(
            "ntquery", first ? status2 : status, "",
            "NtQuerySystemInformation(SystemProcessInformation) failed: cross view "
            "incomplete"));
    }
    if (!toolhelp) {
        sink.item_error(ItemError::from_win32(
            "toolhelp", error, "", "CreateToolhelp32Snapshot failed: cross view incomplete"));
    }
    if (first) {
        for (auto& p : *first) {
            auto& s = seen[p.pid];
            s.first = true;
            s.nt = p;
        }
    }
    if (second) {
        for (auto& p : *second) {
            auto& s = seen[p.pid];
            s.second = true;
            if (!s.nt) s.nt = p;
        }
    }
    if (toolhelp) {
        for (auto& p : *toolhelp) seen[p.pid].toolhelp = p;
    }

    std::map<std::string, uint64_t> denied;
    uint64_t missing_from_toolhelp = 0, missing_from_ntquery = 0;
    HashWindow window(sink, k_pending_window, "exe_sha256", "exe_hash_note");
    win::SignatureWindow signatures(window, k_pending_window);
    win::SignaturePool pool(k_signature_threads);
    // Each image's verdict, for the memory collector's --dump-suspicious (unsigned_image).
    std::vector<std::pair<uint32_t, std::shared_future<win::Signature>>> verdicts;
    for (const auto& [pid, s] : seen) {
        if (ctx.should_stop()) break;
        const bool both_nt = s.first && s.second;
        if (first && second && toolhelp) {
            if (both_nt && !s.toolhelp) ++missing_from_toolhelp;
            if (!s.first && !s.second && s.toolhelp) ++missing_from_ntquery;
        }
        // In one ntdll read only and not in Toolhelp: started or exited in between.
        if (!both_nt && !s.toolhelp) {
            sink.race();
            continue;
        }
        std::optional<std::shared_future<FileHash>> hash;
        std::optional<std::shared_future<win::Signature>> signature;
        json r = read_process(ctx, pid, s, denied, sink, hash, pool, signature);
        if (signature) verdicts.emplace_back(pid, *signature);
        signatures.push(std::move(r), std::move(hash), std::move(signature));
    }
    signatures.flush();
    window.flush();
    for (const auto& [pid, signature] : verdicts) {
        // "error" means not checked, which is no verdict.
        const std::string status = signature.get().status;
        if (status != "valid" && status != "error") ctx.flag_process(pid, "unsigned_image");
    }
    if (missing_from_toolhelp || missing_from_ntquery) {
        sink.coverage(fmt::format(
            "cross-view discrepancy: {} process(es) listed by NtQuerySystemInformation but not "
            "by Toolhelp32, {} listed by Toolhelp32 but not by NtQuerySystemInformation (see "
            "each record's views)",
            missing_from_toolhelp, missing_from_ntquery));
    }
    for (const auto& [item, count] : denied) {
        sink.coverage(fmt::format("{} denied for {} process(es)", item, count));
    }
}

}  // namespace irsnap::collectors
