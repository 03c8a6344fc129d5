// SPDX-License-Identifier: Apache-2.0
// ELF dynamic symbol table reader. The file is the attacker's: every field is a number to check
// before it is used as an offset, a size or a count.
#include "irsnap/linux/elf_dynsym.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>

#include <fmt/format.h>

namespace irsnap::elf {
namespace {

constexpr uint32_t k_sht_strtab = 3;
constexpr uint32_t k_sht_dynsym = 11;
constexpr uint8_t k_stb_global = 1;
constexpr uint8_t k_stb_weak = 2;
constexpr uint8_t k_stt_func = 2;
constexpr uint8_t k_stt_gnu_ifunc = 10;
constexpr uint8_t k_stv_default = 0;
constexpr uint8_t k_stv_protected = 3;
/// Section headers read at most: more than any linker writes, and the loop stays short.
constexpr uint64_t k_max_sections = 65536;

ItemError parse_error(std::string message) {
    return ItemError::without_code("parse", "", std::move(message));
}

/// Little or big-endian reads at checked offsets of the image.
class Reader {
  public:
    Reader(std::string_view image, bool big) : m_image(image), m_big(big) {}

    bool fits(uint64_t offset, uint64_t size) const {
        return offset <= m_image.size() && size <= m_image.size() - offset;
    }
    /// An unsigned integer of `bytes` (1, 2, 4, 8) at `offset`; nullopt past the end.
    std::optional<uint64_t> get(uint64_t offset, unsigned bytes) const {
        if (!fits(offset, bytes)) return std::nullopt;
        uint64_t v = 0;
        for (unsigned i = 0; i < bytes; ++i) {
            const auto b = static_cast<uint8_t>(m_image[offset + (m_big ? i : bytes - 1 - i)]);
            v = (v << 8) | b;
        }
        return v;
    }
    std::string_view image() const { return m_image; }

  private:
    std::string_view m_image;
    bool m_big;
};

/// The fields of a section header this parser uses.
struct Section {
    uint32_t type = 0;
    uint32_t link = 0;
    uint64_t offset = 0, size = 0, entsize = 0;
};

/// Where the fields of ELF32 and ELF64 structures are, and how wide.
struct Layout {
    bool is64 = false;
    unsigned word() const { return is64 ? 8 : 4; }
    uint64_t ehdr_size() const { return is64 ? 64 : 52; }
    uint64_t shdr_size() const { return is64 ? 64 : 40; }
    uint64_t sym_size() const { return is64 ? 24 : 16; }
};

std::optional<Section> read_section(const Reader& r, const Layout& l, uint64_t at) {
    Section s;
    // sh_name(4) sh_type(4) sh_flags(w) sh_addr(w) sh_offset(w) sh_size(w) sh_link(4) ...
    const uint64_t w = l.word();
    auto type = r.get(at + 4, 4);
    auto offset = r.get(at + 8 + 2 * w, l.word());
    auto size = r.get(at + 8 + 3 * w, l.word());
    auto link = r.get(at + 8 + 4 * w, 4);
    // sh_entsize is the last field: after sh_info(4) and sh_addralign(w).
    auto entsize = r.get(at + 8 + 4 * w + 8 + w, l.word());
    if (!type || !offset || !size || !link || !entsize) return std::nullopt;
    s.type = static_cast<uint32_t>(*type);
    s.link = static_cast<uint32_t>(*link);
    s.offset = *offset;
    s.size = *size;
    s.entsize = *entsize;
    return s;
}

/// The NUL-terminated name at `index` of a string table; empty when out of it or too long.
std::string_view name_at(std::string_view strtab, uint64_t index) {
    if (index >= strtab.size()) return {};
    const std::string_view rest =
        strtab.substr(index, std::min<size_t>(strtab.size() - index, k_max_symbol_name_bytes + 1));
    const size_t nul = rest.find('\0');
    return nul == std::string_view::npos ? std::string_view() : rest.substr(0, nul);
}

/// Reads `count` symbols of `entsize` bytes at `offset` (checked to fit by the caller) into
/// `out.functions`, names from `names`; at most k_max_dynsym_symbols, `out.truncated` beyond.
void read_symbols(const Reader& r, const Layout& l, uint64_t offset, uint64_t count,
                  uint64_t entsize, std::string_view names, DynamicExports& out) {
    if (count > k_max_dynsym_symbols) {
        count = k_max_dynsym_symbols;
        out.truncated = true;
    }
    for (uint64_t i = 0; i < count; ++i) {
        const uint64_t at = offset + i * entsize;
        // ELF32: st_name st_value st_size st_info st_other st_shndx; ELF64: st_name st_info
        // st_other st_shndx st_value st_size.
        const uint64_t info_at = l.is64 ? at + 4 : at + 12;
        const uint64_t name = *r.get(at, 4);
        const auto info = static_cast<uint8_t>(*r.get(info_at, 1));
        const auto other = static_cast<uint8_t>(*r.get(info_at + 1, 1));
        const uint64_t shndx = *r.get(info_at + 2, 2);
        const uint8_t bind = info >> 4;
        const uint8_t type = info & 0xf;
        const uint8_t visibility = other & 0x3;
        if (shndx == 0 || (bind != k_stb_global && bind != k_stb_weak)) continue;
        if (type != k_stt_func && type != k_stt_gnu_ifunc) continue;
        if (visibility != k_stv_default && visibility != k_stv_protected) continue;
        const std::string_view n = name_at(names, name);
        if (!n.empty()) out.functions.emplace_back(n);
    }
}

/// The view a linker and most tools take: the SHT_DYNSYM section and its sh_link string table.
Result<DynamicExports> from_sections(const Reader& r, const Layout& l) {
    // e_shoff follows e_type(2) e_machine(2) e_version(4) e_entry(w) e_phoff(w).
    const uint64_t w = l.word();
    const uint64_t shoff = *r.get(24 + 2 * w, l.word());
    const uint64_t flags_end = 24 + 3 * w + 4;  // e_flags
    const uint64_t shentsize = *r.get(flags_end + 6, 2);
    uint64_t shnum = *r.get(flags_end + 8, 2);
    if (shoff == 0) return parse_error("no section headers");
    if (shentsize < l.shdr_size()) {
        return parse_error(fmt::format("section header size {} too small", shentsize));
    }
    if (shnum == 0) {
        // More than 0xff00 sections: the real count is section 0's sh_size.
        auto first = read_section(r, l, shoff);
        if (!first) return parse_error("section headers past the end of the file");
        shnum = first->size;
    }
    if (shnum > k_max_sections) return parse_error(fmt::format("{} sections", shnum));
    if (!r.fits(shoff, shnum * shentsize)) {
        return parse_error("section headers past the end of the file");
    }
    std::optional<Section> dynsym;
    for (uint64_t i = 0; i < shnum && !dynsym; ++i) {
        auto s = read_section(r, l, shoff + i * shentsize);
        if (s && s->type == k_sht_dynsym) dynsym = s;
    }
    if (!dynsym) return parse_error("no dynamic symbol table (.dynsym)");
    if (dynsym->link == 0 || dynsym->link >= shnum) {
        return parse_error(fmt::format("dynamic symbol table links to section {}", dynsym->link));
    }
    const auto strtab = read_section(r, l, shoff + uint64_t{dynsym->link} * shentsize);
    if (!strtab || strtab->type != k_sht_strtab) {
        return parse_error("dynamic symbol table's string table is not a string table");
    }
    if (!r.fits(strtab->offset, strtab->size)) return parse_error("string table truncated");
    if (!r.fits(dynsym->offset, dynsym->size)) return parse_error("dynamic symbol table truncated");
    const uint64_t entsize = dynsym->entsize == 0 ? l.sym_size() : dynsym->entsize;
    if (entsize < l.sym_size()) {
        return parse_error(fmt::format("symbol size {} too small", entsize));
    }
    DynamicExports out;
    read_symbols(r, l, dynsym->offset, dynsym->size / entsize, entsize,
                 r.image().substr(strtab->offset, strtab->size), out);
    return out;
}

/// Where a virtual address of a loaded segment is in the file.
class AddressMap {
  public:
    void add(uint64_t vaddr, uint64_t offset, uint64_t filesz) {
        m_loads.push_back({vaddr, offset, filesz});
    }
    /// File offset of `vaddr`; nullopt outside every PT_LOAD's file bytes.
    std::optional<uint64_t> offset_of(uint64_t vaddr) const {
        for (const auto& s : m_loads) {
            if (vaddr >= s.vaddr && vaddr - s.vaddr < s.filesz) return s.offset + (vaddr - s.vaddr);
        }
        return std::nullopt;
    }

  private:
    struct Load {
        uint64_t vaddr, offset, filesz;
    };
    std::vector<Load> m_loads;
};

/// Number of symbols DT_GNU_HASH at `at` covers: one past the last chain's end.
std::optional<uint64_t> gnu_hash_count(const Reader& r, const Layout& l, uint64_t at) {
    auto nbuckets = r.get(at, 4);
    auto symoffset = r.get(at + 4, 4);
    auto bloom_size = r.get(at + 8, 4);
    if (!nbuckets || !symoffset || !bloom_size) return std::nullopt;
    if (*nbuckets > k_max_dynsym_symbols || *bloom_size > k_max_dynsym_symbols) {
        return std::nullopt;
    }
    const uint64_t buckets = at + 16 + *bloom_size * l.word();
    uint64_t last = 0;
    for (uint64_t i = 0; i < *nbuckets; ++i) {
        auto b = r.get(buckets + 4 * i, 4);
        if (!b) return std::nullopt;
        last = std::max(last, *b);
    }
    if (last < *symoffset) return *symoffset;  // no bucket used: only the unhashed symbols
    const uint64_t chains = buckets + 4 * *nbuckets;
    // The last chain ends at its first entry with the low bit set.
    for (uint64_t i = last; i - *symoffset <= k_max_dynsym_symbols; ++i) {
        auto c = r.get(chains + 4 * (i - *symoffset), 4);
        if (!c) return std::nullopt;
        if (*c & 1) return i + 1;
    }
    return std::nullopt;
}

/// The view the dynamic loader takes: PT_DYNAMIC's DT_SYMTAB and DT_STRTAB, counted by DT_HASH
/// or DT_GNU_HASH. A library stripped of its section headers (sstrip), or given false ones,
/// still exports what this says.
Result<DynamicExports> from_dynamic_segment(const Reader& r, const Layout& l) {
    const uint64_t w = l.word();
    const uint64_t phoff = *r.get(24 + w, l.word());
    const uint64_t flags_end = 24 + 3 * w + 4;
    const uint64_t phentsize = *r.get(flags_end + 2, 2);
    const uint64_t phnum = *r.get(flags_end + 4, 2);
    const uint64_t phdr_size = l.is64 ? 56 : 32;
    if (phoff == 0 || phnum == 0) return parse_error("no program headers");
    if (phentsize < phdr_size || !r.fits(phoff, phnum * phentsize)) {
        return parse_error("program headers past the end of the file");
    }
    AddressMap map;
    std::optional<std::pair<uint64_t, uint64_t>> dynamic;  // offset, size
    for (uint64_t i = 0; i < phnum; ++i) {
        const uint64_t at = phoff + i * phentsize;
        // ELF32: p_type p_offset p_vaddr p_paddr p_filesz ...; ELF64: p_type p_flags p_offset
        // p_vaddr p_paddr p_filesz ...
        const uint64_t type = *r.get(at, 4);
        const uint64_t fields = l.is64 ? at + 8 : at + 4;
        const uint64_t offset = *r.get(fields, l.word());
        const uint64_t vaddr = *r.get(fields + w, l.word());
        const uint64_t filesz = *r.get(fields + 3 * w, l.word());
        if (type == 1) map.add(vaddr, offset, filesz);            // PT_LOAD
        if (type == 2) dynamic = std::make_pair(offset, filesz);  // PT_DYNAMIC
    }
    if (!dynamic) return parse_error("no dynamic segment");
    if (!r.fits(dynamic->first, dynamic->second)) return parse_error("dynamic segment truncated");
    std::optional<uint64_t> symtab, strtab, strsz, hash, gnu_hash;
    uint64_t syment = l.sym_size();
    for (uint64_t at = dynamic->first; at + 2 * w <= dynamic->first + dynamic->second;
         at += 2 * w) {
        const uint64_t tag = *r.get(at, l.word());
        const uint64_t value = *r.get(at + w, l.word());
        if (tag == 0) break;  // DT_NULL
        if (tag == 4) hash = value;
        if (tag == 5) strtab = value;
        if (tag == 6) symtab = value;
        if (tag == 10) strsz = value;
        if (tag == 11) syment = value;
        if (tag == 0x6ffffef5) gnu_hash = value;
    }
    if (!symtab || !strtab || !strsz) return parse_error("no DT_SYMTAB, DT_STRTAB or DT_STRSZ");
    if (syment < l.sym_size()) return parse_error(fmt::format("symbol size {} too small", syment));
    const auto sym_at = map.offset_of(*symtab);
    const auto str_at = map.offset_of(*strtab);
    if (!sym_at || !str_at || *sym_at > r.image().size()) {
        return parse_error("symbol or string table outside the file");
    }
    if (!r.fits(*str_at, *strsz)) return parse_error("string table truncated");
    std::optional<uint64_t> count;
    if (gnu_hash) {
        if (auto at = map.offset_of(*gnu_hash)) count = gnu_hash_count(r, l, *at);
    }
    if (!count && hash) {
        if (auto at = map.offset_of(*hash)) count = r.get(*at + 4, 4);  // nchain
    }
    if (!count) return parse_error("no symbol hash table to count the symbols by");
    // A hash table may claim more symbols than the file holds: read those that are there.
    const uint64_t room = (r.image().size() - *sym_at) / syment;
    DynamicExports out;
    read_symbols(r, l, *sym_at, std::min(*count, room), syment, r.image().substr(*str_at, *strsz),
                 out);
    return out;
}

}  // namespace

Result<DynamicExports> parse_elf_dynsym(std::string_view image) {
    constexpr std::string_view k_magic(
        "\x7f"
        "ELF",
        4);
    if (image.size() < 16 || image.substr(0, 4) != k_magic) {
        return parse_error("not an ELF file");
    }
    Layout l;
    const auto cls = static_cast<uint8_t>(image[4]);
    const auto data = static_cast<uint8_t>(image[5]);
    if (cls != 1 && cls != 2) return parse_error(fmt::format("unknown ELF class {}", cls));
    if (data != 1 && data != 2) {
        return parse_error(fmt::format("unknown ELF data encoding {}", data));
    }
    l.is64 = cls == 2;
    const Reader r(image, data == 2);
    if (!r.fits(0, l.ehdr_size())) return parse_error("ELF header truncated");
    // Both views, since either can lie where the other does not: the loader reads only the
    // dynamic segment, tools read the sections.
    auto sections = from_sections(r, l);
    auto segment = from_dynamic_segment(r, l);
    if (!sections && !segment) {
        return parse_error(
            fmt::format("{}; {}", sections.error().message, segment.error().message));
    }
    DynamicExports out;
    for (auto* view : {&sections, &segment}) {
        if (!*view) continue;
        out.truncated = out.truncated || (*view)->truncated;
        out.functions.insert(out.functions.end(), (*view)->functions.begin(),
                             (*view)->functions.end());
    }
    std::sort(out.functions.begin(), out.functions.end());
    out.functions.erase(std::unique(out.functions.begin(), out.functions.end()),
                        out.functions.end());
    return out;
}

}  // namespace irsnap::elf
