// SPDX-License-Identifier: Apache-2.0
// ustar header encoding with pax extended headers where ustar falls short. Pure functions, so
// every byte is checked against literal expectations in tests/unit/test_tar.cpp.
#include "irsnap/tar_writer.hpp"

#include <algorithm>
#include <cstring>

namespace irsnap {
namespace {

constexpr size_t k_name_len = 100;
constexpr size_t k_prefix_len = 155;

void put(std::array<char, k_tar_block>& block, size_t offset, size_t width, std::string_view text) {
    std::memcpy(block.data() + offset, text.data(), std::min(width, text.size()));
}

}  // namespace

std::string tar_octal(uint64_t value, size_t width) {
    if (width < 2) return {};
    std::string digits(width - 1, '0');
    for (size_t i = digits.size(); i-- > 0 && value != 0; value >>= 3) {
        digits[i] = static_cast<char>('0' + (value & 7));
    }
    if (value != 0) return {};  // more digits than the field has
    digits.push_back('\0');
    return digits;
}

bool tar_split_name(std::string_view name, std::string& prefix, std::string& base) {
    if (name.size() <= k_name_len) {
        prefix.clear();
        base = std::string(name);
        return true;
    }
    // The rightmost '/' that leaves a prefix short enough keeps the base as long as possible
    // but must still leave a base of at most 100 bytes.
    for (size_t slash = std::min(name.size() - 1, k_prefix_len); slash > 0; --slash) {
        if (name[slash] != '/' || slash + 1 == name.size()) continue;
        if (name.size() - slash - 1 > k_name_len) return false;
        prefix = std::string(name.substr(0, slash));
        base = std::string(name.substr(slash + 1));
        return true;
    }
    return false;
}

std::string tar_pax_record(std::string_view key, std::string_view value) {
    // The length counts its own digits: grow it until it is stable.
    const size_t body = 1 + key.size() + 1 + value.size() + 1;  // ' ' key '=' value '\n'
    size_t len = body + 1;
    while (std::to_string(len).size() + body != len) len = std::to_string(len).size() + body;
    return std::to_string(len) + " " + std::string(key) + "=" + std::string(value) + "\n";
}

std::array<char, k_tar_block> tar_ustar_header(const TarEntry& entry, std::string_view prefix,
                                               std::string_view name, uint64_t size_field) {
    std::array<char, k_tar_block> h{};
    put(h, 0, 100, name);
    put(h, 100, 8, tar_octal(entry.mode & 07777, 8));
    put(h, 108, 8, tar_octal(entry.uid, 8));
    put(h, 116, 8, tar_octal(entry.gid, 8));
    put(h, 124, 12, tar_octal(size_field, 12));
    put(h, 136, 12, tar_octal(static_cast<uint64_t>(std::max<int64_t>(entry.mtime, 0)), 12));
    std::memset(h.data() + 148, ' ', 8);
    h[156] = entry.typeflag;
    put(h, 257, 6, std::string_view("ustar\0", 6));
    put(h, 263, 2, "00");
    put(h, 345, 155, prefix);
    unsigned sum = 0;
    for (char c : h) sum += static_cast<unsigned char>(c);
    // Six digits, NUL, space: the form every tar has always written and accepted.
    put(h, 148, 7, tar_octal(sum, 7));
    h[155] = ' ';
    return h;
}

std::string tar_member_header(const TarEntry& entry) {
    std::string prefix, base;
    std::string pax;
    if (!tar_split_name(entry.name, prefix, base)) {
        pax += tar_pax_record("path", entry.name);
        // A reader without pax still gets a name inside the same directory.
        prefix.clear();
        base = entry.name.substr(0, k_name_len);
    }
    uint64_t size_field = entry.size;
    if (entry.size > k_tar_max_octal_size) {
        pax += tar_pax_record("size", std::to_string(entry.size));
        size_field = 0;
    }
    std::string out;
    if (!pax.empty()) {
        TarEntry ext = entry;
        ext.typeflag = 'x';
        ext.size = pax.size();
        const std::string ext_name = "PaxHeaders/" + entry.name.substr(entry.name.rfind('/') + 1);
        auto block = tar_ustar_header(ext, "", ext_name.substr(0, k_name_len), pax.size());
        out.append(block.data(), block.size());
        out += pax;
        out += tar_padding(pax.size());
    }
    auto block = tar_ustar_header(entry, prefix, base, size_field);
    out.append(block.data(), block.size());
    return out;
}

std::string tar_padding(uint64_t size) {
    return std::string((k_tar_block - size % k_tar_block) % k_tar_block, '\0');
}

std::string tar_end_of_archive() {
    return std::string(2 * k_tar_block, '\0');
}

}  // namespace irsnap
