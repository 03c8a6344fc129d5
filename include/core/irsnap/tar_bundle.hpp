// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "irsnap/bundle_output.hpp"

namespace irsnap {

/// A bundle sent as a tar stream (ustar, pax where needed) to a descriptor, normally stdout, so
/// nothing is written to the host's disks (`irsnap -o -` over ssh).
///
/// Tar needs a member's size before its data, so each artifact is held in memory (1 MiB chunks)
/// until it is closed and then sent as one member: the peak memory is about the largest artifact
/// plus collection.log, which is held until the end. The digest covers exactly the bytes held,
/// which are exactly the member's data. Members go out in completion order: the top directory,
/// artifacts/, each artifact, collection.log, manifest.json, manifest.json.sha256, then the
/// end-of-archive marker.
class TarStreamBundle final : public BundleOutput {
  public:
    /// Sends the two directory members at once, so a dead stdout is found before collecting.
    /// Throws OutputError.
    static std::unique_ptr<TarStreamBundle> create(int fd, const std::string& host,
                                                   int64_t start_unix_ns);

    std::string name() const override { return m_name; }
    std::string location() const override { return "stdout, tar stream " + m_name + "/"; }
    std::string kind() const override { return "stream"; }
    std::unique_ptr<ArtifactWriter> create_artifact(const std::string& file_name) override;
    std::unique_ptr<ArtifactWriter> create_file(const std::string& file_name) override;
    /// Sends the member's header now and each write as it comes: memory stays bounded whatever
    /// the size. Nothing else may be sent until it is closed (collectors run one at a time).
    std::unique_ptr<ArtifactWriter> create_sized_artifact(const std::string& file_name,
                                                          uint64_t size) override;
    /// Sends manifest.json, manifest.json.sha256 and the end-of-archive marker.
    std::string write_manifest(const nlohmann::json& manifest) override;

    /// Sends one regular-file member: header, `chunks` in order, padding. Returns 0 or the
    /// errno; after a failure every later member fails with the same error, so a stream is never
    /// resumed after a hole.
    int send_member(const std::string& rel_path, const std::vector<std::string>& chunks,
                    uint64_t size);
    /// A member sent in pieces: the header (with the size), then data, then the padding.
    int begin_member(const std::string& rel_path, uint64_t size);
    int send_data(std::string_view bytes) { return send(bytes); }
    int end_member(uint64_t size);
    /// The message for a failed send, naming the member.
    std::string failure_message(const std::string& rel_path) const;

  private:
    TarStreamBundle(int fd, std::string name) : m_fd(fd), m_name(std::move(name)) {}
    int send(std::string_view bytes);
    int send_directory(const std::string& rel_path);
    std::unique_ptr<ArtifactWriter> create(const std::string& rel_path);

    int m_fd;
    std::string m_name;
    int m_error = 0;
};

}  // namespace irsnap
