// SPDX-License-Identifier: Apache-2.0
// rpm package headers assembled byte by byte, as rpm stores them in its database, for the tests
// of the header parser and of the rpmdb.sqlite reader.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "irsnap/linux/rpm_header.hpp"

namespace irsnap::test {

inline constexpr uint32_t k_int16 = 3, k_int32 = 4, k_string = 6, k_bin = 7, k_string_array = 8;

/// Assembles a header as rpm stores it in its database: intro, index, data (each entry aligned
/// for its type), and, like rpm, an immutable region tag (63) first whose trailer ends the data.
class HeaderBuilder {
  public:
    HeaderBuilder& string(uint32_t tag, const std::string& value) {
        return raw(tag, k_string, 1, bytes_of({value}));
    }
    HeaderBuilder& strings(uint32_t tag, const std::vector<std::string>& values) {
        return raw(tag, k_string_array, static_cast<uint32_t>(values.size()), bytes_of(values));
    }
    HeaderBuilder& int32s(uint32_t tag, const std::vector<uint32_t>& values) {
        std::vector<uint8_t> data;
        for (uint32_t v : values) append_be32(data, v);
        return raw(tag, k_int32, static_cast<uint32_t>(values.size()), data);
    }
    HeaderBuilder& int16s(uint32_t tag, const std::vector<uint16_t>& values) {
        std::vector<uint8_t> data;
        for (uint16_t v : values) {
            data.push_back(static_cast<uint8_t>(v >> 8));
            data.push_back(static_cast<uint8_t>(v));
        }
        return raw(tag, k_int16, static_cast<uint32_t>(values.size()), data);
    }
    HeaderBuilder& raw(uint32_t tag, uint32_t type, uint32_t count, std::vector<uint8_t> data) {
        m_entries.push_back({tag, type, count, std::move(data)});
        return *this;
    }
    HeaderBuilder& without_region() {
        m_region = false;
        return *this;
    }

    std::vector<uint8_t> build() const {
        std::vector<uint8_t> index, data;
        const uint32_t il = static_cast<uint32_t>(m_entries.size()) + (m_region ? 1 : 0);
        for (const auto& e : m_entries) {
            const size_t align = e.type == k_int16   ? 2
                                 : e.type == k_int32 ? 4
                                 : e.type == 5       ? 8
                                                     : 1;
            while (data.size() % align != 0) data.push_back(0);
            append_entry(index, e.tag, e.type, static_cast<uint32_t>(data.size()), e.count);
            data.insert(data.end(), e.data.begin(), e.data.end());
        }
        if (m_region) {
            // The region entry comes first; its 16-byte trailer (tag, type, -index size, count).
            std::vector<uint8_t> region;
            append_entry(region, 63, k_bin, static_cast<uint32_t>(data.size()), 16);
            index.insert(index.begin(), region.begin(), region.end());
            append_entry(data, 63, k_bin, static_cast<uint32_t>(-static_cast<int32_t>(il * 16)),
                         16);
        }
        std::vector<uint8_t> blob;
        append_be32(blob, il);
        append_be32(blob, static_cast<uint32_t>(data.size()));
        blob.insert(blob.end(), index.begin(), index.end());
        blob.insert(blob.end(), data.begin(), data.end());
        return blob;
    }

    static void append_be32(std::vector<uint8_t>& out, uint32_t v) {
        for (int shift = 24; shift >= 0; shift -= 8)
            out.push_back(static_cast<uint8_t>(v >> shift));
    }

  private:
    struct Entry {
        uint32_t tag, type, count;
        std::vector<uint8_t> data;
    };
    static std::vector<uint8_t> bytes_of(const std::vector<std::string>& values) {
        std::vector<uint8_t> out;
        for (const auto& v : values) {
            out.insert(out.end(), v.begin(), v.end());
            out.push_back(0);
        }
        return out;
    }
    static void append_entry(std::vector<uint8_t>& out, uint32_t tag, uint32_t type,
                             uint32_t offset, uint32_t count) {
        for (uint32_t v : {tag, type, offset, count}) append_be32(out, v);
    }
    std::vector<Entry> m_entries;
    bool m_region = true;
};

/// Index entry `i` (the region is entry 0), field 0 tag, 1 type, 2 offset, 3 count.
inline void patch(std::vector<uint8_t>& blob, size_t entry, size_t field, uint32_t value) {
    const size_t at = 8 + entry * 16 + field * 4;
    for (int k = 0; k < 4; ++k) blob[at + k] = static_cast<uint8_t>(value >> (24 - 8 * k));
}

// A package with three files in two directories, as rpm >= 4.16 writes it.
inline HeaderBuilder package() {
    HeaderBuilder b;
    b.string(1000, "demo").string(1001, "1.0").string(1002, "3.el9").int32s(1003, {7});
    b.string(1022, "x86_64");
    b.int16s(1030, {0100755, 0100644, 040755});
    b.strings(1035, {"aa11", "bb22", ""});
    b.int32s(1037, {0, irsnap::rpm::k_file_config, 0});
    b.int32s(1116, {0, 1, 1});
    b.strings(1117, {"demo", "demo.conf", "demo.d"});
    b.strings(1118, {"/usr/bin/", "/etc/"});
    b.int32s(5011, {8});
    return b;
}

}  // namespace irsnap::test
