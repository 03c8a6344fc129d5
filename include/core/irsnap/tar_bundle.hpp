// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "irsnap/bundle_output.hpp"

namespace irsnap {

/// Where a tar stream's bytes go: a descriptor (stdout, a sealed file), or an age sealer in
/// front of one (sealed_output.hpp).
class ByteSink {
  public:
    virtual ~ByteSink() = default;
    /// All of `bytes`, or the errno of the failure.
    virtual int write(std::string_view bytes) = 0;
    /// After the end-of-archive marker: seal the last chunk, flush to the disk. 0 or errno.
    virtual int close() { return 0; }
    /// For messages: "stdout", or the sealed file's path.
    virtual std::string where() const = 0;
};

/// Writes to `fd` (waiting out a non-blocking descriptor's EAGAIN). With `sync_on_close`,
/// close() fsyncs it (a file the run created); the descriptor is never closed here.
std::unique_ptr<ByteSink> make_fd_sink(int fd, std::string where, bool sync_on_close = false);

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
    /// The same into any sink, under the top directory `name`; `location` is what the operator
    /// is told (a sealed run: the .tar.age path).
    static std::unique_ptr<TarStreamBundle> create(std::unique_ptr<ByteSink> sink, std::string name,
                                                   std::string location);

    std::string name() const override { return m_name; }
    std::string location() const override { return m_location; }
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
    TarStreamBundle(std::unique_ptr<ByteSink> sink, std::string name, std::string location)
        : m_sink(std::move(sink)), m_name(std::move(name)), m_location(std::move(location)) {}
    int send(std::string_view bytes);
    int send_directory(const std::string& rel_path);
    std::unique_ptr<ArtifactWriter> create(const std::string& rel_path);

    std::unique_ptr<ByteSink> m_sink;
    std::string m_name;
    std::string m_location;
    int m_error = 0;
};

}  // namespace irsnap
