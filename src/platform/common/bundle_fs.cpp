// SPDX-License-Identifier: Apache-2.0
// Opening the files of a bundle under analysis: one place for the rules (relative to a directory
// descriptor, never through a symlink, never blocking on a FIFO, regular files only), so verify,
// the readers of triage/stack/export, custody and unpack cannot drift apart.
#include "irsnap/bundle_fs.hpp"

#include "irsnap/file_type.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

namespace irsnap {
namespace {

/// ustar's magic sits at offset 257 of the first header ("ustar\0" POSIX, "ustar " GNU).
constexpr size_t k_tar_block = 512;
constexpr size_t k_ustar_magic_at = 257;

std::string open_error(int err) {
    // O_NOFOLLOW reports a final symlink as ELOOP (Linux) or EMLINK/EFTYPE elsewhere.
    if (err == ELOOP) return "a symbolic link (not followed)";
    return std::strerror(err);
}

/// Splits `rel` at its last '/': the directory part ("" for none) and the last name.
std::pair<std::string_view, std::string_view> split_last(std::string_view rel) {
    const size_t slash = rel.rfind('/');
    if (slash == std::string_view::npos) return {{}, rel};
    return {rel.substr(0, slash), rel.substr(slash + 1)};
}

bool is_symlink_at(int dir_fd, const std::string& name) {
#ifdef S_ISLNK
    struct stat st {};
    return ::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
#else
    (void)dir_fd;
    (void)name;
    return false;
#endif
}

bool bad_component(std::string_view part) {
    return part.empty() || part == "." || part == "..";
}

}  // namespace

UniqueFd open_directory(const std::filesystem::path& path, std::string& error) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK));
    if (!fd) error = std::strerror(errno);
    return fd;
}

UniqueFd open_bundle_dir(int dir_fd, std::string_view rel, std::string& error) {
    UniqueFd current;
    int at = dir_fd;
    while (true) {
        const size_t slash = rel.find('/');
        const std::string part(rel.substr(0, slash));
        if (bad_component(part)) {
            error = "path with an empty, '.' or '..' component";
            return {};
        }
        UniqueFd next(::openat(at, part.c_str(),
                               O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
        if (!next) {
            // O_NOFOLLOW|O_DIRECTORY gives ENOTDIR for a symlink: say which, it is the
            // interesting case.
            const int err = errno;
            error = is_symlink_at(at, part)
                        ? "a symbolic link (not followed)"
                        : (err == ENOTDIR ? "not a directory" : std::strerror(err));
            return {};
        }
        current = std::move(next);
        at = current.get();
        if (slash == std::string_view::npos) return current;
        rel.remove_prefix(slash + 1);
    }
}

BundleFile open_bundle_file(int dir_fd, std::string_view rel, int flags) {
    BundleFile out;
    const auto [dir_part, name] = split_last(rel);
    UniqueFd parent;
    int at = dir_fd;
    if (!dir_part.empty()) {
        parent = open_bundle_dir(dir_fd, dir_part, out.error);
        if (!parent) return out;
        at = parent.get();
    }
    if (bad_component(name)) {
        out.error = "path with an empty, '.' or '..' component";
        return out;
    }
    const std::string leaf(name);
    out.fd = UniqueFd(::openat(at, leaf.c_str(), flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (!out.fd) {
        out.errno_value = errno;
        out.error = open_error(errno);
        return out;
    }
    struct stat st {};
    if (::fstat(out.fd.get(), &st) != 0) {
        out.error = std::strerror(errno);
        out.fd = UniqueFd();
        return out;
    }
    if (!S_ISREG(st.st_mode)) {
        out.error = std::string("not a regular file (") + file_type_name(st.st_mode) + ")";
        out.fd = UniqueFd();
        return out;
    }
    out.size = static_cast<uint64_t>(st.st_size);
    return out;
}

BundleFile open_input_file(const std::filesystem::path& path) {
    BundleFile out;
    // O_NONBLOCK: open(2) of a FIFO without a writer would wait forever.
    out.fd = UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (!out.fd) {
        out.error = std::strerror(errno);
        return out;
    }
    struct stat st {};
    if (::fstat(out.fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
        out.error = std::string("not a regular file (") + file_type_name(st.st_mode) + ")";
        out.fd = UniqueFd();
        return out;
    }
    out.size = static_cast<uint64_t>(st.st_size);
    return out;
}

namespace {

/// The whole of an open regular file, refused over `max_bytes` without reading it.
std::string read_whole(BundleFile file, uint64_t max_bytes, std::string& error) {
    if (!file.fd) {
        error = file.error;
        return {};
    }
    if (file.size > max_bytes) {
        error = std::to_string(file.size) + " bytes, over the limit of " +
                (max_bytes >= (1u << 20) ? std::to_string(max_bytes >> 20) + " MiB"
                                         : std::to_string(max_bytes >> 10) + " KiB");
        return {};
    }
    std::string out(static_cast<size_t>(file.size), '\0');
    size_t done = 0;
    while (done < out.size()) {
        const ssize_t n =
            ::pread(file.fd.get(), out.data() + done, out.size() - done, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            error = std::strerror(errno);
            return {};
        }
        if (n == 0) break;  // shrank meanwhile: the digest check will say so
        done += static_cast<size_t>(n);
    }
    out.resize(done);
    return out;
}

}  // namespace

std::string read_bundle_text(int dir_fd, std::string_view rel, uint64_t max_bytes,
                             std::string& error) {
    return read_whole(open_bundle_file(dir_fd, rel), max_bytes, error);
}

std::string read_input_text(const std::filesystem::path& path, uint64_t max_bytes,
                            std::string& error) {
    return read_whole(open_input_file(path), max_bytes, error);
}

std::string_view tar_bundle_suffix(std::string_view file_name) {
    for (const std::string_view suffix : {".tar.age", ".tar"}) {
        if (file_name.size() > suffix.size() && file_name.ends_with(suffix)) return suffix;
    }
    return {};
}

bool is_bundle_directory(int dir_fd) {
    struct stat st {};
    return ::fstatat(dir_fd, "manifest.json", &st, AT_SYMLINK_NOFOLLOW) == 0 ||
           ::fstatat(dir_fd, "artifacts", &st, AT_SYMLINK_NOFOLLOW) == 0;
}

BundleProbe probe_bundle(const std::filesystem::path& path) {
    BundleProbe probe;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        probe.error = std::strerror(errno);
        return probe;
    }
    if (S_ISDIR(st.st_mode)) {
        UniqueFd dir = open_directory(path, probe.error);
        if (!dir) return probe;
        if (is_bundle_directory(dir.get())) {
            probe.kind = BundleKind::directory;
        } else {
            probe.error = "not a bundle (no manifest.json, no artifacts/)";
        }
        return probe;
    }
    BundleFile file = open_input_file(path);
    if (!file.fd) {
        probe.error = "not a bundle directory or tar file (" + file.error + ")";
        return probe;
    }
    char block[k_tar_block];
    ssize_t n = 0;
    do {
        n = ::pread(file.fd.get(), block, sizeof block, 0);
    } while (n < 0 && errno == EINTR);
    // age's first line (the binary format; the armored one is refused with its own reason).
    constexpr std::string_view age_magic = "age-encryption.org/v1\n";
    constexpr std::string_view age_armor = "-----BEGIN AGE ENCRYPTED FILE-----";
    const std::string_view head(block, n > 0 ? static_cast<size_t>(n) : 0);
    if (head.substr(0, age_magic.size()) == age_magic) {
        probe.kind = BundleKind::sealed;
        return probe;
    }
    if (head.substr(0, age_armor.size()) == age_armor) {
        probe.error = "an ASCII-armored age file: irsnap reads binary age files (age -d it first)";
        return probe;
    }
    if (n < static_cast<ssize_t>(k_ustar_magic_at + 5) ||
        std::memcmp(block + k_ustar_magic_at, "ustar", 5) != 0) {
        probe.error = "not a bundle (neither a directory nor a tar file)";
        return probe;
    }
    probe.kind = BundleKind::tar;
    return probe;
}

}  // namespace irsnap
