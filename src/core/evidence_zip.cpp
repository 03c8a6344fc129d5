// SPDX-License-Identifier: Apache-2.0
#include "irsnap/evidence_zip.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cerrno>
#include <exception>
#include <string_view>

namespace irsnap {
namespace {

constexpr size_t k_copy_chunk = 256 * 1024;

/// libarchive takes ASCII names only (a non-ASCII name crashes it without iconv, and invalid
/// UTF-8 makes Python refuse the whole archive): callers pass hashes or escaped paths, and this
/// is the last guard.
std::string ascii_name(const std::string& name) {
    std::string out = name;
    for (char& c : out) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u > 0x7e) c = '_';
    }
    return out.empty() ? std::string("_") : out;
}

/// Where libarchive's bytes go: an ArtifactWriter, or only a byte count (the size dry run).
struct Sink {
    ArtifactWriter* out = nullptr;
    uint64_t bytes = 0;
    std::exception_ptr failure;  ///< an OutputError thrown while libarchive was on the stack
};

la_ssize_t write_callback(struct archive*, void* user, const void* data, size_t size) {
    auto* sink = static_cast<Sink*>(user);
    try {
        if (sink->out) sink->out->write({static_cast<const char*>(data), size});
        sink->bytes += size;
        return static_cast<la_ssize_t>(size);
    } catch (...) {
        // An exception must not unwind through libarchive's C frames: keep it for the caller.
        sink->failure = std::current_exception();
        return -1;
    }
}

/// One libarchive ZIP writer set up the one way evidence is stored.
struct ZipStream {
    struct archive* archive = nullptr;
    Sink sink;
    std::string label;  ///< names the artifact in errors

    explicit ZipStream(ArtifactWriter* out, ZipCompression compression = ZipCompression::store) {
        sink.out = out;
        label = out ? out->name() : "(size estimate)";
        archive = archive_write_new();
        if (!archive) throw OutputError(label, ENOMEM);
        // The order matters: format, options, passphrase, then open.
        if (archive_write_set_format_zip(archive) != ARCHIVE_OK ||
            archive_write_set_options(archive,
                                      compression == ZipCompression::store
                                          ? "zip:compression=store,zip:encryption=zipcrypt"
                                          : "zip:compression=deflate,zip:compression-level=1,"
                                            "zip:encryption=zipcrypt") != ARCHIVE_OK ||
            archive_write_set_passphrase(archive, k_evidence_zip_password) != ARCHIVE_OK ||
            archive_write_set_bytes_per_block(archive, 64 * 1024) != ARCHIVE_OK ||
            // Without this the tail is padded with zeros to a whole block.
            archive_write_set_bytes_in_last_block(archive, 1) != ARCHIVE_OK ||
            archive_write_open2(archive, &sink, nullptr, write_callback, nullptr, nullptr) !=
                ARCHIVE_OK) {
            fail("cannot start the ZIP archive");
        }
    }

    ZipStream(const ZipStream&) = delete;  // libarchive holds &sink
    ZipStream& operator=(const ZipStream&) = delete;

    ~ZipStream() {
        if (archive) archive_write_free(archive);
    }

    [[noreturn]] void fail(std::string_view what) {
        if (sink.failure) std::rethrow_exception(sink.failure);
        const char* detail = archive ? archive_error_string(archive) : nullptr;
        throw OutputError(label, EIO,
                          "cannot write " + label + ": " + std::string(what) +
                              (detail ? std::string(": ") + detail : std::string()));
    }

    void header(const ZipMemberPlan& plan) {
        struct archive_entry* entry = archive_entry_new();
        if (!entry) throw OutputError(label, ENOMEM);
        archive_entry_copy_pathname(entry, ascii_name(plan.name).c_str());
        archive_entry_set_filetype(entry, AE_IFREG);
        archive_entry_set_perm(entry, 0600);  // never executable when unpacked
        archive_entry_set_mtime(entry, plan.mtime_unix, 0);
        // A declared size of 0 is stored unencrypted: an encrypted empty entry is unreadable
        // (libarchive writes the ZipCrypto header only with the first byte of data).
        archive_entry_set_size(entry, static_cast<la_int64_t>(plan.size));
        const int status = archive_write_header(archive, entry);
        archive_entry_free(entry);
        if (status != ARCHIVE_OK) fail("cannot add member " + ascii_name(plan.name));
    }

    void data(const char* bytes, size_t size) {
        while (size > 0) {
            const la_ssize_t n = archive_write_data(archive, bytes, size);
            if (n <= 0) fail("cannot write member data");
            bytes += n;
            size -= static_cast<size_t>(n);
        }
    }

    void finish_entry() {
        if (archive_write_finish_entry(archive) != ARCHIVE_OK) fail("cannot finish a member");
    }

    void close() {
        if (archive_write_close(archive) != ARCHIVE_OK) fail("cannot write the central directory");
    }
};

}  // namespace

struct EvidenceZipWriter::Impl : ZipStream {
    using ZipStream::ZipStream;
};

uint64_t evidence_zip_size(const std::vector<ZipMemberPlan>& members) {
    ZipStream dry(nullptr);
    uint64_t rest = 0;
    const char one = 'x';
    for (const auto& member : members) {
        ZipMemberPlan small = member;
        small.size = std::min<uint64_t>(member.size, 1);
        dry.header(small);
        if (small.size) dry.data(&one, 1);
        dry.finish_entry();
        rest += member.size - small.size;
    }
    dry.close();
    return dry.sink.bytes + rest;
}

EvidenceZipWriter::EvidenceZipWriter(ArtifactWriter& out, ZipCompression compression)
    : m_impl(std::make_unique<Impl>(&out, compression)) {}

EvidenceZipWriter::~EvidenceZipWriter() = default;

ZipMemberResult EvidenceZipWriter::add(const ZipMemberPlan& plan, const ZipSource& source) {
    ZipMemberResult result;
    Sha256 digest;
    m_impl->header(plan);
    std::string buffer(k_copy_chunk, '\0');
    uint64_t left = plan.size;
    while (left > 0) {
        const size_t want = static_cast<size_t>(std::min<uint64_t>(left, buffer.size()));
        long n = 0;
        if (!result.ended_early) {
            n = source(buffer.data(), want);
            if (n < 0) result.error = static_cast<int>(-n);
            if (n <= 0) result.ended_early = true;
        }
        if (result.ended_early) {
            // The size was announced: zeros keep the archive (and a tar stream) well formed,
            // and the record says the member ends early.
            std::fill(buffer.begin(), buffer.begin() + static_cast<long>(want), '\0');
            n = static_cast<long>(want);
        } else {
            result.bytes_read += static_cast<uint64_t>(n);
        }
        digest.update(buffer.data(), static_cast<size_t>(n));
        m_impl->data(buffer.data(), static_cast<size_t>(n));
        left -= static_cast<uint64_t>(n);
    }
    if (!result.ended_early) {
        char probe = 0;
        result.more_remained = source(&probe, 1) > 0;
    }
    m_impl->finish_entry();
    result.sha256 = digest.finish_hex();
    ++m_members;
    return result;
}

void EvidenceZipWriter::close() {
    m_impl->close();
}

}  // namespace irsnap
