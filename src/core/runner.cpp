// SPDX-License-Identifier: Apache-2.0
#include "irsnap/runner.hpp"

#include <algorithm>
#include <cerrno>
#include <functional>
#include <optional>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <set>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "build_info.hpp"
#include "irsnap/bundle_output.hpp"
#include "irsnap/clock_sampling.hpp"

namespace irsnap {

void RecordSink::emit(const nlohmann::json& record) {
    emit_line(record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

namespace {

/// Streams a collector's records into its artifact and keeps the manifest's error counters.
/// Records are counted once, by the writer (lines that reached the file).
class ArtifactSink final : public RecordSink {
  public:
    ArtifactSink(ArtifactWriter& writer, CollectorOutcome& outcome, const Context& ctx,
                 BundleOutput& bundle, std::string stem,
                 std::function<void(const std::string&)> progress)
        : m_writer(writer),
          m_outcome(outcome),
          m_ctx(ctx),
          m_bundle(bundle),
          m_stem(std::move(stem)),
          m_progress(std::move(progress)) {}

    void emit_line(std::string_view json_object) override {
        m_line.assign(json_object);
        m_line.push_back('\n');
        m_writer.write(m_line);
        if (m_ctx.params.debug_slow_ms > 0) slow_down();
    }

    void item_error(ItemError error) override {
        ++m_outcome.error_count;
        if (m_outcome.errors.size() < k_max_listed_errors) {
            m_outcome.errors.push_back(std::move(error));
        }
    }

    void race() override { ++m_outcome.races; }

    void coverage(std::string note) override {
        auto& notes = m_outcome.coverage;
        if (std::find(notes.begin(), notes.end(), note) == notes.end()) {
            notes.push_back(std::move(note));
        }
    }

    void summary(const std::string& note) override { m_outcome.message = note; }
    void progress(const std::string& text) override {
        if (m_progress) m_progress(text);
    }
    void view(const std::string& name) override {
        auto& views = m_outcome.views;
        if (std::find(views.begin(), views.end(), name) == views.end()) views.push_back(name);
    }

    ArtifactWriter* attachment(const std::string& extension, uint64_t size) override {
        std::string name = m_stem + "." + extension;
        for (const auto& a : m_attachments) {
            if (a->name() == name) throw OutputError(name, EEXIST);
        }
        m_attachments.push_back(m_bundle.create_sized_artifact(name, size));
        return m_attachments.back().get();
    }

    /// Closes what the collector left open and lists every attachment. Throws OutputError
    /// after listing them all (each digest covers what reached the output).
    void close_attachments() {
        std::optional<OutputError> failure;
        for (auto& a : m_attachments) {
            try {
                if (!a->closed()) a->close();
            } catch (const OutputError& e) {
                if (!failure) failure = e;
            }
            m_outcome.attachments.push_back(
                ArtifactInfo{"artifacts/" + a->name(), a->bytes(), 0, a->sha256()});
        }
        m_attachments.clear();
        if (failure) throw *failure;
    }

  private:
    void slow_down() {
        // Sleep in small steps so an interrupt is still honoured within a second.
        for (int slept = 0; slept < m_ctx.params.debug_slow_ms && !m_ctx.should_stop();
             slept += 10) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }

    ArtifactWriter& m_writer;
    CollectorOutcome& m_outcome;
    const Context& m_ctx;
    BundleOutput& m_bundle;
    std::string m_stem;  ///< `<NN>_<collector>`: attachments are named after the records
    std::function<void(const std::string&)> m_progress;
    std::vector<std::unique_ptr<ArtifactWriter>> m_attachments;
    std::string m_line;
};

std::optional<SkipReason> skip_reason(const CollectorSpec& spec, const RunRequest& request) {
    auto listed = [&](const std::vector<std::string>& names) {
        return std::find(names.begin(), names.end(), spec.name) != names.end();
    };
    if (!request.only.empty() && !listed(request.only)) return SkipReason::not_selected;
    if (listed(request.exclude)) return SkipReason::excluded;
    return std::nullopt;
}

/// Off by default and not named in --collectors (checked after the platform: on a platform
/// where it cannot run, that is what the manifest says).
bool off_by_default(const CollectorSpec& spec, const RunRequest& request) {
    return request.only.empty() &&
           std::find(request.off_by_default.begin(), request.off_by_default.end(), spec.name) !=
               request.off_by_default.end();
}

/// A collector that finished before it was told to stop is complete, even if the deadline or
/// an interrupt came right after: only one that saw should_stop() true cut its work short.
void finish_status(CollectorOutcome& outcome, const Context& ctx, bool cancelled) {
    if (outcome.status == CollectorStatus::failed) return;
    if (ctx.stop_observed() && cancelled) {
        outcome.status = CollectorStatus::partial;
        outcome.message = "interrupted";
    } else if (ctx.stop_observed()) {
        outcome.status = CollectorStatus::partial;
        outcome.message = "stopped at --timeout-per-collector";
    } else if (!outcome.coverage.empty() || outcome.error_count > 0) {
        outcome.status = CollectorStatus::partial;
        if (outcome.message.empty()) {
            outcome.message = outcome.coverage.empty() ? "some items failed" : "reduced coverage";
        }
    } else {
        outcome.status = CollectorStatus::ok;
    }
}

/// Progress display is a courtesy: its failure (a closed terminal) must never stop the run.
template <typename Fn>
void notify(RunObserver* observer, Fn&& fn) noexcept {
    if (!observer) return;
    try {
        fn(*observer);
    } catch (...) {
    }
}

}  // namespace

void validate_selection(const std::vector<Collector>& all, const std::vector<std::string>& only,
                        const std::vector<std::string>& exclude) {
    std::set<std::string> known;
    for (const auto& c : all) known.insert(c.spec().name);
    std::vector<std::string> unknown;
    for (const auto* list : {&only, &exclude}) {
        for (const auto& name : *list) {
            if (!known.count(name)) unknown.push_back(name);
        }
    }
    if (!unknown.empty()) {
        throw UsageError(fmt::format("unknown collector {}; choose from: {} (see `irsnap list`)",
                                     fmt::join(unknown, ", "), fmt::join(known, ", ")));
    }
}

std::vector<Collector> in_run_order(const std::vector<Collector>& all) {
    std::vector<Collector> ordered = all;
    std::stable_sort(ordered.begin(), ordered.end(), [](const Collector& a, const Collector& b) {
        return a.spec().volatility_rank < b.spec().volatility_rank;
    });
    return ordered;
}

bool runs_on(const CollectorSpec& spec, std::string_view platform) {
    return std::find(spec.platforms.begin(), spec.platforms.end(), platform) !=
           spec.platforms.end();
}

RunOutcome run_collectors(const std::vector<Collector>& all, BundleOutput& bundle,
                          const RunRequest& request, RunObserver* observer) {
    RunOutcome run;
    auto ordered = in_run_order(all);
    auto* log = request.context.logger;
    std::set<std::string> walk_users;
    for (const auto& c : ordered) {
        const auto& spec = c.spec();
        if (spec.reads_open_handles && !skip_reason(spec, request) && c.collect &&
            runs_on(spec, build::k_platform)) {
            walk_users.insert(spec.name);
        }
    }
    request.context.expect_open_handles_users(std::move(walk_users));
    for (size_t i = 0; i < ordered.size(); ++i) {
        const auto& collector = ordered[i];
        const auto& spec = collector.spec();
        CollectorOutcome outcome;
        outcome.name = spec.name;
        outcome.rank = spec.volatility_rank;
        outcome.start = sample_clocks();
        const bool cancelled_before =
            request.context.cancel && request.context.cancel->load(std::memory_order_relaxed);
        std::optional<SkipReason> reason = skip_reason(spec, request);
        // A single-platform collector is linked everywhere (a generated stub where it has no
        // code) and runs only where its spec lists the platform.
        if (!reason && (!collector.collect || !runs_on(spec, build::k_platform))) {
            reason = SkipReason::not_on_this_platform;
        }
        if (!reason && off_by_default(spec, request)) reason = SkipReason::off_by_default;
        if (!reason && cancelled_before) reason = SkipReason::interrupted;
        if (!reason && run.output_failed) reason = SkipReason::output_failed;
        if (reason) {
            outcome.status = CollectorStatus::skipped;
            outcome.message = to_string(*reason);
            outcome.end = outcome.start;
            if (log) log->info("collector {}: skipped ({})", spec.name, outcome.message);
            run.collectors.push_back(std::move(outcome));
            continue;
        }
        notify(observer, [&](RunObserver& o) { o.started(spec, i, ordered.size()); });
        if (log) log->info("collector {}: start (rank {})", spec.name, spec.volatility_rank);

        Context ctx = request.context;
        if (request.timeout_per_collector.count() > 0) {
            ctx.deadline = std::chrono::steady_clock::now() + request.timeout_per_collector;
        }
        const std::string stem = fmt::format("{:02}_{}", i + 1, spec.name);
        const std::string file_name = stem + ".jsonl";
        auto output_failed = [&](const OutputError& e) {
            outcome.status = CollectorStatus::failed;
            outcome.message = e.what();
            outcome.output_failed = true;
            run.output_failed = true;
            run.output_error = e.what();
        };
        std::unique_ptr<ArtifactWriter> writer;
        try {
            writer = bundle.create_artifact(file_name);
        } catch (const OutputError& e) {
            output_failed(e);
        }
        if (writer) {
            ArtifactSink sink(*writer, outcome, ctx, bundle, stem, [&](const std::string& text) {
                notify(observer,
                       [&](RunObserver& o) { o.progress(spec, text, i, ordered.size()); });
            });
            try {
                collector.collect(ctx, sink);
            } catch (const OutputError& e) {
                output_failed(e);
            } catch (const std::exception& e) {
                outcome.status = CollectorStatus::failed;
                outcome.message = e.what();
            } catch (...) {
                outcome.status = CollectorStatus::failed;
                outcome.message = "unknown exception";
            }
            try {
                sink.close_attachments();
            } catch (const OutputError& e) {
                output_failed(e);
            }
            try {
                writer->close();
            } catch (const OutputError& e) {
                output_failed(e);
            }
            // Listed even after a write failure: the digest covers exactly what reached the
            // disk, so the partial artifact still verifies for what it holds.
            // records: lines on disk, which after a write failure is less than emitted; the
            // writer is the one count of them.
            outcome.artifact = ArtifactInfo{"artifacts/" + file_name, writer->bytes(),
                                            writer->lines(), writer->sha256()};
            outcome.records = writer->lines();
        }
        const bool cancelled =
            request.context.cancel && request.context.cancel->load(std::memory_order_relaxed);
        finish_status(outcome, ctx, cancelled);
        outcome.end = sample_clocks();
        if (log) {
            log->info("collector {}: {} records={} errors={} races={} {:.3f}s{}", spec.name,
                      to_string(outcome.status), outcome.records, outcome.error_count,
                      outcome.races, (outcome.end.monotonic_ns - outcome.start.monotonic_ns) / 1e9,
                      outcome.message.empty() ? "" : " (" + outcome.message + ")");
            for (const auto& note : outcome.coverage) log->warn("  coverage: {}", note);
        }
        if (cancelled) run.interrupted = true;
#if defined(__GLIBC__)
        // Give the collector's freed memory back: worker threads free into their own malloc
        // arenas, which the next collector's main-thread allocations cannot reuse, so without
        // this the peak is the sum of the collectors' peaks rather than the largest.
        malloc_trim(0);
#endif
        notify(observer, [&](RunObserver& o) { o.finished(outcome, i, ordered.size()); });
        run.collectors.push_back(std::move(outcome));
    }
    if (request.context.cancel && request.context.cancel->load()) run.interrupted = true;
    return run;
}

}  // namespace irsnap
