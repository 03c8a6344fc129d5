// SPDX-License-Identifier: Apache-2.0
// libarchive is linked in every build (CMake target irsnap::libarchive: Debian's shared library in
// dynamic trees, scripts/build-libarchive.sh's static one in the field binaries): one ZipCrypto
// stored entry written to memory through a callback, as specimen archives will be written
// (docs/design/specimen-archives.md). Runs on Linux and, under Wine, in the Windows unit tests.
#include <gtest/gtest.h>

#include <archive.h>
#include <archive_entry.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace {

la_ssize_t append_to_string(archive* /*a*/, void* sink, const void* data, size_t size) {
    static_cast<std::string*>(sink)->append(static_cast<const char*>(data), size);
    return static_cast<la_ssize_t>(size);
}

struct ArchiveFree {
    void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryFree {
    void operator()(archive_entry* e) const { archive_entry_free(e); }
};

}  // namespace

TEST(Libarchive, WritesZipCryptoStoredEntryToMemory) {
    std::string zip;
    const std::unique_ptr<archive, ArchiveFree> owner(archive_write_new());
    archive* a = owner.get();
    ASSERT_NE(a, nullptr);
    ASSERT_EQ(archive_write_set_format_zip(a), ARCHIVE_OK) << archive_error_string(a);
    ASSERT_EQ(archive_write_set_options(a, "zip:compression=store,zip:encryption=zipcrypt"),
              ARCHIVE_OK)
        << archive_error_string(a);
    ASSERT_EQ(archive_write_set_passphrase(a, "infected"), ARCHIVE_OK) << archive_error_string(a);
    // Without this the callback gets the tail padded with zeros to a whole 10240-byte block.
    ASSERT_EQ(archive_write_set_bytes_in_last_block(a, 1), ARCHIVE_OK);
    ASSERT_EQ(archive_write_open2(a, &zip, nullptr, append_to_string, nullptr, nullptr), ARCHIVE_OK)
        << archive_error_string(a);

    const std::string_view body = "specimen bytes, stored encrypted\n";
    const std::unique_ptr<archive_entry, EntryFree> entry(archive_entry_new());
    archive_entry_copy_pathname(entry.get(), "specimens/sample.bin");
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), 0600);
    archive_entry_set_size(entry.get(), static_cast<la_int64_t>(body.size()));
    ASSERT_EQ(archive_write_header(a, entry.get()), ARCHIVE_OK) << archive_error_string(a);
    ASSERT_EQ(archive_write_data(a, body.data(), body.size()),
              static_cast<la_ssize_t>(body.size()));
    ASSERT_EQ(archive_write_finish_entry(a), ARCHIVE_OK) << archive_error_string(a);
    ASSERT_EQ(archive_write_close(a), ARCHIVE_OK) << archive_error_string(a);

    ASSERT_GE(zip.size(), 30U);
    EXPECT_EQ(zip.substr(0, 4), std::string("PK\x03\x04", 4));
    // General purpose flags of the local header: bit 0, encrypted.
    EXPECT_EQ(static_cast<std::uint8_t>(zip[6]) & 1U, 1U);
    EXPECT_EQ(zip.find(body), std::string::npos) << "the entry was stored in clear";
    // The archive is complete: it ends with the end-of-central-directory record.
    EXPECT_NE(zip.rfind(std::string("PK\x05\x06", 4)), std::string::npos);
}
