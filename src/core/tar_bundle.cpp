// SPDX-License-Identifier: Apache-2.0
#include "irsnap/tar_bundle.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include "irsnap/bundle.hpp"
#include "irsnap/clock_sampling.hpp"
#include "irsnap/hash.hpp"
#include "irsnap/tar_writer.hpp"

namespace irsnap {
namespace {

class FdSink final : public ByteSink {
  public:
    FdSink(int fd, std::string where, bool sync)
        : m_fd(fd), m_where(std::move(where)), m_sync(sync) {}
    int write(std::string_view bytes) override {
        while (!bytes.empty()) {
            const ssize_t n = ::write(m_fd, bytes.data(), bytes.size());
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                // A non-blocking stdout (some shells hand one over): wait instead of failing.
                pollfd p{m_fd, POLLOUT, 0};
                ::poll(&p, 1, 1000);
                continue;
            }
            if (n < 0) return errno;
            bytes.remove_prefix(static_cast<size_t>(n));
        }
        return 0;
    }
    int close() override { return m_sync && ::fsync(m_fd) != 0 ? errno : 0; }
    std::string where() const override { return m_where; }

  private:
    int m_fd;
    std::string m_where;
    bool m_sync;
};

/// Memory is taken in chunks of this size, not one growing string, so an artifact never needs
/// twice its size while a reallocation copies it.
constexpr size_t k_chunk_size = 1 << 20;

int64_t now_seconds() {
    return sample_clocks().realtime_ns / 1'000'000'000;
}

/// An artifact held in memory until it is closed, then sent as one member.
class MemberDestination final : public ArtifactDestination {
  public:
    MemberDestination(TarStreamBundle& bundle, std::string rel_path)
        : m_bundle(bundle), m_rel_path(std::move(rel_path)) {}

    long write_some(const char* data, size_t size) override {
        size_t done = 0;
        while (done < size) {
            if (m_chunks.empty() || m_chunks.back().size() == k_chunk_size) {
                m_chunks.emplace_back();
                m_chunks.back().reserve(k_chunk_size);
            }
            auto& chunk = m_chunks.back();
            size_t take = std::min(size - done, k_chunk_size - chunk.size());
            chunk.append(data + done, take);
            done += take;
        }
        m_size += size;
        return static_cast<long>(size);
    }

    int finish() override {
        int error = m_bundle.send_member(m_rel_path, m_chunks, m_size);
        m_chunks.clear();
        m_chunks.shrink_to_fit();
        return error;
    }

  private:
    TarStreamBundle& m_bundle;
    std::string m_rel_path;
    std::vector<std::string> m_chunks;
    uint64_t m_size = 0;
};

/// An artifact whose size is known before its first byte: sent as it is written.
class StreamedMemberDestination final : public ArtifactDestination {
  public:
    StreamedMemberDestination(TarStreamBundle& bundle, const std::string& rel_path, uint64_t size)
        : m_bundle(bundle), m_size(size), m_error(bundle.begin_member(rel_path, size)) {}

    long write_some(const char* data, size_t size) override {
        if (m_error) return -m_error;
        // More than announced would shift every later member: refuse it.
        if (size > m_size - m_sent) return -EFBIG;
        if (int e = m_bundle.send_data({data, size}); e != 0) {
            m_error = e;
            return -e;
        }
        m_sent += size;
        return static_cast<long>(size);
    }

    int finish() override {
        if (m_error) return m_error;
        // Fewer bytes than announced: zeros keep the stream's later members where they belong;
        // the artifact's digest (of what was written) then differs, which verify names.
        const bool short_member = m_sent < m_size;
        const std::string zeros(64 * 1024, '\0');
        while (m_sent < m_size) {
            const auto n = static_cast<size_t>(std::min<uint64_t>(zeros.size(), m_size - m_sent));
            if (int e = m_bundle.send_data({zeros.data(), n}); e != 0) return e;
            m_sent += n;
        }
        if (int e = m_bundle.end_member(m_size); e != 0) return e;
        return short_member ? EIO : 0;
    }

  private:
    TarStreamBundle& m_bundle;
    uint64_t m_size;
    uint64_t m_sent = 0;
    int m_error;
};

}  // namespace

int TarStreamBundle::end_member(uint64_t size) {
    return send(tar_padding(size));
}

int TarStreamBundle::begin_member(const std::string& rel_path, uint64_t size) {
    TarEntry entry{
        m_name + "/" + rel_path, size, 0600, now_seconds(), ::geteuid(), ::getegid(), '0'};
    return send(tar_member_header(entry));
}

std::unique_ptr<ArtifactWriter> TarStreamBundle::create_sized_artifact(const std::string& file_name,
                                                                       uint64_t size) {
    const std::string rel_path = "artifacts/" + file_name;
    // Named like a directory bundle's artifact (the file name), so records that cite it agree.
    return std::make_unique<ArtifactWriter>(
        std::make_unique<StreamedMemberDestination>(*this, rel_path, size), file_name,
        m_name + "/" + rel_path + " (tar stream)");
}

std::unique_ptr<ByteSink> make_fd_sink(int fd, std::string where, bool sync_on_close) {
    return std::make_unique<FdSink>(fd, std::move(where), sync_on_close);
}

std::unique_ptr<TarStreamBundle> TarStreamBundle::create(int fd, const std::string& host,
                                                         int64_t start_unix_ns) {
    std::string name = bundle_base_name(host, start_unix_ns);
    std::string location = "stdout, tar stream " + name + "/";
    return create(make_fd_sink(fd, "stdout"), std::move(name), std::move(location));
}

std::unique_ptr<TarStreamBundle> TarStreamBundle::create(std::unique_ptr<ByteSink> sink,
                                                         std::string name, std::string location) {
    std::unique_ptr<TarStreamBundle> bundle(
        new TarStreamBundle(std::move(sink), std::move(name), std::move(location)));
    for (const char* dir : {"", "artifacts/"}) {
        if (bundle->send_directory(dir) != 0) {
            throw OutputError(bundle->m_sink->where(), bundle->m_error,
                              bundle->failure_message(dir));
        }
    }
    return bundle;
}

std::unique_ptr<ArtifactWriter> TarStreamBundle::create(const std::string& rel_path) {
    // The display path names the member, so an OutputError says which one was cut.
    return std::make_unique<ArtifactWriter>(std::make_unique<MemberDestination>(*this, rel_path),
                                            rel_path, m_name + "/" + rel_path + " (tar stream)");
}

std::unique_ptr<ArtifactWriter> TarStreamBundle::create_artifact(const std::string& file_name) {
    return create("artifacts/" + file_name);
}

std::unique_ptr<ArtifactWriter> TarStreamBundle::create_file(const std::string& file_name) {
    return create(file_name);
}

std::string TarStreamBundle::failure_message(const std::string& rel_path) const {
    std::string why = m_error == EPIPE ? " (the reader went away)" : "";
    return "cannot write the tar stream to " + m_sink->where() + " at " + m_name + "/" + rel_path +
           ": " + std::strerror(m_error) + why;
}

int TarStreamBundle::send(std::string_view bytes) {
    if (m_error) return m_error;
    m_error = m_sink->write(bytes);
    return m_error;
}

int TarStreamBundle::send_directory(const std::string& rel_path) {
    TarEntry entry{m_name + "/" + rel_path, 0, 0700, now_seconds(), ::geteuid(), ::getegid(), '5'};
    return send(tar_member_header(entry));
}

int TarStreamBundle::send_member(const std::string& rel_path,
                                 const std::vector<std::string>& chunks, uint64_t size) {
    if (begin_member(rel_path, size) != 0) return m_error;
    for (const auto& chunk : chunks) {
        if (send(chunk) != 0) return m_error;
    }
    return send(tar_padding(size));
}

std::string TarStreamBundle::write_manifest(const nlohmann::json& manifest) {
    const std::string text =
        manifest.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    std::string digest = sha256_hex(text);  // of exactly the bytes sent below
    const std::string digest_line = digest + "  manifest.json\n";
    for (const auto& [rel, content] :
         {std::pair<std::string, const std::string&>{"manifest.json", text},
          {"manifest.json.sha256", digest_line}}) {
        if (send_member(rel, {content}, content.size()) != 0) {
            throw OutputError(m_sink->where(), m_error, failure_message(rel));
        }
    }
    if (send(tar_end_of_archive()) != 0) {
        throw OutputError(m_sink->where(), m_error, failure_message("(end of archive)"));
    }
    // A sealed stream's last chunk and a created file's fsync: the bundle is whole only now.
    if (!m_error && (m_error = m_sink->close()) != 0) {
        throw OutputError(m_sink->where(), m_error, failure_message("(end of stream)"));
    }
    return digest;
}

}  // namespace irsnap
