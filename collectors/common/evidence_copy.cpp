// SPDX-License-Identifier: Apache-2.0
#include "evidence_copy.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace irsnap::collectors {

ZipSource descriptor_source(int fd, uint64_t from, const Context& ctx) {
    auto offset = std::make_shared<uint64_t>(from);
    return [fd, offset, &ctx](char* buffer, size_t capacity) -> long {
        if (ctx.should_stop()) return 0;  // the rest of the member becomes zeros
        while (true) {
            const ssize_t n = ::pread(fd, buffer, capacity, static_cast<off_t>(*offset));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return -errno;
            *offset += static_cast<uint64_t>(n);
            return static_cast<long>(n);
        }
    };
}

CopyOutcome copy_outcome(const ZipMemberResult& copied, bool stopped_before, const Context& ctx,
                         const std::string& expected_sha256) {
    if (stopped_before || (copied.ended_early && ctx.should_stop())) {
        return {"interrupted", "the run was stopped; the member holds zeros after the bytes read"};
    }
    if (copied.error) return {"read_failed", std::strerror(copied.error)};
    if (copied.ended_early) {
        return {"changed_while_read", "the file shrank while read; zeros fill the member"};
    }
    if (!expected_sha256.empty() && copied.sha256 != expected_sha256) {
        return {"changed_while_read", "the content changed between hashing and copying"};
    }
    return {"copied", copied.more_remained ? "the file grew while read; cut at its size" : ""};
}

}  // namespace irsnap::collectors
