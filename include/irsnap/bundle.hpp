// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "irsnap/artifact_writer.hpp"

namespace irsnap {

/// A bundle directory `<host>_<YYYYMMDDTHHMMSSZ>/` being written. It is created fresh (never
/// merged into an existing one) and holds artifacts/, collection.log and the manifest.
class Bundle {
  public:
    /// Creates the bundle under `output_dir` (which is created if only its last component is
    /// missing). If the name is taken, `_2`, `_3` ... are tried. Throws OutputError.
    static std::unique_ptr<Bundle> create(const std::filesystem::path& output_dir,
                                          const std::string& host, int64_t start_unix_ns);
    ~Bundle();
    Bundle(const Bundle&) = delete;
    Bundle& operator=(const Bundle&) = delete;

    const std::filesystem::path& path() const { return m_path; }
    std::string name() const { return m_path.filename().string(); }

    /// A new file under artifacts/, e.g. "01_processes.jsonl".
    std::unique_ptr<ArtifactWriter> create_artifact(const std::string& file_name);
    /// A new file at the bundle's top level, e.g. "collection.log".
    std::unique_ptr<ArtifactWriter> create_file(const std::string& file_name);

    /// Writes manifest.json atomically (temp file, fsync, rename) and then manifest.json.sha256
    /// in `sha256sum -c` format. Returns the manifest's digest. Throws OutputError.
    std::string write_manifest(const nlohmann::json& manifest);

  private:
    Bundle(std::filesystem::path path, int dirfd, int artifacts_fd);
    void replace_atomically(const std::string& name, const std::string& content,
                            std::string* digest);

    std::filesystem::path m_path;
    int m_dirfd = -1;
    int m_artifacts_fd = -1;
};

}  // namespace irsnap
