// SPDX-License-Identifier: Apache-2.0
#include "irsnap/artifact_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace irsnap {
namespace {

constexpr size_t k_buffer_size = 1 << 16;

}  // namespace

OutputError::OutputError(const std::string& path, int code)
    : std::runtime_error("cannot write " + path + ": " + std::strerror(code)),
      m_path(path),
      m_code(code) {}

OutputError::OutputError(const std::string& path, int code, const std::string& message)
    : std::runtime_error(message), m_path(path), m_code(code) {}

ArtifactWriter::ArtifactWriter(int dirfd, std::string name, std::string display_path)
    : m_name(std::move(name)), m_display_path(std::move(display_path)) {
    // O_EXCL: evidence is never overwritten, not even our own.
    m_fd =
        ::openat(dirfd, m_name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (m_fd < 0) throw OutputError(m_display_path, errno);
    m_buffer.reserve(k_buffer_size);
}

ArtifactWriter::~ArtifactWriter() {
    if (m_fd >= 0) {
        try {
            close();
        } catch (...) {
            // Destructors must not throw; the caller that cared called close() itself.
        }
    }
}

void ArtifactWriter::write(std::string_view bytes) {
    if (m_fd < 0) throw OutputError(m_display_path, EBADF);
    m_buffer.append(bytes);
    if (m_buffer.size() >= k_buffer_size) flush_buffer();
}

void ArtifactWriter::flush() {
    if (m_fd < 0) throw OutputError(m_display_path, EBADF);
    flush_buffer();
}

void ArtifactWriter::flush_buffer() {
    size_t done = 0;
    while (done < m_buffer.size()) {
        ssize_t n = ::write(m_fd, m_buffer.data() + done, m_buffer.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            int code = errno;
            // The digest covers exactly the bytes that reached the file, so a partial artifact
            // still verifies for what it holds.
            m_buffer.erase(0, done);
            throw OutputError(m_display_path, code);
        }
        m_hash.update(m_buffer.data() + done, static_cast<size_t>(n));
        m_bytes += static_cast<uint64_t>(n);
        m_lines += static_cast<uint64_t>(
            std::count(m_buffer.data() + done, m_buffer.data() + done + n, '\n'));
        done += static_cast<size_t>(n);
    }
    m_buffer.clear();
}

void ArtifactWriter::close() {
    if (m_fd < 0) return;
    int error = 0;
    try {
        flush_buffer();
    } catch (const OutputError& e) {
        error = e.code();
    }
    if (!error && ::fsync(m_fd) != 0 && errno != EINVAL) error = errno;
    if (::close(m_fd) != 0 && !error && errno != EINTR) error = errno;
    m_fd = -1;
    m_buffer.clear();
    m_digest = m_hash.finish_hex();
    if (error) throw OutputError(m_display_path, error);
}

}  // namespace irsnap
