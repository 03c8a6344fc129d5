// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "irsnap/bundle_output.hpp"
#include "irsnap/unique_fd.hpp"

namespace irsnap {

/// `<host>_<YYYYMMDDTHHMMSSZ>`: the name every output form starts from (a bundle directory, a
/// tar stream's top directory, a sealed file), before any `_2` for a taken name.
std::string bundle_base_name(const std::string& host, int64_t start_unix_ns);

/// A new file beside where bundle directories go (a sealed bundle's `.tar.age`).
struct NewOutputFile {
    UniqueFd fd;
    std::string name;  ///< `<host>_<YYYYMMDDTHHMMSSZ>[_N]`, without the suffix
    std::filesystem::path path;
};
/// Creates `<output_dir>/<name><suffix>` (O_EXCL, mode 0600) under the name rule of a bundle
/// directory, so a sealed bundle and its tar's top directory share one name. Throws OutputError.
NewOutputFile create_output_file(const std::filesystem::path& output_dir, const std::string& host,
                                 int64_t start_unix_ns, const std::string& suffix);

/// A bundle directory `<host>_<YYYYMMDDTHHMMSSZ>/` being written. It is created fresh (never
/// merged into an existing one) and holds artifacts/, collection.log and the manifest.
class Bundle final : public BundleOutput {
  public:
    /// Creates the bundle under `output_dir` (which is created if only its last component is
    /// missing). If the name is taken, `_2`, `_3` ... are tried. Throws OutputError.
    static std::unique_ptr<Bundle> create(const std::filesystem::path& output_dir,
                                          const std::string& host, int64_t start_unix_ns);
    ~Bundle() override;
    Bundle(const Bundle&) = delete;
    Bundle& operator=(const Bundle&) = delete;

    const std::filesystem::path& path() const { return m_path; }
    std::string name() const override { return m_path.filename().string(); }
    std::string location() const override { return m_path.string(); }
    std::string kind() const override { return "directory"; }

    std::unique_ptr<ArtifactWriter> create_artifact(const std::string& file_name) override;
    std::unique_ptr<ArtifactWriter> create_file(const std::string& file_name) override;

    /// Writes manifest.json atomically (temp file, fsync, rename) and then manifest.json.sha256
    /// in `sha256sum -c` format. Returns the manifest's digest. Throws OutputError.
    /// Both are written into space reserved when the bundle was created, so a disk that fills
    /// up during the run still takes the manifest that makes the partial bundle verifiable.
    std::string write_manifest(const nlohmann::json& manifest) override;

  private:
    Bundle(std::filesystem::path path, int dirfd, int artifacts_fd);
    void replace_atomically(const std::string& name, const std::string& content, int& reserved_fd);

    std::filesystem::path m_path;
    int m_dirfd = -1;
    int m_artifacts_fd = -1;
    int m_manifest_reserve_fd = -1;  ///< manifest.json.tmp, preallocated
    int m_digest_reserve_fd = -1;    ///< manifest.json.sha256.tmp, preallocated
};

/// Bytes preallocated for manifest.json: far above a manifest with every error list full.
inline constexpr long k_manifest_reserve_bytes = 256 * 1024;

}  // namespace irsnap
