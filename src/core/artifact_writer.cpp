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

/// A file created exclusively in the bundle directory.
class FileDestination final : public ArtifactDestination {
  public:
    explicit FileDestination(int fd) : m_fd(fd) {}
    ~FileDestination() override {
        if (m_fd >= 0) ::close(m_fd);
    }
    long write_some(const char* data, size_t size) override {
        ssize_t n = ::write(m_fd, data, size);
        return n < 0 ? -errno : static_cast<long>(n);
    }
    int finish() override {
        int error = 0;
        if (::fsync(m_fd) != 0 && errno != EINVAL) error = errno;
        if (::close(m_fd) != 0 && !error && errno != EINTR) error = errno;
        m_fd = -1;
        return error;
    }

  private:
    int m_fd;
};

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
    int fd =
        ::openat(dirfd, m_name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) throw OutputError(m_display_path, errno);
    m_destination = std::make_unique<FileDestination>(fd);
    m_open = true;
    m_buffer.reserve(k_buffer_size);
}

ArtifactWriter::ArtifactWriter(std::unique_ptr<ArtifactDestination> destination, std::string name,
                               std::string display_path)
    : m_destination(std::move(destination)),
      m_open(true),
      m_name(std::move(name)),
      m_display_path(std::move(display_path)) {
    m_buffer.reserve(k_buffer_size);
}

ArtifactWriter::~ArtifactWriter() {
    if (m_open) {
        try {
            close();
        } catch (...) {
            // Destructors must not throw; the caller that cared called close() itself.
        }
    }
}

void ArtifactWriter::write(std::string_view bytes) {
    if (!m_open) throw OutputError(m_display_path, EBADF);
    m_buffer.append(bytes);
    if (m_buffer.size() >= k_buffer_size) flush_buffer();
}

void ArtifactWriter::flush() {
    if (!m_open) throw OutputError(m_display_path, EBADF);
    flush_buffer();
}

void ArtifactWriter::flush_buffer() {
    size_t done = 0;
    while (done < m_buffer.size()) {
        long n = m_destination->write_some(m_buffer.data() + done, m_buffer.size() - done);
        if (n < 0) {
            if (n == -EINTR) continue;
            int code = static_cast<int>(-n);
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
    if (!m_open) return;
    int error = 0;
    try {
        flush_buffer();
    } catch (const OutputError& e) {
        error = e.code();
    }
    // The digest is final before the destination finishes: a stream member is sent then.
    m_digest = m_hash.finish_hex();
    int finished = m_destination->finish();
    if (!error) error = finished;
    m_open = false;
    m_buffer.clear();
    if (error) throw OutputError(m_display_path, error);
}

}  // namespace irsnap
