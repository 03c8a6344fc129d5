// SPDX-License-Identifier: Apache-2.0
// Helpers for tests over fixture trees: a temp copy with its symlinks made, and a sink that
// keeps what a collector emits.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "irsnap/collector.hpp"

namespace irsnap::test {

/// A fresh directory under the system temp dir, removed by the destructor.
class TempDir {
  public:
    explicit TempDir(const std::string& prefix);
    ~TempDir();
    const std::filesystem::path& path() const { return m_path; }

  private:
    std::filesystem::path m_path;
};

/// Copies tests/fixtures/proc/<scenario> into `dest` and creates the symlinks listed in its
/// links.txt (targets may hold \xHH escapes for non-UTF-8 bytes).
void materialise_fixture(const std::string& scenario, const std::filesystem::path& dest);

/// Collects everything a collector reports. Records are kept as trees parsed from the line the
/// artifact would hold, so tests see exactly what a bundle gets; every line must be exactly what
/// nlohmann::json::dump() writes for it (sorted keys, compact), whichever path rendered it.
class MemorySink final : public RecordSink {
  public:
    void emit_line(std::string_view line) override {
        auto record = nlohmann::json::parse(line);
        const std::string canonical =
            record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        if (canonical != line) {
            ADD_FAILURE() << "record line differs from nlohmann's rendering:\n  " << line << "\n  "
                          << canonical;
        }
        records.push_back(std::move(record));
    }
    void item_error(ItemError error) override { errors.push_back(std::move(error)); }
    void race() override { ++races; }
    void coverage(std::string note) override { notes.push_back(std::move(note)); }

    std::vector<nlohmann::json> records;
    std::vector<ItemError> errors;
    std::vector<std::string> notes;
    int races = 0;
};

/// A context reading from a materialised fixture tree.
Context fixture_context(const std::filesystem::path& tree);

std::string read_text_file(const std::filesystem::path& path);

/// Every line of `text` parsed as JSON (throws on a line that is not).
std::vector<nlohmann::json> parse_json_lines(const std::string& text);

/// A TCP listener on 127.0.0.1 (an ephemeral port unless one is given), for tests that look for
/// their own socket in what the kernel reports. Throws std::runtime_error when it cannot be
/// created.
class LoopbackListener {
  public:
    explicit LoopbackListener(uint16_t port = 0);
    ~LoopbackListener();
    LoopbackListener(const LoopbackListener&) = delete;
    LoopbackListener& operator=(const LoopbackListener&) = delete;

    int fd() const { return m_fd; }
    uint16_t port() const { return m_port; }  ///< host byte order
    uint64_t inode() const { return m_inode; }

  private:
    int m_fd = -1;
    uint16_t m_port = 0;
    uint64_t m_inode = 0;
};

}  // namespace irsnap::test
