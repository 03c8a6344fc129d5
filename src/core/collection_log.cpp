// SPDX-License-Identifier: Apache-2.0
#include "irsnap/collection_log.hpp"

#include "irsnap/text.hpp"

#include <mutex>

#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace irsnap {
namespace {

constexpr const char* k_pattern = "%Y-%m-%dT%H:%M:%S.%fZ %-7l %v";

/// Log messages carry host text (paths, names, errors): escaped like any other host text an
/// analyst may print (`cat collection.log`, the --verbose echo), and one message stays one line.
class TerminalSafeFormatter final : public spdlog::formatter {
  public:
    TerminalSafeFormatter()
        : m_inner(std::make_unique<spdlog::pattern_formatter>(k_pattern,
                                                              spdlog::pattern_time_type::utc)) {}
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
        const std::string safe =
            terminal_safe(std::string_view(msg.payload.data(), msg.payload.size()));
        spdlog::details::log_msg copy = msg;
        copy.payload = spdlog::string_view_t(safe.data(), safe.size());
        m_inner->format(copy, dest);
    }
    std::unique_ptr<spdlog::formatter> clone() const override {
        return std::make_unique<TerminalSafeFormatter>();
    }

  private:
    std::unique_ptr<spdlog::formatter> m_inner;
};

class WriterSink final : public spdlog::sinks::base_sink<std::mutex> {
  public:
    explicit WriterSink(ArtifactWriter& writer) : m_writer(writer) {}

  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        if (m_failed || m_writer.closed()) return;
        spdlog::memory_buf_t formatted;
        formatter_->format(msg, formatted);
        try {
            m_writer.write(std::string_view(formatted.data(), formatted.size()));
        } catch (const OutputError&) {
            m_failed = true;  // the runner sees the same disk failure on its own artifact
        }
    }
    void flush_() override {
        if (m_failed || m_writer.closed()) return;
        try {
            m_writer.flush();
        } catch (const OutputError&) {
            m_failed = true;
        }
    }

  private:
    ArtifactWriter& m_writer;
    bool m_failed = false;
};

}  // namespace

std::shared_ptr<spdlog::logger> make_collection_logger(ArtifactWriter& writer,
                                                       bool echo_to_stderr) {
    std::vector<spdlog::sink_ptr> sinks{std::make_shared<WriterSink>(writer)};
    if (echo_to_stderr) sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
    auto logger = std::make_shared<spdlog::logger>("irsnap", sinks.begin(), sinks.end());
    logger->set_formatter(std::make_unique<TerminalSafeFormatter>());
    logger->set_level(spdlog::level::debug);
    // The log is short (lines per collector, not per record): write each line through at once
    // so a run killed with SIGKILL still leaves its story on disk.
    logger->flush_on(spdlog::level::debug);
    return logger;
}

}  // namespace irsnap
