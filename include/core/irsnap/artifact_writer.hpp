// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "irsnap/hash.hpp"

namespace irsnap {

/// The output can no longer be written (ENOSPC, EIO, removed directory ...).
class OutputError : public std::runtime_error {
  public:
    OutputError(const std::string& path, int code);
    OutputError(const std::string& path, int code, const std::string& message);
    const std::string& path() const { return m_path; }
    int code() const { return m_code; }

  private:
    std::string m_path;
    int m_code;
};

/// Where an artifact's bytes go: a file (directory bundles) or memory that becomes a tar member
/// when the artifact is closed (streams).
class ArtifactDestination {
  public:
    virtual ~ArtifactDestination() = default;
    /// Takes up to `size` bytes; returns how many, or -errno. Short writes are retried.
    virtual long write_some(const char* data, size_t size) = 0;
    /// Makes the bytes durable (fsync, or the tar member sent); returns 0 or an errno.
    virtual int finish() = 0;
};

/// A file in the bundle whose SHA-256 is computed from exactly the bytes that reached the file,
/// as they go out (never by re-reading). Created exclusively: an existing file is never touched.
class ArtifactWriter {
  public:
    /// Creates `name` relative to the directory `dirfd` with O_EXCL; throws OutputError.
    ArtifactWriter(int dirfd, std::string name, std::string display_path);
    /// Writes through `destination` instead (a tar stream member).
    ArtifactWriter(std::unique_ptr<ArtifactDestination> destination, std::string name,
                   std::string display_path);
    ~ArtifactWriter();
    ArtifactWriter(const ArtifactWriter&) = delete;
    ArtifactWriter& operator=(const ArtifactWriter&) = delete;

    void write(std::string_view bytes);
    /// Hands buffered bytes to the kernel (no fsync), e.g. after each log line, so a killed
    /// run still leaves them on disk.
    void flush();
    /// Flush, fsync and close. After a failure the digest still covers what was written.
    void close();

    bool closed() const { return !m_open; }
    uint64_t bytes() const { return m_bytes; }
    /// Newline-terminated lines that reached the file (JSONL records on disk).
    uint64_t lines() const { return m_lines; }
    const std::string& name() const { return m_name; }
    /// Valid after close().
    const std::string& sha256() const { return m_digest; }

  private:
    void flush_buffer();

    std::unique_ptr<ArtifactDestination> m_destination;
    bool m_open = false;
    std::string m_name;
    std::string m_display_path;
    std::string m_buffer;
    Sha256 m_hash;
    uint64_t m_bytes = 0;
    uint64_t m_lines = 0;
    std::string m_digest;
};

}  // namespace irsnap
