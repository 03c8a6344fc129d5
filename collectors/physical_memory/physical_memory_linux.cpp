// SPDX-License-Identifier: Apache-2.0
// Linux physical_memory collector: /proc/iomem's System RAM ranges, read through the first
// source that works (physical_source_linux.cpp), written as one LiME file into an encrypted ZIP
// (never raw: RAM holds malware and secrets), with one record per range and one for the image.
#include <fcntl.h>
#include <sys/utsname.h>

#include <algorithm>
#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "irsnap/clock.hpp"
#include "irsnap/evidence_budget.hpp"
#include "irsnap/evidence_zip.hpp"
#include "irsnap/lime.hpp"
#include "irsnap/linux/fd_util.hpp"
#include "memory/memory.hpp"
#include "memory/memory_store.hpp"
#include "physical_memory.hpp"
#include "physical_source_linux.hpp"

namespace irsnap::collectors {
namespace {

using nlohmann::json;

// /proc/iomem is a few KiB; a cap keeps a hostile fixture from costing more.
constexpr size_t k_iomem_cap = 1u << 20;
constexpr uint64_t k_max_ram_bytes = 1ull << 48;

json image_record(const std::string& status, const std::string& note) {
    json r = json::object();
    r["kind"] = "image";
    r["format"] = "lime";
    r["status"] = status;
    r["status_note"] = note.empty() ? json(nullptr) : json(note);
    struct utsname uts {};
    if (uname(&uts) == 0) {
        r["kernel_release"] = uts.release;
        r["kernel_version"] = uts.version;
    }
    return r;
}

void emit(RecordSink& sink, json r) {
    null_missing_fields(r, physical_memory_spec(), "linux");
    sink.emit(r);
}

/// No image: one coverage line (what a responder reads first) and the image record saying why.
void refuse(RecordSink& sink, const std::string& status, const std::string& why,
            const std::string& source = {}) {
    sink.coverage("physical memory not acquired: " + why);
    sink.summary("not acquired: " + why);
    json r = image_record(status, why);
    r["source"] = source.empty() ? json(nullptr) : json(source);
    emit(sink, std::move(r));
}

struct Layout {
    std::vector<DumpPiece> pieces;  ///< header, range, header, range ...
    std::vector<uint64_t> header_offsets;
    uint64_t size = 0, ram_bytes = 0;
};

Layout lime_layout(const std::vector<physmem::PhysicalRange>& ram) {
    Layout l;
    for (const auto& r : ram) {
        l.header_offsets.push_back(l.size);
        l.pieces.push_back({lime::range_header(r.start, r.end), false, 0, 0});
        l.pieces.push_back({{}, true, r.start, r.size()});
        l.size += lime::k_header_size + r.size();
        l.ram_bytes += r.size();
    }
    return l;
}

/// Unreadable bytes of `range` that lie in its first or last page when the range covers that
/// page only in part (x86's first range ends at 0x9fc00): /proc/kcore maps RAM by whole pages,
/// so such a tail is never readable and says nothing about the acquisition.
uint64_t zeros_in_edge_pages(const physmem::PhysicalRange& range, const PieceRead& read) {
    const uint64_t page = page_size();
    const uint64_t head_end = std::min(range.end, (range.start + page - 1) / page * page);
    // A range inside one page: its head is all of it, and no tail is counted again.
    const uint64_t tail_start = std::max(head_end, range.end / page * page);
    uint64_t zeros = 0;
    const auto overlap = [](const std::pair<uint64_t, uint64_t>& hole, uint64_t a, uint64_t b) {
        const uint64_t from = std::max(hole.first, a), to = std::min(hole.second, b);
        return to > from ? to - from : uint64_t{0};
    };
    for (const auto& hole : read.holes) {
        zeros += overlap(hole, range.start, head_end) + overlap(hole, tail_start, range.end);
    }
    return zeros;
}

json holes_json(const std::vector<std::pair<uint64_t, uint64_t>>& holes) {
    json out = json::array();
    for (const auto& [from, to] : holes) {
        out.push_back({{"start", hex_address(from)}, {"end", hex_address(to)}});
    }
    return out;
}

}  // namespace

void collect_physical_memory(const Context& ctx, RecordSink& sink) {
    const std::string iomem_path = (ctx.proc_root / "iomem").string();
    auto text = posix::read_file_at(AT_FDCWD, iomem_path, k_iomem_cap);
    if (!text) {
        refuse(sink, "refused", "/proc/iomem cannot be read: " + text.error().text());
        return;
    }
    const auto ram = physmem::parse_iomem_system_ram(*text);
    if (ram.addresses_hidden) {
        refuse(sink, "refused", "/proc/iomem shows its addresses only to root (CAP_SYS_ADMIN)");
        return;
    }
    if (ram.ranges.empty()) {
        refuse(sink, "refused", "/proc/iomem lists no System RAM");
        return;
    }
    // A hostile or broken iomem could add up to more than any machine holds (and wrap the
    // sizes below): 256 TiB is beyond every x86-64 and arm64 host's physical address space.
    uint64_t ram_total = 0;
    for (const auto& r : ram.ranges) {
        ram_total += std::min(r.size(), k_max_ram_bytes + 1);
        if (ram_total > k_max_ram_bytes) break;
    }
    if (ram_total > k_max_ram_bytes) {
        refuse(sink, "refused", "/proc/iomem's System RAM adds up to more than 256 TiB");
        return;
    }
    std::vector<PhysicalSourceCheck> checks;
    auto source = open_physical_source(ctx, ram.ranges, checks);
    std::string reasons;
    for (const auto& c : checks) {
        emit(sink,
             {{"kind", "source"}, {"source", c.name}, {"usable", c.usable}, {"reason", c.reason}});
        if (!c.usable)
            reasons += fmt::format("{}{}: {}", reasons.empty() ? "" : "; ", c.name, c.reason);
    }
    if (!source) {
        refuse(sink, "refused", reasons);
        return;
    }
    sink.view(source->name);

    Layout layout = lime_layout(ram.ranges);
    if (ctx.output_free_bytes) {
        if (auto free = ctx.output_free_bytes();
            free && *free < layout.size + k_free_space_reserve_bytes) {
            refuse(sink, "disk_space",
                   fmt::format("the image needs {} bytes and 256 MiB to spare, the output has {} "
                               "free (use a larger disk, or -o - to stream it away)",
                               layout.size, *free),
                   source->name);
            return;
        }
    }
    const ZipMemberPlan member{k_physical_memory_member, layout.size,
                               wall_clock_ns() / 1'000'000'000};
    ArtifactWriter* out =
        sink.attachment("zip", ctx.stream_output ? evidence_zip_size({member}) : uint64_t{0});
    if (!out) {
        refuse(sink, "not_stored", "this output keeps no archives", source->name);
        return;
    }
    const int64_t started = wall_clock_ns();
    const auto steady = std::chrono::steady_clock::now();
    const PhysicalSource& from = *source;
    PieceStream stream(
        layout.pieces,
        [&from](uint64_t address, char* buffer, size_t size) {
            return read_physical(from, address, buffer, size);
        },
        ctx);
    // A stream announced the archive's size: stored. A directory: deflated (free RAM is
    // mostly zero pages).
    EvidenceZipWriter zip(*out,
                          ctx.stream_output ? ZipCompression::store : ZipCompression::deflate_fast);
    const ZipMemberResult added = zip.add(member, stream.source());
    zip.close();
    out->close();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - steady).count();

    uint64_t bytes_read = 0, unreadable = 0;
    bool holes_beyond_edges = false;
    for (size_t i = 0; i < ram.ranges.size(); ++i) {
        const auto& r = ram.ranges[i];
        const PieceRead& read = stream.reads()[i];
        bytes_read += read.bytes_read;
        unreadable += read.unreadable;
        holes_beyond_edges = holes_beyond_edges || read.unreadable > zeros_in_edge_pages(r, read);
        emit(sink, {{"kind", "range"},
                    {"source", source->name},
                    {"start", hex_address(r.start)},
                    {"end", hex_address(r.end)},
                    {"size", r.size()},
                    {"lime_offset", layout.header_offsets[i]},
                    {"sha256", read.sha256},
                    {"bytes_read", read.bytes_read},
                    {"unreadable_bytes", read.unreadable},
                    {"holes", holes_json(read.holes)}});
    }
    std::string status = "acquired", note;
    if (added.ended_early) {
        status = "failed";
        note = "the source ended early: the image ends in zeros";
    } else if (stream.stopped()) {
        status = "interrupted";
        note = "stopped (Ctrl-C or --timeout-per-collector): the rest of the image is zeros";
    } else if (holes_beyond_edges) {
        status = "partial";
        note = fmt::format("{} bytes could not be read and are zeros", unreadable);
    } else if (unreadable > 0) {
        note = fmt::format(
            "{} bytes in pages that a System RAM range only partly covers are zeros ({} maps "
            "whole pages of RAM only)",
            unreadable, source->name);
    }
    if (status != "acquired") sink.coverage("physical memory " + status + ": " + note);
    sink.summary(
        fmt::format("{} MiB of RAM from {}, {}", layout.ram_bytes >> 20, source->name, status));
    json r = image_record(status, note);
    r["source"] = source->name;
    r["archive"] = "artifacts/" + out->name();
    r["member"] = member.name;
    r["size"] = layout.size;
    r["sha256"] = added.sha256;
    r["ranges"] = ram.ranges.size();
    r["ram_bytes"] = layout.ram_bytes;
    r["bytes_read"] = bytes_read;
    r["unreadable_bytes"] = unreadable;
    r["started"] = format_rfc3339_utc(started);
    r["ended"] = format_rfc3339_utc(wall_clock_ns());
    r["seconds"] = seconds;
    emit(sink, std::move(r));
}

}  // namespace irsnap::collectors
