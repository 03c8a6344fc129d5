// SPDX-License-Identifier: Apache-2.0
// The rpm header format as rpm's lib/header.c reads it (hdrblobInit, hdrblobVerifyInfo,
// dataLength): the same sanity limits, checked before any byte of an entry's data is read.
#include "irsnap/linux/rpm_header.hpp"

#include <array>
#include <cstring>
#include <string_view>
#include <type_traits>
#include <utility>

namespace irsnap::rpm {
namespace {

enum Type : uint32_t {
    k_char = 1,
    k_int8 = 2,
    k_int16 = 3,
    k_int32 = 4,
    k_int64 = 5,
    k_string = 6,
    k_bin = 7,
    k_string_array = 8,
    k_i18n_string = 9,
};

enum Tag : uint32_t {
    k_name = 1000,
    k_version = 1001,
    k_release = 1002,
    k_epoch = 1003,
    k_arch = 1022,
    k_old_filenames = 1027,
    k_file_modes = 1030,
    k_file_digests = 1035,
    k_file_flags = 1037,
    k_dir_indexes = 1116,
    k_basenames = 1117,
    k_dirnames = 1118,
    k_file_digest_algo = 5011,
};
// The tags read, in one table so each keeps its first index entry.
constexpr std::array k_wanted{
    k_name,          k_version,    k_release,         k_epoch,      k_arch,
    k_old_filenames, k_file_modes, k_file_digests,    k_file_flags, k_dir_indexes,
    k_basenames,     k_dirnames,   k_file_digest_algo};

// rpm's own limits (header.c): at most 0xffff index entries, 256 MiB of data.
constexpr uint32_t k_max_entries = 0xffff;
constexpr uint32_t k_max_data = 0x0fffffff;
constexpr size_t k_intro_size = 8;
constexpr size_t k_entry_size = 16;
// A hostile header can name one long directory from every DIRINDEXES slot: a 1 MiB blob would
// expand to gigabytes of paths. The largest real packages list a few MiB of paths.
constexpr size_t k_max_path_bytes = 64u << 20;

uint32_t be32(const uint8_t* p) {
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
uint16_t be16(const uint8_t* p) {
    return static_cast<uint16_t>((p[0] << 8) | p[1]);
}

ItemError fail(std::string message) {
    return ItemError::without_code("parse", "", "rpm header: " + std::move(message));
}

// Size and alignment of one element (header.c's typeSizes/typeAlign); 0 for the string types.
size_t element_size(uint32_t type) {
    switch (type) {
        case k_int16:
            return 2;
        case k_int32:
            return 4;
        case k_int64:
            return 8;
        case k_string:
        case k_string_array:
        case k_i18n_string:
            return 0;
        default:
            return 1;  // char, int8, bin
    }
}

/// One index entry whose data was found to lie within the data section.
struct Entry {
    uint32_t tag = 0;
    uint32_t type = 0;
    uint32_t count = 0;
    std::span<const uint8_t> data;  ///< exactly the entry's bytes
};

std::string describe(const Entry& e) {
    return "tag " + std::to_string(e.tag) + " (type " + std::to_string(e.type) + ", count " +
           std::to_string(e.count) + ")";
}

/// Checks one index entry as rpm's hdrblobVerifyInfo does and returns its bytes.
Result<Entry> check_entry(const uint8_t* index, std::span<const uint8_t> data) {
    Entry e;
    e.tag = be32(index);
    e.type = be32(index + 4);
    const uint32_t offset = be32(index + 8);  // int32 on disk: a negative one is > k_max_data
    e.count = be32(index + 12);
    const std::string what = "tag " + std::to_string(e.tag);
    if (e.type < k_char || e.type > k_i18n_string) {
        return fail(what + ": unknown type " + std::to_string(e.type));
    }
    if (offset > data.size()) {
        return fail(what + ": offset " + std::to_string(offset) + " beyond the " +
                    std::to_string(data.size()) + " data bytes");
    }
    const size_t size = element_size(e.type);
    if (size > 1 && offset % size != 0) {
        return fail(what + ": offset " + std::to_string(offset) + " not aligned for its type");
    }
    // rpm refuses an entry of no data (dataLength() <= 0): count 0 included.
    if (e.count == 0) return fail(what + ": count 0");
    const auto rest = data.subspan(offset);
    if (size > 0) {
        if (e.count > rest.size() / size) {
            return fail(what + ": " + std::to_string(e.count) + " elements of " +
                        std::to_string(size) + " bytes do not fit in the " +
                        std::to_string(rest.size()) + " bytes after offset " +
                        std::to_string(offset));
        }
        e.data = rest.first(size_t{e.count} * size);
        return e;
    }
    if (e.type == k_string && e.count != 1) return fail(what + ": a STRING with count != 1");
    // Each string is at least its NUL: bounding the count first keeps the walk linear.
    if (e.count > rest.size()) {
        return fail(what + ": " + std::to_string(e.count) + " strings cannot fit in " +
                    std::to_string(rest.size()) + " bytes");
    }
    size_t used = 0;
    for (uint32_t i = 0; i < e.count; ++i) {
        const void* nul = std::memchr(rest.data() + used, 0, rest.size() - used);
        if (nul == nullptr)
            return fail(what + ": string " + std::to_string(i) + " not NUL-terminated");
        used = static_cast<size_t>(static_cast<const uint8_t*>(nul) - rest.data()) + 1;
    }
    e.data = rest.first(used);
    return e;
}

/// The entries found for the wanted tags (the first of each), every entry checked.
struct Entries {
    std::array<std::optional<Entry>, k_wanted.size()> found;

    const Entry* get(Tag tag) const {
        for (size_t i = 0; i < k_wanted.size(); ++i) {
            if (k_wanted[i] == tag) return found[i] ? &*found[i] : nullptr;
        }
        return nullptr;
    }
};

Result<Entries> read_index(std::span<const uint8_t> blob) {
    if (blob.size() < k_intro_size) {
        return fail("truncated: " + std::to_string(blob.size()) + " bytes, the intro alone is 8");
    }
    const uint32_t il = be32(blob.data());
    const uint32_t dl = be32(blob.data() + 4);
    if (il > k_max_entries) return fail("index count " + std::to_string(il) + " over 65535");
    if (dl > k_max_data) return fail("data length " + std::to_string(dl) + " over 256 MiB");
    // Both bounded above, so this cannot overflow.
    const uint64_t expected = k_intro_size + uint64_t{il} * k_entry_size + dl;
    if (blob.size() != expected) {
        return fail("blob is " + std::to_string(blob.size()) + " bytes, its intro says " +
                    std::to_string(expected) + " (" + std::to_string(il) + " entries, " +
                    std::to_string(dl) + " data bytes)");
    }
    const auto data = blob.subspan(k_intro_size + size_t{il} * k_entry_size);
    Entries out;
    for (uint32_t i = 0; i < il; ++i) {
        auto entry = check_entry(blob.data() + k_intro_size + size_t{i} * k_entry_size, data);
        if (!entry) return entry.error();
        for (size_t w = 0; w < k_wanted.size(); ++w) {
            if (k_wanted[w] == entry->tag && !out.found[w]) out.found[w] = *entry;
        }
    }
    return out;
}

/// The strings of a string-typed entry (already checked to hold `count` NUL-terminated ones).
Result<std::vector<std::string_view>> strings_of(const Entry& e) {
    if (e.type != k_string && e.type != k_string_array && e.type != k_i18n_string) {
        return fail(describe(e) + ": expected strings");
    }
    std::vector<std::string_view> out;
    out.reserve(e.count);
    std::string_view rest(reinterpret_cast<const char*>(e.data.data()), e.data.size());
    for (uint32_t i = 0; i < e.count; ++i) {
        const size_t nul = rest.find('\0');
        out.push_back(rest.substr(0, nul));
        rest.remove_prefix(nul + 1);
    }
    return out;
}

Result<std::string> string_of(const Entries& entries, Tag tag) {
    const Entry* e = entries.get(tag);
    if (e == nullptr) return std::string();
    auto all = strings_of(*e);
    if (!all) return all.error();
    return std::string(all->front());
}

Result<std::vector<uint32_t>> ints_of(const Entry& e, uint32_t type) {
    if (e.type != type) {
        return fail(describe(e) + ": expected type " + std::to_string(type));
    }
    std::vector<uint32_t> out;
    out.reserve(e.count);
    const size_t size = element_size(type);
    for (size_t at = 0; at < e.data.size(); at += size) {
        out.push_back(size == 2 ? be16(e.data.data() + at) : be32(e.data.data() + at));
    }
    return out;
}

std::string algorithm_name(uint32_t id) {
    switch (id) {
        case 1:
            return "md5";
        case 2:
            return "sha1";
        case 8:
            return "sha256";
        case 9:
            return "sha384";
        case 10:
            return "sha512";
        case 11:
            return "sha224";
        default:
            return "unknown:" + std::to_string(id);
    }
}

/// The file paths: DIRNAMES[DIRINDEXES[i]] + BASENAMES[i], or the legacy OLDFILENAMES.
Result<std::vector<std::string>> file_paths(const Entries& entries) {
    std::vector<std::string> paths;
    const Entry* basenames = entries.get(k_basenames);
    if (basenames == nullptr) {
        const Entry* old = entries.get(k_old_filenames);
        if (old == nullptr) return paths;
        auto names = strings_of(*old);
        if (!names) return names.error();
        paths.assign(names->begin(), names->end());
        return paths;
    }
    const Entry* dirnames = entries.get(k_dirnames);
    const Entry* dir_indexes = entries.get(k_dir_indexes);
    if (dirnames == nullptr || dir_indexes == nullptr) {
        return fail("BASENAMES without DIRNAMES and DIRINDEXES");
    }
    auto bases = strings_of(*basenames);
    if (!bases) return bases.error();
    auto dirs = strings_of(*dirnames);
    if (!dirs) return dirs.error();
    auto indexes = ints_of(*dir_indexes, k_int32);
    if (!indexes) return indexes.error();
    if (indexes->size() != bases->size()) {
        return fail("DIRINDEXES has " + std::to_string(indexes->size()) + " entries, BASENAMES " +
                    std::to_string(bases->size()));
    }
    size_t total = 0;
    paths.reserve(bases->size());
    for (size_t i = 0; i < bases->size(); ++i) {
        const uint32_t dir = (*indexes)[i];
        if (dir >= dirs->size()) {
            return fail("file " + std::to_string(i) + ": directory index " + std::to_string(dir) +
                        " out of range (" + std::to_string(dirs->size()) + " DIRNAMES)");
        }
        const std::string_view dirname = (*dirs)[dir];
        total += dirname.size() + (*bases)[i].size();
        if (total > k_max_path_bytes) return fail("file paths total over 64 MiB");
        std::string path;
        path.reserve(dirname.size() + (*bases)[i].size());
        path.append(dirname).append((*bases)[i]);
        paths.push_back(std::move(path));
    }
    return paths;
}

/// A per-file array tag: absent, or exactly one element per file.
template <typename T>
Result<std::vector<T>> per_file(const Entries& entries, Tag tag, size_t files, const char* name) {
    const Entry* e = entries.get(tag);
    if (e == nullptr) return std::vector<T>();
    if (e->count != files) {
        return fail(std::string(name) + " has " + std::to_string(e->count) + " entries for " +
                    std::to_string(files) + " files");
    }
    if constexpr (std::is_same_v<T, std::string_view>) {
        return strings_of(*e);
    } else {
        auto ints = ints_of(*e, sizeof(T) == 2 ? k_int16 : k_int32);
        if (!ints) return ints.error();
        return std::vector<T>(ints->begin(), ints->end());
    }
}

}  // namespace

Result<RpmHeader> parse_rpm_header(std::span<const uint8_t> blob) {
    auto entries = read_index(blob);
    if (!entries) return entries.error();
    RpmHeader h;
    for (auto [tag, field] : {std::pair{k_name, &h.name}, std::pair{k_version, &h.version},
                              std::pair{k_release, &h.release}, std::pair{k_arch, &h.arch}}) {
        auto text = string_of(*entries, tag);
        if (!text) return text.error();
        *field = std::move(*text);
    }
    if (h.name.empty()) return fail("no NAME");
    if (const Entry* epoch = entries->get(k_epoch)) {
        auto value = ints_of(*epoch, k_int32);
        if (!value) return value.error();
        h.epoch = value->front();
    }
    h.digest_algorithm = "md5";  // rpm's default when FILEDIGESTALGO is absent
    if (const Entry* algo = entries->get(k_file_digest_algo)) {
        auto value = ints_of(*algo, k_int32);
        if (!value) return value.error();
        h.digest_algorithm = algorithm_name(value->front());
    }

    auto paths = file_paths(*entries);
    if (!paths) return paths.error();
    const size_t n = paths->size();
    auto modes = per_file<uint16_t>(*entries, k_file_modes, n, "FILEMODES");
    if (!modes) return modes.error();
    auto flags = per_file<uint32_t>(*entries, k_file_flags, n, "FILEFLAGS");
    if (!flags) return flags.error();
    auto digests = per_file<std::string_view>(*entries, k_file_digests, n, "FILEDIGESTS");
    if (!digests) return digests.error();

    h.files.reserve(n);
    for (size_t i = 0; i < n; ++i) {
        RpmFile f;
        f.path = std::move((*paths)[i]);
        if (f.path.empty()) return fail("file " + std::to_string(i) + " has an empty path");
        if (!digests->empty()) f.digest = (*digests)[i];
        if (!flags->empty()) f.flags = (*flags)[i];
        if (!modes->empty()) f.mode = (*modes)[i];
        h.files.push_back(std::move(f));
    }
    return h;
}

}  // namespace irsnap::rpm
