// SPDX-License-Identifier: Apache-2.0
// Open descriptors on Linux, from the run's shared /proc/*/fd walk (see open_handles.hpp).
// Deleted files and memfds were hashed through the descriptor itself during the walk.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/hash_window.hpp"
#include "handles.hpp"
#include "irsnap/json_line.hpp"
#include "irsnap/linux/fd_util.hpp"
#include "irsnap/linux/proc_fd.hpp"
#include "irsnap/open_handles.hpp"
#include "irsnap/text.hpp"

namespace irsnap::collectors {
namespace {

constexpr size_t k_pending_window = 64;

JsonLine record_of(const HandleSnapshot& snapshot, const OpenHandle& h,
                   const procfs::FdKind& kind) {
    JsonLine r;
    r.field("pid", h.pid).field("fd", h.fd).field("type", kind.type).field("deleted", kind.deleted);
    std::vector<std::string> escaped;
    bool was_escaped = false;
    r.field("target", escape_bytes(h.target, was_escaped));
    if (was_escaped) escaped.push_back("target");
    was_escaped = false;
    r.field("process_name", escape_bytes(snapshot.process_names[h.process], was_escaped));
    if (was_escaped) escaped.push_back("process_name");
    // Every declared field in every record, null where this kind of descriptor has none (a
    // socket has no size, a pipe no anon_kind) or it could not be read.
    if (!kind.anon_kind.empty()) {
        r.field("anon_kind", kind.anon_kind);
    } else {
        r.null_field("anon_kind");
    }
    if (h.has_stat) {
        r.field("device", fmt::format("{}:{}", major(h.device), minor(h.device)));
        r.field("inode", h.inode);
    } else {
        r.null_field("device").null_field("inode");
    }
    if (h.has_stat && S_ISREG(h.mode)) {
        r.field("size", h.size);
    } else {
        r.null_field("size");
    }
    if (h.has_fdinfo) {
        r.field("position", h.position);
        r.field("flags", procfs::describe_open_flags(h.flags));
    } else {
        r.null_field("position").null_field("flags");
    }
    if (h.has_fdinfo && h.mnt_id >= 0) {
        r.field("mount_id", h.mnt_id);
    } else {
        r.null_field("mount_id");
    }
    if (auto inode = procfs::parse_socket_link(h.target)) {
        r.field("socket_inode", *inode);
    } else {
        r.null_field("socket_inode");
    }
    if (!escaped.empty()) r.field("escaped_fields", escaped);
    return r;
}

}  // namespace

void collect_handles(const Context& ctx, RecordSink& sink) {
    const HandleSnapshot& snapshot = ctx.open_handles("handles");
    if (ctx.logger) {
        ctx.logger->info(
            "handles: descriptor walk taken at {} for {} in {:.3f} s: {} descriptors of {} "
            "processes ({} read from {}, {} through /proc)",
            snapshot.taken_at, snapshot.taken_by, snapshot.seconds, snapshot.handles.size(),
            snapshot.processes, snapshot.processes_from_kernel, snapshot.view,
            snapshot.processes - snapshot.processes_from_kernel);
    }
    sink.view(snapshot.view);
    if (!snapshot.kernel_view_note.empty()) {
        sink.coverage("kernel descriptor tables (iter/task_file) not read (" +
                      snapshot.kernel_view_note + "): descriptors were read through /proc");
    }
    if (snapshot.processes_denied) {
        sink.coverage(fmt::format("descriptors of {} process(es) not readable{}",
                                  snapshot.processes_denied,
                                  geteuid() == 0 ? " (kernel or LSM policy denies even root)"
                                                 : " (run as root for full coverage)"));
    }
    if (!snapshot.complete) {
        sink.coverage(
            fmt::format("the descriptor walk (taken for {}) was stopped early: the list "
                        "is incomplete",
                        snapshot.taken_by));
    }
    for (uint64_t i = 0; i < snapshot.races; ++i) sink.race();
    LineHashWindow window(sink, k_pending_window, "sha256", "hash_note");
    size_t n = 0;
    for (const auto& h : snapshot.handles) {
        if ((++n & 255) == 0 && ctx.should_stop()) break;
        const auto kind = procfs::classify_fd(h.target, h.mode, h.nlink, h.has_stat);
        JsonLine r = record_of(snapshot, h, kind);
        std::optional<std::shared_future<FileHash>> hash;
        if (h.content >= 0) {
            const HandleContent& content = snapshot.contents[static_cast<size_t>(h.content)];
            hash = content.pending;
            if (!hash && content.sha256) {
                r.field("sha256", content.sha256_hex()).null_field("hash_note");
            } else if (!hash) {
                r.null_field("sha256").field("hash_note", content.note);
            }
        } else if (!ctx.hashes && (kind.type == "memfd" || (kind.type == "file" && kind.deleted))) {
            r.null_field("sha256").field("hash_note", "hashing is off (--no-hash)");
        } else {
            r.null_field("sha256").null_field("hash_note");  // nothing to hash: not deleted
        }
        window.push(std::move(r), std::move(hash));
    }
    window.flush();
    ctx.release_open_handles("handles");
}

}  // namespace irsnap::collectors
