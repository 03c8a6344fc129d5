// SPDX-License-Identifier: Apache-2.0
#include "irsnap/sealed_input.hpp"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "irsnap/bundle_fs.hpp"

namespace irsnap {
namespace {

std::mutex g_identities_mutex;
std::vector<age::Identity> g_identities;

std::vector<age::Identity> identities() {
    std::lock_guard lock(g_identities_mutex);
    return g_identities;
}

/// One read of at most `size` bytes; -1 on an error (errno set). A non-blocking descriptor (some
/// shells hand stdin over that way) is waited on, not taken for an error.
ssize_t read_some(int fd, char* buffer, size_t size) {
    while (true) {
        const ssize_t n = ::read(fd, buffer, size);
        if (n >= 0) return n;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            pollfd p{fd, POLLIN, 0};
            ::poll(&p, 1, 1000);
            continue;
        }
        if (errno != EINTR) return n;
    }
}

bool starts_with_age_magic(int fd) {
    char head[age::k_magic.size()];
    ssize_t n = 0;
    do {
        n = ::pread(fd, head, sizeof head, 0);
    } while (n < 0 && errno == EINTR);
    return n == static_cast<ssize_t>(sizeof head) &&
           std::memcmp(head, age::k_magic.data(), sizeof head) == 0;
}

}  // namespace

void set_unseal_identities(std::vector<age::Identity> ids) {
    std::lock_guard lock(g_identities_mutex);
    g_identities = std::move(ids);
}

bool have_unseal_identities() {
    std::lock_guard lock(g_identities_mutex);
    return !g_identities.empty();
}

/// The decrypting side: the age file, the pipe's write end and the thread between them.
struct TarInput::Sealed {
    UniqueFd file;
    UniqueFd write_end;
    std::unique_ptr<age::Decryptor> decryptor;
    /// Set when the reader went away (finished early): the rest is still authenticated, just
    /// not delivered, so the verdict covers every chunk of the file.
    std::atomic<bool> discard{false};
    std::thread thread;
    std::string display;
    std::string failure;  ///< written by the thread, read after join

    int deliver(std::string_view plain) {
        while (!plain.empty() && !discard.load()) {
            const ssize_t n = ::write(write_end.get(), plain.data(), plain.size());
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                discard = true;  // EPIPE: the reader is done with the tar
                break;
            }
            plain.remove_prefix(static_cast<size_t>(n));
        }
        return 0;
    }

    void run() {
        std::string buffer(age::k_chunk_bytes + age::k_tag_bytes, '\0');
        bool ok = true;
        while (ok) {
            const ssize_t n = read_some(file.get(), buffer.data(), buffer.size());
            if (n < 0) {
                failure = fmt::format("{}: read failed: {}", display, std::strerror(errno));
                write_end.reset();
                return;
            }
            if (n == 0) break;
            ok = decryptor->feed(std::string_view(buffer.data(), static_cast<size_t>(n)));
        }
        if (ok) decryptor->finish();
        if (decryptor->error().failure != age::Failure::none) {
            failure = fmt::format("{}: {}", display, decryptor->error().message);
        }
        write_end.reset();  // the tar reader sees the end (or the cut)
    }
};

TarInput::TarInput() = default;
TarInput::TarInput(TarInput&&) noexcept = default;
TarInput& TarInput::operator=(TarInput&& other) noexcept {
    if (this != &other) {
        finish();  // never drop a running thread (a joinable std::thread would terminate)
        m_fd = std::move(other.m_fd);
        m_sealed = std::move(other.m_sealed);
        m_error = std::move(other.m_error);
        m_integrity = other.m_integrity;
    }
    return *this;
}

TarInput::~TarInput() {
    finish();
}

TarInput TarInput::open(const std::filesystem::path& path) {
    TarInput in;
    BundleFile file = open_input_file(path);
    if (!file.fd) {
        in.m_error = "cannot open " + path.string() + ": " + file.error;
        return in;
    }
    const bool sealed = starts_with_age_magic(file.fd.get());
    // Back to the start: on Windows pread moves the file position (ReadFile with an offset).
    if (::lseek(file.fd.get(), 0, SEEK_SET) != 0) {
        in.m_error = "cannot read " + path.string() + ": " + std::strerror(errno);
        return in;
    }
    if (!sealed) {
        in.m_fd = std::move(file.fd);
        return in;
    }
    return open_sealed_fd(file.fd.release(), path.string());
}

TarInput TarInput::open_sealed_fd(int fd, std::string display) {
    TarInput in;
    auto sealed = std::make_unique<Sealed>();
    sealed->file = UniqueFd(fd);
    sealed->display = std::move(display);
    auto ids = identities();
    if (ids.empty()) {
        in.m_error = fmt::format(
            "{} is a sealed bundle (age): give the identity it was sealed to with -i KEYFILE",
            sealed->display);
        return in;
    }
    int fds[2];
    if (::pipe(fds) != 0) {
        in.m_error =
            fmt::format("{}: cannot create a pipe: {}", sealed->display, std::strerror(errno));
        return in;
    }
    // A reader that stops early closes the pipe: the decrypting thread's write must then fail
    // (EPIPE), not kill the process.
    ::signal(SIGPIPE, SIG_IGN);
    UniqueFd read_end(fds[0]);
    sealed->write_end = UniqueFd(fds[1]);
    Sealed* raw = sealed.get();
    sealed->decryptor = std::make_unique<age::Decryptor>(
        std::move(ids), [raw](std::string_view plain) { return raw->deliver(plain); });
    // The header on this thread, in small reads (less than one chunk, so no plaintext is
    // released yet): a wrong key or an altered header is a one-line error before any reading.
    char piece[4096];
    while (!raw->decryptor->header_done()) {
        const ssize_t n = read_some(raw->file.get(), piece, sizeof piece);
        if (n < 0) {
            in.m_error = fmt::format("{}: read failed: {}", raw->display, std::strerror(errno));
            return in;
        }
        const bool ok =
            n == 0 ? raw->decryptor->finish() : raw->decryptor->feed(std::string_view(piece, n));
        if (!ok || n == 0) break;
    }
    const age::DecryptError& error = raw->decryptor->error();
    if (error.failure != age::Failure::none) {
        in.m_integrity = error.failure != age::Failure::no_match;
        in.m_error = fmt::format("{}: {}", raw->display, error.message);
        return in;
    }
    raw->thread = std::thread([raw] { raw->run(); });
    in.m_fd = std::move(read_end);
    in.m_sealed = std::move(sealed);
    return in;
}

std::string TarInput::finish() {
    if (!m_sealed) return {};
    if (m_sealed->thread.joinable()) {
        m_fd.reset();  // the thread's next write fails: it authenticates the rest undelivered
        m_sealed->thread.join();
    }
    return m_sealed->failure;
}

void TarInput::finish_into(VerifyReport& report) {
    const std::string failure = finish();
    // First: it is the cause of whatever the tar reader then found cut or missing.
    if (!failure.empty()) {
        report.problems.insert(report.problems.begin(),
                               {"(sealed file)", "decryption failed", failure});
    }
}

}  // namespace irsnap
