// SPDX-License-Identifier: Apache-2.0
// Process events into records (activity_linux.hpp): what an event lacks is read from /proc at
// once, because a process started in the window may be gone a moment later; its executable
// is opened through /proc/PID/exe before anything else, so a deleted or replaced file is still
// the one that ran.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>

#include <nlohmann/json.hpp>

#include "activity_linux.hpp"
#include "irsnap/hash_cache.hpp"
#include "irsnap/linux/hash_open.hpp"
#include "irsnap/linux/procfs.hpp"
#include "irsnap/text.hpp"
#include "samples/samples.hpp"

namespace irsnap::collectors::activity {
namespace {

constexpr size_t k_argv_bytes = 4096;
constexpr size_t k_max_pending = 4096;

/// The specimen archive's records are activity records of kind specimen: a sink in front of
/// the recorder for SpecimenSet::finish.
class SpecimenRecords final : public RecordSink {
  public:
    SpecimenRecords(ActivityRecorder& recorder, RecordSink& sink)
        : m_recorder(recorder), m_sink(sink) {}
    void emit_line(std::string_view line) override { m_sink.emit_line(line); }
    void emit(const nlohmann::json& record) override { m_recorder.other("specimen", record); }
    void item_error(ItemError e) override { m_sink.item_error(std::move(e)); }
    void race() override { m_sink.race(); }
    void coverage(std::string note) override { m_sink.coverage(std::move(note)); }
    ArtifactWriter* attachment(const std::string& extension, uint64_t size) override {
        return m_sink.attachment(extension, size);
    }

  private:
    ActivityRecorder& m_recorder;
    RecordSink& m_sink;
};

std::string strip_newline(std::string s) {
    if (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
}

}  // namespace

ProcessWatcher::ProcessWatcher(const Context& ctx, ActivityRecorder& recorder, Owners& owners,
                               const WindowClock& clock, RecordSink& sink)
    : m_ctx(ctx), m_recorder(recorder), m_owners(owners), m_clock(clock), m_sink(sink) {}

void ProcessWatcher::exec(Exec e) {
    ProcessEvent ev;
    ev.event = "exec";
    ev.source = e.source;
    ev.at = m_clock.from_monotonic(e.monotonic_ns);
    ev.pid = e.pid;
    ev.ppid = e.ppid;
    ev.uid = e.uid;
    ev.process = std::move(e.comm);
    ev.argv = std::move(e.argv);
    ev.argv_truncated = e.argv_truncated;

    auto dir = posix::open_dir_at(AT_FDCWD, (m_ctx.proc_root / std::to_string(e.pid)).string());
    std::optional<posix::UniqueFd> exe_fd;
    struct stat st {};
    if (dir) {
        // The executable first: it is what a short-lived process takes with it.
        if (auto fd = posix::open_regular_at(dir->get(), "exe", 0, &st)) {
            exe_fd = std::move(*fd);
            ev.read_via = "/proc/PID/exe";
        }
        if (auto link = posix::read_link_at(dir->get(), "exe")) ev.exe = *link;
        if (ev.process.empty()) {
            if (auto comm = posix::read_file_at(dir->get(), "comm", 256)) {
                ev.process = strip_newline(*comm);
            }
        }
        if (!e.argv_known) {
            bool truncated = false;
            if (auto cmdline =
                    posix::read_file_at(dir->get(), "cmdline", k_argv_bytes, &truncated)) {
                ev.argv = procfs::parse_proc_pid_cmdline(*cmdline);
                ev.argv_truncated = truncated;
            }
        }
        if (!ev.uid || !ev.ppid) {
            if (auto status = posix::read_file_at(dir->get(), "status", 1 << 16)) {
                auto s = procfs::parse_proc_pid_status(*status);
                if (!ev.uid && s.uid) ev.uid = (*s.uid)[0];
                if (!ev.ppid && s.ppid) ev.ppid = *s.ppid;
            }
        }
    }
    if (ev.exe.empty()) ev.exe = e.filename;
    if (!exe_fd && !e.filename.empty() && e.filename.front() == '/') {
        // Gone already: the file by its path is the next best thing, and says so.
        if (auto fd = posix::open_regular_for_hash(
                AT_FDCWD, m_ctx.host_path(e.filename.substr(1)).string(), true, st)) {
            exe_fd = std::move(*fd);
            ev.read_via = "path";
        }
    }
    m_owners.named(ev.pid, ev.process, ev.exe);
    m_started_ns.emplace(ev.pid, e.monotonic_ns);

    Pending p{ev, std::nullopt};
    if (exe_fd) {
        const FileKey key = posix::file_key(st);
        bool suffix = false;
        auto reasons = linux_path_reasons(procfs::strip_deleted_suffix(ev.exe, &suffix));
        if (st.st_nlink == 0) reasons.insert(SpecimenReason::deleted);
        if (ev.exe.rfind("/memfd:", 0) == 0) reasons.insert(SpecimenReason::memfd);
        if (!reasons.empty()) {
            SpecimenSource src;
            src.kind = "exe";
            src.pid = ev.pid;
            bool escaped = false;
            src.process = escape_bytes(ev.process, escaped);
            src.path = escape_bytes(ev.exe, escaped);
            src.escaped = escaped;
            src.read_via =
                ev.read_via == "path" ? ev.exe : "/proc/" + std::to_string(ev.pid) + "/exe";
            int copy = ::fcntl(exe_fd->get(), F_DUPFD_CLOEXEC, 0);
            if (copy >= 0) {
                m_specimens.add({posix::UniqueFd(copy), key, std::move(reasons), std::move(src)},
                                m_sink);
            }
        }
        if (m_ctx.hashes) p.hash = m_ctx.hashes->submit(exe_fd->release(), key);
    }
    if (m_pending.size() >= k_max_pending) flush(true);
    m_pending.push_back(std::move(p));
}

void ProcessWatcher::fork(int64_t parent, int64_t child, const std::string& comm,
                          int64_t monotonic_ns, const std::string& source) {
    ProcessEvent ev;
    ev.event = "fork";
    ev.source = source;
    ev.at = m_clock.from_monotonic(monotonic_ns);
    ev.pid = child;
    ev.ppid = parent;
    ev.process = comm;
    const auto& parent_name = m_owners.name(parent);
    ev.exe = parent_name.exe;  // a fork runs its parent's executable until it execs
    if (ev.process.empty()) ev.process = parent_name.process;
    m_owners.named(child, ev.process, ev.exe);
    m_started_ns[child] = monotonic_ns;
    m_recorder.process(ev);
}

void ProcessWatcher::exit(int64_t pid, int64_t code, const std::string& comm, int64_t monotonic_ns,
                          const std::string& source) {
    flush(false);
    ProcessEvent ev;
    ev.event = "exit";
    ev.source = source;
    ev.at = m_clock.from_monotonic(monotonic_ns);
    ev.pid = pid;
    ev.exit_code = code;
    const auto& name = m_owners.name(pid);
    ev.process = comm.empty() ? name.process : comm;
    ev.exe = name.exe;
    auto started = m_started_ns.find(pid);
    if (started != m_started_ns.end()) {
        ev.lifetime_ms = (monotonic_ns - started->second) / 1'000'000;
        m_started_ns.erase(started);
    }
    m_recorder.process(ev);
}

void ProcessWatcher::flush(bool wait) {
    size_t kept = 0;
    for (auto& p : m_pending) {
        if (p.hash && !wait &&
            p.hash->wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
            if (&m_pending[kept] != &p) m_pending[kept] = std::move(p);
            ++kept;
            continue;
        }
        if (p.hash) {
            const FileHash& h = p.hash->get();
            if (h.sha256) p.event.sha256 = *h.sha256;
        }
        m_recorder.process(p.event);
    }
    m_pending.resize(kept);
}

void ProcessWatcher::finish() {
    flush(true);
    if (m_specimens.size() == 0) return;
    SpecimenRecords records(m_recorder, m_sink);
    m_specimens.finish(m_ctx, records);
}

}  // namespace irsnap::collectors::activity
