// SPDX-License-Identifier: Apache-2.0
#include "irsnap/bundle.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "irsnap/clock.hpp"
#include "irsnap/hash.hpp"

namespace irsnap {
namespace {

/// `<base>`, then `_2` to `_5`: the readable names for runs started in the same second.
constexpr int k_counted_names = 5;
/// Then random suffixes: whoever can write the output directory could pre-create every counted
/// name (the old `_2` to `_100` ended a run with EEXIST), but not 2^32 random ones.
constexpr int k_max_name_attempts = 100;

/// Eight hex digits from getrandom. A kernel without getrandom (before 3.17) gets the clock and
/// the pid instead: not secret, but still not a name anyone could have created in advance.
std::string random_suffix() {
    uint32_t value = 0;
    if (::getrandom(&value, sizeof value, 0) != static_cast<ssize_t>(sizeof value)) {
        const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
        value = static_cast<uint32_t>(now ^ (now >> 32)) ^ static_cast<uint32_t>(::getpid());
    }
    return fmt::format("{:08x}", value);
}

/// The name of a bundle directory on the `attempt`-th try (1-based).
std::string bundle_dir_name(const std::string& base, int attempt) {
    if (attempt == 1) return base;
    if (attempt <= k_counted_names) return base + "_" + std::to_string(attempt);
    return base + "_" + random_suffix();
}

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

/// Creates `name` in the bundle with `bytes` of disk space allocated, so a later write of up to
/// that size cannot fail for lack of space. posix_fallocate writes zeros where the file system
/// has no fallocate (FAT on a USB stick), which allocates just as well.
int reserve(int dirfd, const std::string& name, long bytes, const std::filesystem::path& bundle) {
    int fd =
        ::openat(dirfd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) throw OutputError((bundle / name).string(), errno);
    int rc = ::posix_fallocate(fd, 0, bytes);
    if (rc != 0) {
        ::close(fd);
        ::unlinkat(dirfd, name.c_str(), 0);
        throw OutputError((bundle / name).string(), rc,
                          "cannot reserve space for the manifest in " + bundle.string() + ": " +
                              std::strerror(rc) + " (choose an -o with free space)");
    }
    return fd;
}

/// After `rm -rf` of the bundle mid-run the held directory fds still work, so open files keep
/// taking bytes and only the next create or rename fails, with a bare ENOENT that names a file
/// the operator never touched. Says what happened instead, when a held directory has no name
/// left (a removed directory has no links).
OutputError explain_removed(const OutputError& e, int dirfd, int artifacts_fd,
                            const std::filesystem::path& bundle) {
    if (e.code() != ENOENT) return e;
    auto removed = [](int fd) {
        struct stat st {};
        return fd >= 0 && ::fstat(fd, &st) == 0 && st.st_nlink == 0;
    };
    std::string what;
    if (removed(dirfd)) {
        what = "the bundle directory " + bundle.string();
    } else if (removed(artifacts_fd)) {
        what = "the bundle's directory " + (bundle / "artifacts").string();
    } else {
        return e;
    }
    return OutputError(e.path(), e.code(),
                       what + " was removed during the run (" + std::strerror(e.code()) + ")");
}

/// The first free name `base`, `base_2` ... (+ `suffix`) that `make` creates (0, or its
/// errno; EEXIST tries the next). Throws OutputError naming the directory and the name.
std::string claim_name(const std::filesystem::path& output_dir, const std::string& base,
                       const std::string& suffix,
                       const std::function<int(const std::string&)>& make) {
    std::string name;
    int code = 0;
    for (int attempt = 1; attempt <= k_max_name_attempts; ++attempt) {
        name = bundle_dir_name(base, attempt) + suffix;
        code = make(name);
        if (code != EEXIST) break;
    }
    if (code == EEXIST) {
        throw OutputError(
            (output_dir / name).string(), code,
            fmt::format("{} bundle names for this second already exist in {} ({} ... {}); "
                        "someone is creating them: choose another -o",
                        k_max_name_attempts, output_dir.string(), base, name));
    }
    if (code != 0) {
        auto path = (output_dir / name).string();
        throw OutputError(
            path, code,
            "cannot create " + path + ": " + std::strerror(code) + " (choose a writable -o)");
    }
    return name;
}

}  // namespace

Bundle::Bundle(std::filesystem::path path, int dirfd, int artifacts_fd)
    : m_path(std::move(path)), m_dirfd(dirfd), m_artifacts_fd(artifacts_fd) {}

Bundle::~Bundle() {
    for (int fd : {m_manifest_reserve_fd, m_digest_reserve_fd}) {
        if (fd >= 0) ::close(fd);
    }
    if (m_artifacts_fd >= 0) ::close(m_artifacts_fd);
    if (m_dirfd >= 0) ::close(m_dirfd);
}

std::unique_ptr<Bundle> Bundle::create(const std::filesystem::path& output_dir,
                                       const std::string& host, int64_t start_unix_ns) {
    ensure_output_dir(output_dir);
    int out_fd = open_dir_or_throw(AT_FDCWD, output_dir.string(), output_dir.string());
    std::string name;
    try {
        // mkdir is atomic: two collectors started in the same second never share a bundle.
        name = claim_name(output_dir, bundle_base_name(host, start_unix_ns), "",
                          [&](const std::string& n) {
                              return ::mkdirat(out_fd, n.c_str(), 0700) == 0 ? 0 : errno;
                          });
    } catch (...) {
        ::close(out_fd);
        throw;
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
    std::unique_ptr<Bundle> bundle(new Bundle(path, dirfd, art_fd));
    try {
        bundle->m_manifest_reserve_fd =
            reserve(dirfd, "manifest.json.tmp", k_manifest_reserve_bytes, path);
        bundle->m_digest_reserve_fd = reserve(dirfd, "manifest.json.sha256.tmp", 4096, path);
    } catch (const OutputError&) {
        // Nothing was collected yet: leave no empty bundle behind.
        bundle.reset();
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
        throw;
    }
    return bundle;
}

std::string bundle_base_name(const std::string& host, int64_t start_unix_ns) {
    return host + "_" + format_compact_utc(start_unix_ns);
}

NewOutputFile create_output_file(const std::filesystem::path& output_dir, const std::string& host,
                                 int64_t start_unix_ns, const std::string& suffix) {
    ensure_output_dir(output_dir);
    int out_fd = open_dir_or_throw(AT_FDCWD, output_dir.string(), output_dir.string());
    NewOutputFile file;
    try {
        const std::string name = claim_name(
            output_dir, bundle_base_name(host, start_unix_ns), suffix, [&](const std::string& n) {
                const int fd = ::openat(out_fd, n.c_str(),
                                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (fd < 0) return errno;
                file.fd = UniqueFd(fd);
                return 0;
            });
        file.name = name.substr(0, name.size() - suffix.size());
        file.path = output_dir / name;
    } catch (...) {
        ::close(out_fd);
        throw;
    }
    ::close(out_fd);
    return file;
}

std::unique_ptr<ArtifactWriter> Bundle::create_artifact(const std::string& file_name) {
    try {
        return std::make_unique<ArtifactWriter>(m_artifacts_fd, file_name,
                                                (m_path / "artifacts" / file_name).string());
    } catch (const OutputError& e) {
        throw explain_removed(e, m_dirfd, m_artifacts_fd, m_path);
    }
}

std::unique_ptr<ArtifactWriter> Bundle::create_file(const std::string& file_name) {
    try {
        return std::make_unique<ArtifactWriter>(m_dirfd, file_name, (m_path / file_name).string());
    } catch (const OutputError& e) {
        throw explain_removed(e, m_dirfd, m_artifacts_fd, m_path);
    }
}

void Bundle::replace_atomically(const std::string& name, const std::string& content,
                                int& reserved_fd) {
    const std::string tmp = name + ".tmp";
    const std::string display = (m_path / tmp).string();
    if (reserved_fd < 0) throw OutputError(display, EBADF, "manifest written twice: " + display);
    int fd = std::exchange(reserved_fd, -1);
    size_t done = 0;
    while (done < content.size()) {
        ssize_t n =
            ::pwrite(fd, content.data() + done, content.size() - done, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int code = errno;
            ::close(fd);
            throw OutputError(display, code);
        }
        done += static_cast<size_t>(n);
    }
    // Trim the reservation to the content, then make both durable before the rename.
    if (::ftruncate(fd, static_cast<off_t>(content.size())) != 0 || ::fsync(fd) != 0) {
        int code = errno;
        ::close(fd);
        throw OutputError(display, code);
    }
    ::close(fd);
    if (::renameat(m_dirfd, tmp.c_str(), m_dirfd, name.c_str()) != 0) {
        throw explain_removed(OutputError((m_path / name).string(), errno), m_dirfd, m_artifacts_fd,
                              m_path);
    }
    // The rename is durable only once the directory itself is synced.
    if (::fsync(m_dirfd) != 0 && errno != EINVAL) throw OutputError(m_path.string(), errno);
}

std::string Bundle::write_manifest(const nlohmann::json& manifest) {
    // Artifact names must be durable before a manifest that lists them is.
    if (::fsync(m_artifacts_fd) != 0 && errno != EINVAL) {
        throw OutputError((m_path / "artifacts").string(), errno);
    }
    const std::string text =
        manifest.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    std::string digest = sha256_hex(text);  // of exactly the bytes written below
    replace_atomically("manifest.json", text, m_manifest_reserve_fd);
    // sha256sum -c format, so the digest can be checked without irsnap too.
    replace_atomically("manifest.json.sha256", digest + "  manifest.json\n", m_digest_reserve_fd);
    return digest;
}

}  // namespace irsnap
