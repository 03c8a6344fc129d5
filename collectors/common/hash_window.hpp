// SPDX-License-Identifier: Apache-2.0
// Records that wait for a file digest in a bounded window: hashing overlaps the walk, and memory
// stays flat however many records there are.
#pragma once

#include <cstddef>
#include <deque>
#include <future>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

#include "common/package_fields.hpp"
#include "irsnap/collector.hpp"
#include "irsnap/hash.hpp"
#include "irsnap/json_line.hpp"

namespace irsnap::collectors {

/// `Record` is an nlohmann::json tree or a JsonLine (see json_line.hpp).
template <class Record>
class BasicHashWindow {
  public:
    /// Digests go into `sha_field`, failures into `note_field`.
    BasicHashWindow(RecordSink& sink, size_t limit, std::string sha_field, std::string note_field)
        : m_sink(sink),
          m_limit(limit),
          m_sha_field(std::move(sha_field)),
          m_note_field(std::move(note_field)) {}
    ~BasicHashWindow() = default;  // unflushed records are dropped: flush() is the normal end
    BasicHashWindow(const BasicHashWindow&) = delete;
    BasicHashWindow& operator=(const BasicHashWindow&) = delete;

    /// What a record's file is looked up as in the package database once its digest is known
    /// (put_package_check): its path, or why it cannot be (`skip`).
    struct PackageLookup {
        std::string path;
        std::string skip;
    };

    /// Records pushed with a PackageLookup get the package fields of `prefix` (json records).
    void check_packages(const Context& ctx, std::string prefix) {
        m_ctx = &ctx;
        m_package_prefix = std::move(prefix);
    }

    /// Queues `record`; emits the oldest one (waiting for its digest) when the window is full.
    void push(Record record, std::optional<std::shared_future<FileHash>> hash,
              std::optional<PackageLookup> lookup = std::nullopt) {
        m_pending.push_back({std::move(record), std::move(hash), std::move(lookup)});
        if (m_pending.size() >= m_limit) emit_front();
    }

    void flush() {
        while (!m_pending.empty()) emit_front();
    }

  private:
    struct Pending {
        Record record;
        std::optional<std::shared_future<FileHash>> hash;
        std::optional<PackageLookup> lookup;
    };

    void emit_front() {
        Pending& p = m_pending.front();
        if (p.hash) {
            const FileHash& h = p.hash->get();
            if constexpr (std::is_same_v<Record, JsonLine>) {
                if (h.sha256) {
                    p.record.field(m_sha_field, *h.sha256).null_field(m_note_field);
                } else {
                    p.record.null_field(m_sha_field).field(m_note_field, h.note);
                }
            } else if (h.sha256) {
                p.record[m_sha_field] = *h.sha256;
                p.record[m_note_field] = nullptr;
            } else {
                p.record[m_note_field] = h.note;
            }
        }
        if constexpr (!std::is_same_v<Record, JsonLine>) {
            if (m_ctx && p.lookup) {
                static const FileHash k_not_hashed;
                put_package_check(*m_ctx, p.record, m_package_prefix, p.lookup->path,
                                  p.hash ? p.hash->get() : k_not_hashed, p.lookup->skip);
            } else if (m_ctx) {
                // No file behind the record (anonymous memory): the fields are there, null.
                put_package_nulls(p.record, m_package_prefix);
            }
        }
        if constexpr (std::is_same_v<Record, JsonLine>) {
            m_sink.emit_line(p.record.finish());
        } else {
            m_sink.emit(p.record);
        }
        m_pending.pop_front();
    }

    RecordSink& m_sink;
    size_t m_limit;
    std::string m_sha_field;
    std::string m_note_field;
    const Context* m_ctx = nullptr;
    std::string m_package_prefix;
    std::deque<Pending> m_pending;
};

using HashWindow = BasicHashWindow<nlohmann::json>;
using LineHashWindow = BasicHashWindow<JsonLine>;

}  // namespace irsnap::collectors
