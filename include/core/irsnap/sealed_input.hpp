// SPDX-License-Identifier: Apache-2.0
// Reading sealed bundles (.tar.age) on the analyst side: verify, unpack, extract, triage, stack
// and export take them with -i/--identity and read the tar inside as a stream, decrypted on a
// thread into a pipe, so memory stays bounded and no plaintext is written anywhere.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "irsnap/age.hpp"
#include "irsnap/unique_fd.hpp"
#include "irsnap/verify.hpp"

namespace irsnap {

/// The analyst's identities (-i), set once by the CLI before any bundle is opened.
void set_unseal_identities(std::vector<age::Identity> identities);
bool have_unseal_identities();

/// A bundle file read as a tar stream: a tar file itself, or a sealed one decrypted as it is
/// read. Open it again for a second pass (a sealed file is decrypted again; nothing is kept).
class TarInput {
  public:
    /// `path` a tar or a sealed bundle file. Fails (error() set, one line) when it cannot be
    /// opened or, sealed, when no identity was given or none opens it, or its header is
    /// malformed or altered.
    static TarInput open(const std::filesystem::path& path);
    /// A sealed stream already open (stdin with `verify -i KEY -`); takes ownership of `fd`.
    static TarInput open_sealed_fd(int fd, std::string display);
    TarInput();  ///< not open
    TarInput(TarInput&&) noexcept;
    TarInput& operator=(TarInput&&) noexcept;
    ~TarInput();

    explicit operator bool() const { return static_cast<bool>(m_fd); }
    /// The tar bytes: the file itself, or the read end of the decrypting pipe.
    int fd() const { return m_fd.get(); }
    bool sealed() const { return m_sealed != nullptr; }
    const std::string& error() const { return m_error; }
    /// The failure is the file's integrity (malformed, altered, cut): exit code 5, not 2.
    bool integrity_failure() const { return m_integrity; }
    /// After the reader is done: stops the pipe, authenticates the rest of a sealed file, and
    /// returns its failure in one line (which chunk, which byte offset), "" when whole.
    std::string finish();
    /// finish() as a verify problem on `report` (path "(sealed file)").
    void finish_into(VerifyReport& report);

  private:
    struct Sealed;
    UniqueFd m_fd;
    std::unique_ptr<Sealed> m_sealed;
    std::string m_error;
    bool m_integrity = false;
};

}  // namespace irsnap
