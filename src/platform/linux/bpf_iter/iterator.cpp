// SPDX-License-Identifier: Apache-2.0
#include "iterator.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <vector>

#include <fmt/format.h>

#include "irsnap/linux/fd_util.hpp"

namespace irsnap::bpf_iter {
namespace {

thread_local std::string t_messages;

int keep_message(enum libbpf_print_level level, const char* format, va_list args) {
    if (level == LIBBPF_DEBUG) return 0;
    char line[512];
    const int n = std::vsnprintf(line, sizeof(line), format, args);
    if (n <= 0) return 0;
    std::string text(line, std::min(static_cast<size_t>(n), sizeof(line) - 1));
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    // The last few lines say why; a bounded tail keeps memory bounded on a chatty failure.
    if (t_messages.size() > 2048) t_messages.erase(0, t_messages.size() - 1024);
    if (!t_messages.empty()) t_messages += "; ";
    t_messages += text;
    return 0;
}

}  // namespace

unsigned own_pid_ns_level() {
    auto status = posix::read_file_at(AT_FDCWD, "/proc/self/status", 1 << 16);
    if (!status) return 0;
    const auto at = status->find("\nNSpid:");
    if (at == std::string::npos) return 0;
    const auto end = status->find('\n', at + 1);
    const std::string line = status->substr(at + 7, end - at - 7);
    unsigned fields = 0;
    bool in_field = false;
    for (char c : line) {
        const bool space = c == ' ' || c == '\t';
        if (!space && !in_field) ++fields;
        in_field = !space;
    }
    return fields > 0 ? fields - 1 : 0;
}

std::string libbpf_messages() {
    return t_messages;
}

void capture_libbpf_output() {
    static std::once_flag once;
    std::call_once(once, [] { libbpf_set_print(keep_message); });
    t_messages.clear();
}

ItemError load_error(const char* name, int err) {
    std::string why = libbpf_messages();
    if (why.empty()) why = std::strerror(err);
    return ItemError::from_errno("bpf-load", err, name, std::move(why));
}

namespace {

/// Reads `iter_fd` to its end in 64 KiB chunks, handing each to `take` until it says stop.
std::optional<ItemError> stream_fd(int iter_fd, const char* name,
                                   const std::function<bool(std::string_view)>& take) {
    std::vector<char> buffer(size_t{1} << 16);
    for (;;) {
        const ssize_t n = ::read(iter_fd, buffer.data(), buffer.size());
        if (n == 0) return std::nullopt;
        if (n < 0) {
            if (errno == EINTR) continue;
            return ItemError::from_errno("read", errno, name);
        }
        if (!take(std::string_view(buffer.data(), static_cast<size_t>(n)))) return std::nullopt;
    }
}

/// The whole output, at most `max_bytes`: more is an error, not a silent cut.
Result<std::string> read_whole(
    const std::function<std::optional<ItemError>(const std::function<bool(std::string_view)>&)>&
        stream,
    const char* name, size_t max_bytes) {
    std::string out;
    bool too_big = false;
    auto failed = stream([&](std::string_view chunk) {
        too_big = out.size() + chunk.size() > max_bytes;
        if (!too_big) out.append(chunk);
        return !too_big;
    });
    if (failed) return *failed;
    if (too_big) {
        return ItemError::from_errno("read", EFBIG, name,
                                     fmt::format("more than {} bytes", max_bytes));
    }
    return out;
}

}  // namespace

std::optional<ItemError> stream_iterator(bpf_program* program, const char* name,
                                         const std::function<bool(std::string_view)>& take) {
    bpf_link* link = bpf_program__attach_iter(program, nullptr);
    if (!link) return load_error(name, errno);
    const int iter_fd = bpf_iter_create(bpf_link__fd(link));
    if (iter_fd < 0) {
        const int err = errno;
        bpf_link__destroy(link);
        return ItemError::from_errno("bpf-iter", err, name);
    }
    auto failed = stream_fd(iter_fd, name, take);
    ::close(iter_fd);
    bpf_link__destroy(link);
    return failed;
}

Result<std::string> read_iterator_fd(int iter_fd, const char* name, size_t max_bytes) {
    const posix::UniqueFd owned(iter_fd);
    return read_whole([&](const auto& take) { return stream_fd(iter_fd, name, take); }, name,
                      max_bytes);
}

Result<std::string> read_iterator(bpf_program* program, const char* name, size_t max_bytes) {
    return read_whole([&](const auto& take) { return stream_iterator(program, name, take); }, name,
                      max_bytes);
}

}  // namespace irsnap::bpf_iter
