// SPDX-License-Identifier: Apache-2.0
#include "irsnap/bundle.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include "irsnap/clock.hpp"

namespace irsnap {
namespace {

constexpr int k_max_name_attempts = 100;

int open_dir_or_throw(int at, const std::string& name, const std::string& display) {
    int fd = ::openat(at, name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw OutputError(display, errno);
    return fd;
}

void ensure_output_dir(const std::filesystem::path& dir) {
    if (::mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST) return;
    int code = errno;
    if (code == ENOENT) {
        throw OutputError(dir.string(), code,
                          "output directory " + dir.string() +
                              ": its parent directory does not exist (create it, or choose "
                              "another -o)");
    }
    throw OutputError(dir.string(), code,
                      "cannot create output directory " + dir.string() + ": " +
                          std::strerror(code) + " (choose a writable -o)");
}

}  // namespace

Bundle::Bundle(std::filesystem::path path, int dirfd, int artifacts_fd)
    : m_path(std::move(path)), m_dirfd(dirfd), m_artifacts_fd(artifacts_fd) {}

Bundle::~Bundle() {
    if (m_artifacts_fd >= 0) ::close(m_artifacts_fd);
    if (m_dirfd >= 0) ::close(m_dirfd);
}

std::unique_ptr<Bundle> Bundle::create(const std::filesystem::path& output_dir,
                                       const std::string& host, int64_t start_unix_ns) {
    ensure_output_dir(output_dir);
    int out_fd = open_dir_or_throw(AT_FDCWD, output_dir.string(), output_dir.string());
    std::string base = host + "_" + format_compact_utc(start_unix_ns);
    std::string name;
    int code = 0;
    for (int attempt = 1; attempt <= k_max_name_attempts; ++attempt) {
        name = attempt == 1 ? base : base + "_" + std::to_string(attempt);
        // mkdir is atomic: two collectors started in the same second never share a bundle.
        if (::mkdirat(out_fd, name.c_str(), 0700) == 0) {
            code = 0;
            break;
        }
        code = errno;
        if (code != EEXIST) break;
    }
    if (code != 0) {
        ::close(out_fd);
        auto path = (output_dir / name).string();
        throw OutputError(path, code,
                          "cannot create bundle directory " + path + ": " + std::strerror(code) +
                              " (choose a writable -o)");
    }
    auto path = output_dir / name;
    int dirfd = -1;
    try {
        dirfd = open_dir_or_throw(out_fd, name, path.string());
    } catch (...) {
        ::close(out_fd);
        throw;
    }
    ::close(out_fd);
    if (::mkdirat(dirfd, "artifacts", 0700) != 0) {
        int err = errno;
        ::close(dirfd);
        throw OutputError((path / "artifacts").string(), err);
    }
    int art_fd = -1;
    try {
        art_fd = open_dir_or_throw(dirfd, "artifacts", (path / "artifacts").string());
    } catch (...) {
        ::close(dirfd);
        throw;
    }
    return std::unique_ptr<Bundle>(new Bundle(path, dirfd, art_fd));
}

std::unique_ptr<ArtifactWriter> Bundle::create_artifact(const std::string& file_name) {
    return std::make_unique<ArtifactWriter>(m_artifacts_fd, file_name,
                                            (m_path / "artifacts" / file_name).string());
}

std::unique_ptr<ArtifactWriter> Bundle::create_file(const std::string& file_name) {
    return std::make_unique<ArtifactWriter>(m_dirfd, file_name, (m_path / file_name).string());
}

void Bundle::replace_atomically(const std::string& name, const std::string& content,
                                std::string* digest) {
    std::string tmp = name + ".tmp";
    ::unlinkat(m_dirfd, tmp.c_str(), 0);  // a leftover of our own failed attempt
    {
        ArtifactWriter writer(m_dirfd, tmp, (m_path / tmp).string());
        writer.write(content);
        writer.close();
        if (digest) *digest = writer.sha256();
    }
    if (::renameat(m_dirfd, tmp.c_str(), m_dirfd, name.c_str()) != 0) {
        throw OutputError((m_path / name).string(), errno);
    }
    // The rename is durable only once the directory itself is synced.
    if (::fsync(m_dirfd) != 0 && errno != EINVAL) throw OutputError(m_path.string(), errno);
}

std::string Bundle::write_manifest(const nlohmann::json& manifest) {
    std::string digest;
    replace_atomically(
        "manifest.json",
        manifest.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n", &digest);
    // sha256sum -c format, so the digest can be checked without irsnap too.
    replace_atomically("manifest.json.sha256", digest + "  manifest.json\n", nullptr);
    return digest;
}

}  // namespace irsnap
