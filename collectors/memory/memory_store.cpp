// SPDX-License-Identifier: Apache-2.0
#include "memory_store.hpp"

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <numeric>
#include <system_error>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "irsnap/artifact_writer.hpp"
#include "irsnap/clock.hpp"

namespace irsnap::collectors {
namespace {

using nlohmann::json;

/// Segments listed per dump record: a process may have 65530 mappings, a record stays small.
constexpr size_t k_max_listed_segments = 4096;

json reasons_json(const std::set<DumpReason>& reasons) {
    json out = json::array();
    for (DumpReason r : reasons) out.push_back(to_string(r));
    return out;
}

json holes_json(const std::vector<std::pair<uint64_t, uint64_t>>& holes) {
    json out = json::array();
    for (const auto& [from, to] : holes) out.push_back({hex_address(from), hex_address(to)});
    return out;
}

/// The status of a member whose every byte was written: complete, or why not.
std::pair<std::string, std::string> read_status(const PieceStream& stream, size_t left_out) {
    if (stream.stopped()) {
        return {"interrupted", "the run was stopped: the rest of the member is zeros"};
    }
    if (stream.target_gone()) {
        return {"exited", "the process ended during the read: the rest of the member is zeros"};
    }
    uint64_t unreadable = 0;
    size_t with_holes = 0;
    for (const auto& r : stream.reads()) {
        unreadable += r.unreadable;
        if (r.unreadable) ++with_holes;
    }
    std::vector<std::string> why;
    if (unreadable) {
        why.push_back(fmt::format("{} bytes in {} segment(s) could not be read (zeros)", unreadable,
                                  with_holes));
    }
    if (left_out) {
        why.push_back(fmt::format("{} segment(s) left out by the budget or the disk", left_out));
    }
    if (why.empty()) return {"dumped", ""};
    std::string note = why[0];
    for (size_t i = 1; i < why.size(); ++i) note += "; " + why[i];
    return {"partial", note};
}

json member_base(const std::string& kind, int64_t pid, const std::string& process,
                 const std::string& exe, const std::string& format) {
    json r = json::object();
    r["kind"] = kind;
    r["pid"] = pid;
    r["process_name"] = process.empty() ? json(nullptr) : json(process);
    r["exe_path"] = exe.empty() ? json(nullptr) : json(exe);
    r["format"] = format;
    for (auto key : {"processes_read", "processes_denied", "regions_found", "dumps_chosen"}) {
        r[key] = nullptr;
    }
    return r;
}

/// Moves `total` bytes from `source` to `sink`, reading on a thread of its own so that reading
/// the stopped target overlaps ciphering and writing the spool (the stop is what this
/// shortens). Returns the bytes the sink took. Without a thread to spare, one loop does both.
uint64_t pump(ZipSource& source, uint64_t total,
              const std::function<bool(const char*, size_t)>& sink) {
    constexpr size_t k_slots = 4;
    constexpr size_t k_slot_bytes = 1 << 20;
    struct Slot {
        std::string data = std::string(k_slot_bytes, '\0');
        long n = 0;
    };
    std::vector<Slot> slots(k_slots);
    std::mutex mutex;
    std::condition_variable changed;
    size_t produced = 0, consumed = 0;
    bool producer_done = false, refused = false;
    auto produce = [&] {
        uint64_t got = 0;
        while (got < total) {
            {
                std::unique_lock lock(mutex);
                changed.wait(lock, [&] { return refused || produced - consumed < k_slots; });
                if (refused) break;
            }
            Slot& slot = slots[produced % k_slots];
            slot.n = source(slot.data.data(), slot.data.size());
            {
                std::lock_guard lock(mutex);
                ++produced;
            }
            changed.notify_all();
            if (slot.n <= 0) break;
            got += static_cast<uint64_t>(slot.n);
        }
        {
            std::lock_guard lock(mutex);
            producer_done = true;
        }
        changed.notify_all();
    };
    std::thread producer;
    try {
        producer = std::thread(produce);
    } catch (const std::system_error&) {
        uint64_t done = 0;
        std::string buffer(k_slot_bytes, '\0');
        while (done < total) {
            const long n = source(buffer.data(), buffer.size());
            if (n <= 0 || !sink(buffer.data(), static_cast<size_t>(n))) break;
            done += static_cast<uint64_t>(n);
        }
        return done;
    }
    uint64_t done = 0;
    while (true) {
        {
            std::unique_lock lock(mutex);
            changed.wait(lock, [&] { return consumed < produced || producer_done; });
            if (consumed == produced) break;
        }
        const Slot& slot = slots[consumed % k_slots];
        const bool ok = slot.n > 0 && sink(slot.data.data(), static_cast<size_t>(slot.n));
        if (ok) done += static_cast<uint64_t>(slot.n);
        {
            std::lock_guard lock(mutex);
            ++consumed;
            refused = refused || !ok;
        }
        changed.notify_all();
        if (!ok) break;
    }
    producer.join();
    return done;
}

}  // namespace

// ---- time

int64_t wall_clock_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

FreezeTimer::FreezeTimer()
    : m_start_unix_ns(wall_clock_ns()), m_start(std::chrono::steady_clock::now()) {}

FreezeWindow FreezeTimer::stop() const {
    const std::chrono::duration<double, std::milli> length =
        std::chrono::steady_clock::now() - m_start;
    return {m_start_unix_ns, length.count()};
}

// ---- budgets

MemoryBudgets::MemoryBudgets(const Context& ctx)
    : dumps(
          ctx.params.max_dump_total_bytes ? ctx.params.max_dump_total_bytes : [&]() -> uint64_t {
              // Half of what the output has free now; a stream has no disk to protect.
              if (!ctx.output_free_bytes) return UINT64_MAX;
              const auto free = ctx.output_free_bytes();
              return free ? *free / 2 : UINT64_MAX;
          }(),
          ctx.output_free_bytes),
      regions(ctx.params.max_region_total_bytes, ctx.output_free_bytes) {}

uint64_t MemoryBudgets::dump_allowance(const Context& ctx) const {
    return std::min(ctx.params.max_dump_bytes, dumps.available());
}

std::string MemoryBudgets::dump_limit(const Context& ctx) const {
    if (ctx.output_free_bytes) {
        if (const auto free = ctx.output_free_bytes()) {
            const uint64_t disk =
                *free > k_free_space_reserve_bytes ? *free - k_free_space_reserve_bytes : 0;
            const uint64_t rest = dumps.max_bytes() - std::min(dumps.used(), dumps.max_bytes());
            if (disk < std::min(ctx.params.max_dump_bytes, rest)) return "disk_space";
        }
    }
    return "budget";
}

std::vector<bool> segments_within(const std::vector<uint64_t>& sizes,
                                  const std::vector<int>& priority, uint64_t allowance) {
    std::vector<size_t> order(sizes.size());
    std::iota(order.begin(), order.end(), size_t{0});
    // Smaller first within a priority: many small regions (a heap chunk, a stack, injected
    // code) tell more than one large one, and the largest are what the docs say is left out.
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return std::pair(priority.at(a), sizes.at(a)) < std::pair(priority.at(b), sizes.at(b));
    });
    std::vector<bool> chosen(sizes.size(), false);
    for (size_t i : order) {
        if (sizes[i] > allowance) continue;
        allowance -= sizes[i];
        chosen[i] = true;
    }
    return chosen;
}

// ---- dumps

DumpWrite write_dump(const Context& ctx, RecordSink& sink, MemoryBudgets& budgets,
                     const DumpPlan& plan, const MemoryRead& read, DumpSpool* spool,
                     const std::function<void()>& thaw) {
    DumpWrite w;
    for (const auto& p : plan.pieces) w.size += p.length();
    if (auto refusal = budgets.dumps.take(w.size)) {
        thaw();
        w.status = to_string(*refusal);
        w.note = *refusal == BudgetRefusal::run_budget
                     ? fmt::format("{} bytes: the run's dump budget is spent", w.size)
                     : "the output's file system is nearly full";
        return w;
    }
    PieceStream stream(plan.pieces, read, ctx);
    ZipSource from;
    std::string spool_note;
    if (spool) {
        // While stopped: memory to the encrypted spool only. The ZIP comes after the thaw.
        ZipSource source = stream.source(false);
        int error = 0;
        const uint64_t done = pump(source, w.size, [&](const char* data, size_t size) {
            return spool->append(data, size, error);
        });
        thaw();
        if (done < w.size) {
            w.status = "failed";
            w.note = fmt::format("the scratch space refused the dump after {} bytes: {}", done,
                                 std::strerror(error ? error : EIO));
            return w;
        }
        from = [&stream, spool](char* buffer, size_t capacity) -> long {
            const long n = spool->read_back(buffer, capacity);
            if (n > 0) stream.digest(buffer, static_cast<size_t>(n));
            return n;
        };
    } else {
        from = stream.source();
    }
    const ZipMemberPlan member{dump_member_name(plan.pid, plan.extension), w.size,
                               wall_clock_ns() / 1'000'000'000};
    ArtifactWriter* out =
        sink.attachment(fmt::format("pid{}.zip", plan.pid),
                        ctx.stream_output ? evidence_zip_size({member}) : uint64_t{0});
    if (!out) {
        thaw();
        w.status = "not_stored";
        w.note = "this output keeps no archives";
        return w;
    }
    // A tar stream announces the archive's size first: stored. A directory: deflated, since a
    // core is mostly zero pages and file-backed code.
    EvidenceZipWriter zip(*out,
                          ctx.stream_output ? ZipCompression::store : ZipCompression::deflate_fast);
    const ZipMemberResult added = zip.add(member, from);
    thaw();
    zip.close();
    out->close();
    w.archive = "artifacts/" + out->name();
    w.member = member.name;
    w.sha256 = added.sha256;
    w.reads = stream.reads();
    size_t left_out = 0;
    for (const auto& s : plan.segments) {
        left_out += s.skipped == "budget" || s.skipped == "disk_space";
    }
    std::tie(w.status, w.note) = read_status(stream, left_out);
    if (added.ended_early) {
        w.status = "failed";
        w.note = "the scratch space could not be read back: the member ends in zeros";
    }
    return w;
}

void emit_dump(RecordSink& sink, const DumpPlan& plan, const DumpWrite& written,
               const FreezeWindow& window) {
    json r = member_base("dump", plan.pid, plan.process, plan.exe, plan.format);
    r["reasons"] = reasons_json(plan.reasons);
    for (auto key : {"start", "end", "permissions", "backing", "path"}) r[key] = nullptr;
    r["size"] = written.size;
    const bool stored = !written.member.empty();
    r["sha256"] = stored ? json(written.sha256) : json(nullptr);
    r["archive"] = stored ? json(written.archive) : json(nullptr);
    r["member"] = stored ? json(written.member) : json(nullptr);
    uint64_t bytes_read = 0, unreadable = 0;
    for (const auto& read : written.reads) {
        bytes_read += read.bytes_read;
        unreadable += read.unreadable;
    }
    r["bytes_read"] = stored ? json(bytes_read) : json(nullptr);
    r["unreadable_bytes"] = stored ? json(unreadable) : json(nullptr);
    json segments = json::array();
    int64_t skipped = 0;
    for (const auto& s : plan.segments) {
        if (!s.skipped.empty()) ++skipped;
        if (segments.size() >= k_max_listed_segments) continue;
        json seg = {{"start", hex_address(s.start)},
                    {"end", hex_address(s.end)},
                    {"permissions", s.permissions},
                    {"path", s.path.empty() ? json(nullptr) : json(s.path)},
                    {"dumped", s.skipped.empty()},
                    {"skipped", s.skipped.empty() ? json(nullptr) : json(s.skipped)}};
        if (s.piece && *s.piece < written.reads.size()) {
            const PieceRead& read = written.reads[*s.piece];
            seg["sha256"] = read.sha256;
            seg["unreadable_bytes"] = read.unreadable;
            seg["holes"] = holes_json(read.holes);
        } else {
            seg["sha256"] = nullptr;
            seg["unreadable_bytes"] = nullptr;
            seg["holes"] = nullptr;
        }
        segments.push_back(std::move(seg));
    }
    r["segments"] = std::move(segments);
    r["segment_count"] = static_cast<int64_t>(plan.segments.size());
    r["segments_skipped"] = skipped;
    r["threads"] = plan.threads;
    r["frozen"] = plan.frozen;
    r["freeze_start"] =
        window.start_unix_ns ? json(format_rfc3339_utc(*window.start_unix_ns)) : json(nullptr);
    r["freeze_ms"] = window.milliseconds ? json(*window.milliseconds) : json(nullptr);
    r["status"] = written.status;
    r["status_note"] = written.note.empty() ? json(nullptr) : json(written.note);
    json notes = json::array();
    for (const auto& n : plan.notes) notes.push_back(n);
    if (!plan.freeze_note.empty()) notes.push_back(plan.freeze_note);
    r["notes"] = std::move(notes);
    if (plan.escaped) r["escaped_fields"] = json::array({"process_name", "exe_path", "segments"});
    sink.emit(r);
}

void emit_dump_refusal(RecordSink& sink, const DumpPlan& plan, const std::string& status,
                       const std::string& note) {
    DumpWrite w;
    w.status = status;
    w.note = note;
    DumpPlan bare = plan;
    bare.pieces.clear();
    emit_dump(sink, bare, w, {});
}

// ---- the scan

void emit_memory_scan(RecordSink& sink, const MemoryScanSummary& summary) {
    json r = json::object();
    for (const auto& f : memory_spec().fields) {
        if (f.name != "escaped_fields") r[f.name] = nullptr;
    }
    r["kind"] = "scan";
    r["processes_read"] = summary.processes_read;
    r["processes_denied"] = summary.processes_denied;
    r["regions_found"] = summary.regions_found;
    r["dumps_chosen"] = summary.dumps_chosen;
    r["notes"] = json::array();
    sink.emit(r);
}

// ---- regions

void capture_regions(
    const Context& ctx, RecordSink& sink, MemoryBudgets& budgets, std::vector<RegionPlan> regions,
    const std::function<MemoryRead(int64_t pid, std::string& why_not)>& reader_for) {
    // Writable and executable first (injected code is written, then run), memfd next, then the
    // smaller first (more of them fit), then by process and address: a stable order.
    std::stable_sort(regions.begin(), regions.end(), [](const RegionPlan& a, const RegionPlan& b) {
        const auto rank = [](const RegionPlan& r) {
            const bool wx = r.permissions.size() > 2 && r.permissions[1] == 'w';
            return wx ? 0 : r.backing == "memfd" ? 1 : 2;
        };
        if (rank(a) != rank(b)) return rank(a) < rank(b);
        if (a.end - a.start != b.end - b.start) return a.end - a.start < b.end - b.start;
        return std::tie(a.pid, a.start) < std::tie(b.pid, b.start);
    });
    struct Outcome {
        std::string status, note, sha256, archive, member;
        PieceRead read;
    };
    std::vector<Outcome> outcomes(regions.size());
    std::map<int64_t, uint64_t> per_process;
    std::vector<size_t> chosen;
    std::map<std::string, size_t> refused;
    for (size_t i = 0; i < regions.size(); ++i) {
        const RegionPlan& r = regions[i];
        const uint64_t size = r.end - r.start;
        uint64_t& used = per_process[r.pid];
        if (size > ctx.params.max_region_bytes - std::min(used, ctx.params.max_region_bytes)) {
            outcomes[i].status = "budget";
            outcomes[i].note = fmt::format(
                "{} bytes: above what --max-region-bytes {} leaves "
                "for this process",
                size, ctx.params.max_region_bytes);
        } else if (auto refusal = budgets.regions.take(size)) {
            outcomes[i].status = to_string(*refusal);
            outcomes[i].note = *refusal == BudgetRefusal::run_budget
                                   ? "--max-region-total-bytes reached"
                                   : "the output's file system is nearly full";
        } else {
            used += size;
            chosen.push_back(i);
            continue;
        }
        ++refused[outcomes[i].status];
    }
    if (!chosen.empty()) {
        std::vector<ZipMemberPlan> plan;
        const int64_t now_s = wall_clock_ns() / 1'000'000'000;
        for (size_t i : chosen) {
            const RegionPlan& r = regions[i];
            plan.push_back({region_member_name(r.pid, r.start, r.end), r.end - r.start, now_s});
        }
        ArtifactWriter* out = sink.attachment("zip", evidence_zip_size(plan));
        if (!out) {
            for (size_t i : chosen) {
                outcomes[i].status = "not_stored";
                outcomes[i].note = "this output keeps no archives";
            }
        } else {
            EvidenceZipWriter zip(*out);
            std::map<int64_t, std::pair<MemoryRead, std::string>> readers;
            for (size_t k = 0; k < chosen.size(); ++k) {
                const RegionPlan& r = regions[chosen[k]];
                Outcome& o = outcomes[chosen[k]];
                auto it = readers.find(r.pid);
                if (it == readers.end()) {
                    std::string why;
                    MemoryRead read = reader_for(r.pid, why);
                    it = readers.emplace(r.pid, std::make_pair(std::move(read), why)).first;
                }
                const MemoryRead& read = it->second.first;
                // Every planned member is written (the archive's size was announced): a
                // process that cannot be read gives zeros and says so.
                MemoryRead use =
                    read ? read
                         : MemoryRead([](uint64_t, char*, size_t) -> long { return -ESRCH; });
                PieceStream stream({DumpPiece{{}, true, r.start, r.end - r.start}}, use, ctx);
                const ZipMemberResult added = zip.add(plan[k], stream.source());
                o.archive = "artifacts/" + out->name();
                o.member = plan[k].name;
                o.sha256 = added.sha256;
                o.read = stream.reads().front();
                if (!read) {
                    o.status = "denied";
                    o.note = it->second.second + " (the member holds zeros)";
                } else {
                    std::tie(o.status, o.note) = read_status(stream, 0);
                }
            }
            zip.close();
            out->close();
        }
    }
    for (size_t i = 0; i < regions.size(); ++i) {
        const RegionPlan& r = regions[i];
        const Outcome& o = outcomes[i];
        json rec = member_base("region", r.pid, r.process, r.exe, "raw");
        rec["reasons"] = json::array({"anonymous_executable"});
        rec["start"] = hex_address(r.start);
        rec["end"] = hex_address(r.end);
        rec["permissions"] = r.permissions;
        rec["backing"] = r.backing;
        rec["path"] = r.path.empty() ? json(nullptr) : json(r.path);
        rec["size"] = r.end - r.start;
        const bool stored = !o.member.empty();
        rec["archive"] = stored ? json(o.archive) : json(nullptr);
        rec["member"] = stored ? json(o.member) : json(nullptr);
        rec["sha256"] = stored ? json(o.sha256) : json(nullptr);
        rec["bytes_read"] = stored ? json(o.read.bytes_read) : json(nullptr);
        rec["unreadable_bytes"] = stored ? json(o.read.unreadable) : json(nullptr);
        for (auto key : {"segments", "segment_count", "segments_skipped", "threads", "frozen",
                         "freeze_start", "freeze_ms"}) {
            rec[key] = nullptr;
        }
        rec["status"] = o.status;
        rec["status_note"] = o.note.empty() ? json(nullptr) : json(o.note);
        rec["notes"] = json::array();
        if (r.escaped) rec["escaped_fields"] = json::array({"process_name", "exe_path", "path"});
        sink.emit(rec);
    }
    for (const auto& [status, count] : refused) {
        sink.coverage(
            fmt::format("{} anonymous executable region(s) not captured ({}): see "
                        "status in the records",
                        count, status));
    }
}

}  // namespace irsnap::collectors
