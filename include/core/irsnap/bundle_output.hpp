// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "irsnap/artifact_writer.hpp"

namespace irsnap {

/// Where a bundle goes: a directory (Bundle) or a tar stream on stdout (TarStreamBundle). The
/// runner and the collect command see only this, so both outputs hold the same files.
class BundleOutput {
  public:
    virtual ~BundleOutput() = default;
    /// `<host>_<YYYYMMDDTHHMMSSZ>`: the directory, or the tar's one top directory.
    virtual std::string name() const = 0;
    /// What to tell the operator: the directory path, or "stdout, tar stream <name>/".
    virtual std::string location() const = 0;
    /// "directory" or "stream", recorded as the manifest's `output`.
    virtual std::string kind() const = 0;
    /// A new file under artifacts/, e.g. "01_processes.jsonl".
    virtual std::unique_ptr<ArtifactWriter> create_artifact(const std::string& file_name) = 0;
    /// A new file under artifacts/ that will hold exactly `size` bytes (an evidence archive).
    /// A stream announces the size and sends the bytes as they come instead of holding them, so
    /// memory stays bounded whatever the archive's size; a directory ignores the size.
    virtual std::unique_ptr<ArtifactWriter> create_sized_artifact(const std::string& file_name,
                                                                  uint64_t size) {
        (void)size;
        return create_artifact(file_name);
    }
    /// A new file at the bundle's top level, e.g. "collection.log".
    virtual std::unique_ptr<ArtifactWriter> create_file(const std::string& file_name) = 0;
    /// Writes manifest.json and then manifest.json.sha256 (`sha256sum -c` format), last of all.
    /// Returns the manifest's digest. Throws OutputError.
    virtual std::string write_manifest(const nlohmann::json& manifest) = 0;
};

}  // namespace irsnap
