// SPDX-License-Identifier: Apache-2.0
// Sealed bundles: the tar stream of a run encrypted with age to the analyst's public keys on its
// way out (docs/sealing.md). The plaintext exists only in memory, one 64 KiB chunk at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "irsnap/age.hpp"
#include "irsnap/hash.hpp"
#include "irsnap/tar_bundle.hpp"

namespace irsnap {

/// The file a prepared stick carries beside the executable: every run from it is sealed.
inline constexpr const char* k_recipients_file_name = "irsnap.recipients";
/// A recipients file larger than this is not one (a few keys take a few hundred bytes).
inline constexpr uint64_t k_max_recipients_file_bytes = 64 * 1024;

/// To whom a run seals, and where that was decided.
struct SealPlan {
    std::vector<age::Recipient> recipients;  ///< empty: not sealed
    /// "--recipient", "--recipients-file PATH" or "PATH (beside the executable)".
    std::string source;
};

/// The recipients of a run: --recipient keys and --recipients-file's (both may be given);
/// with neither, irsnap.recipients in `executable_dir` when it exists. Throws UsageError (one
/// line naming the key or the file's line) when a key is not an age1 key or a file unreadable:
/// a run the analyst meant to seal must never go out in plaintext.
SealPlan resolve_seal_plan(const std::vector<std::string>& keys, const std::string& keys_file,
                           const std::filesystem::path& executable_dir);

/// An age recipients file (one age1 key a line, `#` comments): a regular file only, at most
/// k_max_recipients_file_bytes. `error` says why not.
std::vector<age::Recipient> read_recipients_file(const std::filesystem::path& path,
                                                 std::string& error);

/// Seals what is written to it and hands the age file to `target`, hashing the sealed bytes
/// (what the courier can check without the key).
class SealedSink final : public ByteSink {
  public:
    /// Sends the age header at once. Throws OutputError when `target` refuses it.
    SealedSink(std::unique_ptr<ByteSink> target, std::vector<age::Recipient> recipients);
    int write(std::string_view bytes) override;
    /// Seals the last chunk, then closes the target.
    int close() override;
    std::string where() const override { return m_target->where(); }
    /// SHA-256 of every sealed byte sent; final after close().
    std::string sealed_sha256();
    uint64_t sealed_bytes() const { return m_sealed_bytes; }

  private:
    std::unique_ptr<ByteSink> m_target;
    Sha256 m_hash;
    std::string m_digest;
    uint64_t m_sealed_bytes = 0;
    age::Encryptor m_age;
};

}  // namespace irsnap
