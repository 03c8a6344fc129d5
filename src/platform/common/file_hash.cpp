// SPDX-License-Identifier: Apache-2.0
#include "irsnap/file_hash.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace irsnap {

FileHash hash_fd(int fd, uint64_t size, uint64_t max_bytes, const std::atomic<bool>* cancel,
                 unsigned package_digests) {
    FileHash result;
    if (max_bytes && size > max_bytes) {
        result.note = "skipped: larger than --max-hash-bytes";
        return result;
    }
    advise_sequential_read(fd);
    Sha256 h;
    std::optional<PackageDigests> extra;
    if (package_digests) extra.emplace(package_digests);
    // One buffer per thread, never zero-filled, sized to the file: a host can hold thousands
    // of empty or tiny deleted files and memfds, and a fresh zeroed 256 KiB buffer for each
    // cost more than hashing them. Reads still loop to EOF, so a growing file is hashed whole.
    constexpr size_t k_max_chunk = size_t{1} << 18;
    thread_local std::unique_ptr<char[]> buffer;
    thread_local size_t capacity = 0;
    const size_t want = static_cast<size_t>(std::min<uint64_t>(k_max_chunk, size + 4096));
    if (capacity < want) {
        buffer.reset(new char[want]);
        capacity = want;
    }
    const std::span<char> buf(buffer.get(), capacity);
    uint64_t total = 0;
    while (true) {
        if (cancel && cancel->load(std::memory_order_relaxed)) {
            result.note = "interrupted";
            return result;
        }
        // On Windows pread is posix_windows.cpp's ReadFile at an explicit offset.
        ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(total));
        if (n < 0) {
            if (errno == EINTR) continue;
            result.error_code = errno;
            result.note = std::string("read failed: ") + std::strerror(errno);
            return result;
        }
        if (n == 0) break;
        h.update(buf.data(), static_cast<size_t>(n));
        if (extra) extra->update(buf.data(), static_cast<size_t>(n));
        total += static_cast<uint64_t>(n);
        // The file may grow while we read; the size limit holds for what we actually hash.
        if (max_bytes && total > max_bytes) {
            result.note = "skipped: larger than --max-hash-bytes";
            return result;
        }
    }
    result.sha256 = h.finish_hex();
    if (extra) extra->finish_hex(result.md5, result.sha1);
    return result;
}

}  // namespace irsnap
