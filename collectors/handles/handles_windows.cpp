// SPDX-License-Identifier: Apache-2.0
// Open handles on Windows: the system handle table (SystemExtendedHandleInformation), which
// lists every process's handles with type and granted access even where the process cannot be
// opened; object names through a duplicate of each handle (PROCESS_DUP_HANDLE). Records are
// written as the table is read: unlike Linux, nothing here is shared with the network collector
// (socket owners come from the TCP/UDP tables), so the Windows walk_open_handles is not used and
// no name is held longer than its record.
#include <windows.h>

#include <chrono>
#include <map>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "handles.hpp"
#include "irsnap/json_line.hpp"
#include "irsnap/windows/dos_devices_windows.hpp"
#include "irsnap/windows/name_query_worker.hpp"
#include "irsnap/windows/nt_handles.hpp"
#include "irsnap/windows/nt_process.hpp"
#include "irsnap/windows/win_handle.hpp"
#include "irsnap/windows/win_object_path.hpp"
#include "irsnap/windows/win_text.hpp"

namespace irsnap::collectors {
namespace {

using win::to_utf8;

// Long enough for any name a healthy file system gives; a pipe that hangs hangs for good.
constexpr DWORD k_name_timeout_ms = 200;
// Each timeout leaves one worker thread blocked until the process ends: cap them.
constexpr uint64_t k_max_timeouts = 32;

struct Counts {
    uint64_t processes = 0;
    uint64_t processes_denied = 0;  ///< no PROCESS_DUP_HANDLE: handles listed without names
    uint64_t duplicate_failed = 0;
    uint64_t names_skipped = 0;  ///< File names not asked after too many timeouts
    uint64_t name_failed = 0;
    uint64_t untyped = 0;
};

class HandleWalk {
  public:
    HandleWalk(const Context& ctx, RecordSink& sink) : m_ctx(ctx), m_sink(sink) {}

    void run(const std::vector<win::SystemHandle>& table,
             const std::map<uint32_t, std::string>& names) {
        const uint32_t self = GetCurrentProcessId();
        // Our own handles check the types list before any record relies on it.
        for (const auto& h : table) {
            if (h.pid == self) type_of(h, reinterpret_cast<HANDLE>(h.value));
        }
        m_counts.untyped = 0;  // counted when their records are written
        uint32_t current_pid = UINT32_MAX;
        win::UniqueHandle process;
        std::string process_name;
        bool gone = false;
        size_t n = 0;
        for (const auto& h : table) {
            if ((++n & 255) == 0 && m_ctx.should_stop()) {
                m_complete = false;
                break;
            }
            if (h.pid != current_pid) {
                current_pid = h.pid;
                ++m_counts.processes;
                process.reset();
                gone = false;
                if (h.pid != self && h.pid != 0) {
                    process = win::UniqueHandle(OpenProcess(PROCESS_DUP_HANDLE, FALSE, h.pid));
                    if (!process && GetLastError() == ERROR_INVALID_PARAMETER) {
                        m_sink.race();  // exited since the table was read
                        gone = true;
                    } else if (!process) {
                        ++m_counts.processes_denied;
                    }
                }
                auto it = names.find(h.pid);
                process_name = it != names.end() ? it->second : std::string();
            }
            if (!gone) emit(h, h.pid == self ? GetCurrentProcess() : process.get(), process_name);
        }
    }

    void report(size_t table_size, double seconds) {
        if (m_ctx.logger) {
            m_ctx.logger->info(
                "handles: {} handles of {} processes in {:.3f} s; {} name queries timed out",
                table_size, m_counts.processes, seconds, m_worker.timeouts());
        }
        if (m_counts.processes_denied) {
            m_sink.coverage(fmt::format(
                "{} process(es) could not be opened with PROCESS_DUP_HANDLE: their handles are "
                "listed with type and access but without names (run as an administrator)",
                m_counts.processes_denied));
        }
        if (m_worker.timeouts()) {
            m_sink.coverage(fmt::format(
                "{} object name quer(ies) timed out after {} ms (File handles of synchronous "
                "pipes block the query): name_note 'timed out'",
                m_worker.timeouts(), k_name_timeout_ms));
        }
        if (m_counts.names_skipped) {
            m_sink.coverage(fmt::format(
                "{} File handle name(s) not queried after {} timeouts (each leaves a blocked "
                "thread)",
                m_counts.names_skipped, k_max_timeouts));
        }
        if (m_counts.duplicate_failed) {
            m_sink.coverage(fmt::format("{} handle(s) could not be duplicated: no name",
                                        m_counts.duplicate_failed));
        }
        if (m_counts.name_failed) {
            m_sink.coverage(fmt::format("{} object name quer(ies) failed (see name_note)",
                                        m_counts.name_failed));
        }
        if (m_counts.untyped) {
            m_sink.coverage(fmt::format(
                "{} handle(s) without a type name: the handle's own type query failed{}",
                m_counts.untyped,
                m_types_wrong ? ", and the object types list disagrees with the handle table's "
                                "type indexes (as under Wine), so it was not used"
                              : " and the object types list lacks the index"));
        }
        if (!m_complete)
            m_sink.coverage("the handle walk was stopped early: the list is incomplete");
    }

  private:
    /// The type name for an index. The handle's own answer (ObjectTypeInformation) is asked
    /// once per index and wins: Wine numbers its types list differently from its handle table.
    /// The types list names handles that cannot be duplicated, unless it was found wrong.
    std::string type_of(const win::SystemHandle& h, HANDLE duplicate) {
        if (auto it = m_learnt.find(h.type_index); it != m_learnt.end()) return it->second;
        if (duplicate) {
            long status = 0;
            if (auto name = win::object_type_name(duplicate, status)) {
                // An empty answer is the object manager's own (Wine gives it for some internal
                // objects): the record says null, and nothing was lost.
                std::string text = to_utf8(*name);
                auto listed = m_types.find(h.type_index);
                if (!text.empty() && listed != m_types.end() && listed->second != text) {
                    m_types_wrong = true;
                }
                return m_learnt.emplace(h.type_index, std::move(text)).first->second;
            }
        }
        auto it = m_types.find(h.type_index);
        if (m_types_wrong || it == m_types.end()) {
            ++m_counts.untyped;
            return {};
        }
        return it->second;
    }

    void emit(const win::SystemHandle& h, HANDLE owner, const std::string& process_name) {
        HANDLE duplicate = nullptr;
        std::string note;
        if (!owner) {
            note = h.pid == 0 ? "kernel handle" : "process denied";
        } else if (!DuplicateHandle(owner, reinterpret_cast<HANDLE>(h.value), GetCurrentProcess(),
                                    &duplicate, 0, FALSE, 0)) {
            duplicate = nullptr;
            ++m_counts.duplicate_failed;
            note = fmt::format("duplicate failed: Win32 error {}", GetLastError());
        }
        win::UniqueHandle dup(duplicate);
        const std::string type = type_of(h, dup.get());
        JsonLine r;
        r.field("pid", h.pid).field("process_name", process_name).field("fd", h.value);
        if (type.empty()) {
            r.null_field("object_type");
        } else {
            r.field("object_type", type);
        }
        r.field("granted_access", fmt::format("0x{:x}", h.access));
        if (h.object) {
            r.field("object_address", fmt::format("0x{:x}", h.object));
        } else {
            r.null_field("object_address");
        }
        std::optional<std::wstring> name;
        if (dup) name = query_name(type, std::move(dup), note);
        const std::string target = name ? to_utf8(*name) : std::string();
        if (name && !name->empty()) {
            r.field("target", target);
        } else {
            r.null_field("target");
        }
        if (type == "File") {
            auto path = win::nt_path_to_win32(target, m_drives);
            r.field("type", win::file_object_type(target, path.has_value()));
            if (path) {
                r.field("path", *path);
            } else {
                r.null_field("path");
            }
        } else {
            r.field("type", "object").null_field("path");
        }
        if (note.empty()) {
            r.null_field("name_note");
        } else {
            r.field("name_note", note);
        }
        m_sink.emit_line(r.finish());
    }

    std::optional<std::wstring> query_name(const std::string& type, win::UniqueHandle dup,
                                           std::string& note) {
        long status = 0;
        if (type != "File") {
            auto name = win::object_name(dup.get(), m_buffer, status);
            if (!name) {
                ++m_counts.name_failed;
                note = fmt::format("name query failed: NTSTATUS 0x{:08x}",
                                   static_cast<unsigned long>(status));
            }
            return name;
        }
        if (m_worker.timeouts() >= k_max_timeouts) {
            ++m_counts.names_skipped;
            note = "skipped: too many name queries timed out";
            return std::nullopt;
        }
        auto result = m_worker.query(dup.release(), k_name_timeout_ms);
        switch (result.outcome) {
            case win::NameQueryWorker::Outcome::named:
                return std::move(result.name);
            case win::NameQueryWorker::Outcome::timed_out:
                note = "timed out";
                return std::nullopt;
            case win::NameQueryWorker::Outcome::failed:
                break;
        }
        ++m_counts.name_failed;
        note = fmt::format("name query failed: NTSTATUS 0x{:08x}",
                           static_cast<unsigned long>(result.status));
        return std::nullopt;
    }

    const Context& m_ctx;
    RecordSink& m_sink;
    std::map<uint16_t, std::string> m_types = [] {
        std::map<uint16_t, std::string> out;
        for (const auto& [index, name] : win::object_type_names()) out[index] = to_utf8(name);
        return out;
    }();
    std::map<uint16_t, std::string> m_learnt;
    bool m_types_wrong = false;
    std::vector<win::DosDevice> m_drives = win::dos_devices();
    win::NameQueryWorker m_worker;
    std::vector<unsigned char> m_buffer;
    Counts m_counts;
    bool m_complete = true;
};

}  // namespace

void collect_handles(const Context& ctx, RecordSink& sink) {
    if (!win::enable_privilege(L"SeDebugPrivilege")) {
        sink.coverage(
            "SeDebugPrivilege not held: other users' and service processes cannot be opened, "
            "so their handles have no names");
    }
    const auto start = std::chrono::steady_clock::now();
    std::map<uint32_t, std::string> names;
    long status = 0;
    if (auto processes = win::nt_process_list(status)) {
        for (const auto& p : *processes) names[p.pid] = to_utf8(p.image_name);
    }
    auto table = win::system_handles(status);
    if (!table) {
        throw std::runtime_error(
            fmt::format("NtQuerySystemInformation(SystemExtendedHandleInformation) failed: "
                        "NTSTATUS 0x{:08x}",
                        static_cast<unsigned long>(status)));
    }
    HandleWalk walk(ctx, sink);
    walk.run(*table, names);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    walk.report(table->size(), seconds);
}

}  // namespace irsnap::collectors
