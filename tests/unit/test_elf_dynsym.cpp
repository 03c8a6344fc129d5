// SPDX-License-Identifier: Apache-2.0
// The ELF dynamic symbol reader over hand-built images (32/64-bit, both byte orders), cut and
// corrupted ones, and the hook classification of what a library exports.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "irsnap/linux/elf_dynsym.hpp"
#include "irsnap/preload_hooks.hpp"

namespace irsnap::elf {
namespace {

struct Sym {
    std::string name;
    uint8_t info;        ///< bind << 4 | type
    uint8_t other = 0;   ///< visibility
    uint16_t shndx = 7;  ///< a defined section; 0 is SHN_UNDEF
};

constexpr uint8_t k_global_func = 0x12;
constexpr uint8_t k_weak_func = 0x22;
constexpr uint8_t k_global_ifunc = 0x1a;
constexpr uint8_t k_global_object = 0x11;
constexpr uint8_t k_local_func = 0x02;

/// A minimal shared object: ELF header, .dynstr, .dynsym, then three section headers (null,
/// .dynsym linking to .dynstr, .dynstr). Offsets of the parts are returned for corrupting them.
struct Image {
    std::string bytes;
    size_t dynsym = 0, shoff = 0;
    size_t strtab_at = 0, strtab_size = 0, symbols = 0;  ///< symbols: the null one included
    bool is64 = true, big = false;

    void put(size_t at, uint64_t v, unsigned n) {
        for (unsigned i = 0; i < n; ++i) {
            const unsigned shift = 8 * (big ? n - 1 - i : i);
            bytes[at + i] = static_cast<char>((v >> shift) & 0xff);
        }
    }
    size_t word() const { return is64 ? 8 : 4; }
    /// Offset of section header `i`'s field at `field` (ELF64 layout offsets given as for
    /// ELF32 words: type 4, offset, size, link, entsize).
    size_t section(size_t i) const { return shoff + i * (is64 ? 64 : 40); }
    void set_link(size_t i, uint32_t link) { put(section(i) + 8 + 4 * word(), link, 4); }
    void set_offset(size_t i, uint64_t off) { put(section(i) + 8 + 2 * word(), off, word()); }
    void set_size(size_t i, uint64_t size) { put(section(i) + 8 + 3 * word(), size, word()); }
    void set_entsize(size_t i, uint64_t n) { put(section(i) + 16 + 5 * word(), n, word()); }
};

Image build(const std::vector<Sym>& syms, bool is64, bool big) {
    Image im;
    im.is64 = is64;
    im.big = big;
    const size_t ehdr = is64 ? 64 : 52, shdr = is64 ? 64 : 40, sym = is64 ? 24 : 16;
    std::string strtab(1, '\0');
    std::vector<size_t> names;
    for (const auto& s : syms) {
        names.push_back(strtab.size());
        strtab += s.name + '\0';
    }
    const size_t strtab_at = ehdr;
    im.strtab_at = strtab_at;
    im.strtab_size = strtab.size();
    im.symbols = syms.size() + 1;
    im.dynsym = strtab_at + strtab.size();
    const size_t dynsym_size = (syms.size() + 1) * sym;
    im.shoff = im.dynsym + dynsym_size;
    im.bytes.assign(im.shoff + 3 * shdr, '\0');
    im.bytes.replace(0, 4,
                     "\x7f"
                     "ELF");
    im.bytes[4] = is64 ? 2 : 1;
    im.bytes[5] = big ? 2 : 1;
    im.bytes[6] = 1;
    im.put(16, 3, 2);  // ET_DYN
    const size_t w = im.word();
    im.put(24 + 2 * w, im.shoff, w);
    im.put(24 + 3 * w + 4 + 6, shdr, 2);  // e_shentsize
    im.put(24 + 3 * w + 4 + 8, 3, 2);     // e_shnum
    im.bytes.replace(strtab_at, strtab.size(), strtab);
    for (size_t i = 0; i < syms.size(); ++i) {
        const size_t at = im.dynsym + (i + 1) * sym;
        const size_t info = is64 ? at + 4 : at + 12;
        im.put(at, names[i], 4);
        im.put(info, syms[i].info, 1);
        im.put(info + 1, syms[i].other, 1);
        im.put(info + 2, syms[i].shndx, 2);
    }
    im.put(im.section(1) + 4, 11, 4);  // SHT_DYNSYM
    im.set_offset(1, im.dynsym);
    im.set_size(1, dynsym_size);
    im.set_link(1, 2);
    im.set_entsize(1, sym);
    im.put(im.section(2) + 4, 3, 4);  // SHT_STRTAB
    im.set_offset(2, strtab_at);
    im.set_size(2, strtab.size());
    return im;
}

/// Appends what the loader reads: a hash table (DT_GNU_HASH or DT_HASH) counting the symbols,
/// a dynamic section, a PT_LOAD mapping the whole file at k_base and a PT_DYNAMIC.
constexpr uint64_t k_base = 0x10000;
void add_dynamic_segment(Image& im, bool gnu) {
    const size_t w = im.word();
    auto append = [&](uint64_t v, unsigned n) {
        im.bytes.append(n, '\0');
        im.put(im.bytes.size() - n, v, n);
    };
    const uint64_t hash_at = im.bytes.size();
    if (gnu) {
        // One bucket starting at symbol 1; the chain ends (low bit set) at the last symbol.
        for (uint64_t v : {1, 1, 1, 0}) append(v, 4);  // nbuckets symoffset bloom_size shift
        append(0, static_cast<unsigned>(w));           // the bloom word
        append(1, 4);                                  // bucket 0
        for (size_t i = 1; i < im.symbols; ++i) append(i + 1 == im.symbols ? 1 : 0, 4);
    } else {
        append(1, 4);           // nbucket
        append(im.symbols, 4);  // nchain: the symbol count
        for (size_t i = 0; i < 1 + im.symbols; ++i) append(0, 4);
    }
    const uint64_t dynamic_at = im.bytes.size();
    for (auto [tag, value] :
         std::vector<std::pair<uint64_t, uint64_t>>{{gnu ? 0x6ffffef5 : 4, k_base + hash_at},
                                                    {5, k_base + im.strtab_at},
                                                    {6, k_base + im.dynsym},
                                                    {10, im.strtab_size},
                                                    {0, 0}}) {
        append(tag, static_cast<unsigned>(w));
        append(value, static_cast<unsigned>(w));
    }
    const uint64_t dynamic_size = im.bytes.size() - dynamic_at;
    const uint64_t phoff = im.bytes.size();
    const size_t phdr = im.is64 ? 56 : 32;
    im.bytes.append(2 * phdr, '\0');
    const uint64_t file_size = im.bytes.size();
    for (int i = 0; i < 2; ++i) {
        const size_t at = phoff + i * phdr;
        const size_t fields = im.is64 ? at + 8 : at + 4;
        im.put(at, i == 0 ? 1 : 2, 4);  // PT_LOAD, PT_DYNAMIC
        im.put(fields, i == 0 ? 0 : dynamic_at, w);
        im.put(fields + w, k_base + (i == 0 ? 0 : dynamic_at), w);
        im.put(fields + 3 * w, i == 0 ? file_size : dynamic_size, w);
    }
    im.put(24 + w, phoff, w);             // e_phoff
    im.put(24 + 3 * w + 4 + 2, phdr, 2);  // e_phentsize
    im.put(24 + 3 * w + 4 + 4, 2, 2);     // e_phnum
}

const std::vector<Sym> k_rootkit = {
    {"readdir", k_global_func},          {"readdir64", k_weak_func}, {"opendir", k_global_ifunc},
    {"fopen", k_global_func, 0, 0},       // imported: the real one it calls on
    {"environ", k_global_object},         // data, not a function
    {"filter_entry", k_local_func},       // its own helper
    {"hidden_helper", k_global_func, 2},  // STV_HIDDEN
    {"readdir", k_global_func},           // twice in the table: listed once
};

TEST(ElfDynsym, ExportedFunctionsInEveryClassAndByteOrder) {
    for (bool is64 : {true, false}) {
        for (bool big : {false, true}) {
            auto parsed = parse_elf_dynsym(build(k_rootkit, is64, big).bytes);
            ASSERT_TRUE(parsed) << is64 << big << " " << parsed.error().message;
            EXPECT_EQ(parsed->functions,
                      (std::vector<std::string>{"opendir", "readdir", "readdir64"}))
                << is64 << big;
            EXPECT_FALSE(parsed->truncated);
        }
    }
}

TEST(ElfDynsym, CutAndCorruptImagesAreErrorsNotReads) {
    const Image good = build(k_rootkit, true, false);
    // Every prefix: the section headers are last, so each cut one is an error.
    for (size_t n = 0; n < good.bytes.size(); ++n) {
        auto parsed = parse_elf_dynsym(std::string_view(good.bytes).substr(0, n));
        ASSERT_FALSE(parsed) << n;
        EXPECT_EQ(parsed.error().stage, "parse") << n;
    }
    auto fails = [](Image im, auto&& corrupt) {
        corrupt(im);
        return !parse_elf_dynsym(im.bytes).ok();
    };
    EXPECT_TRUE(fails(good, [](Image& im) { im.bytes[4] = 3; }));    // no such class
    EXPECT_TRUE(fails(good, [](Image& im) { im.set_link(1, 9); }));  // past the sections
    EXPECT_TRUE(fails(good, [](Image& im) { im.set_link(1, 1); }));  // not a string table
    EXPECT_TRUE(fails(good, [](Image& im) { im.set_offset(1, ~uint64_t{0} - 8); }));
    EXPECT_TRUE(fails(good, [](Image& im) { im.set_size(1, uint64_t{1} << 40); }));
    EXPECT_TRUE(fails(good, [](Image& im) { im.set_size(2, 1000000); }));
    EXPECT_TRUE(fails(good, [](Image& im) { im.set_entsize(1, 3); }));
    EXPECT_TRUE(fails(good, [](Image& im) { im.put(im.section(1) + 4, 2, 4); }));  // SHT_SYMTAB
    EXPECT_TRUE(fails(good, [](Image& im) { im.put(24 + 16, 0, 8); }));  // no section headers
    // e_shnum 0: the count is section 0's sh_size, here absurd.
    EXPECT_TRUE(fails(good, [](Image& im) {
        im.put(24 + 24 + 4 + 8, 0, 2);
        im.set_size(0, uint64_t{1} << 62);
    }));
}

TEST(ElfDynsym, NamesOutsideTheStringTableAreSkipped) {
    Image im = build({{"readdir", k_global_func}, {"accept", k_global_func}}, true, false);
    im.put(im.dynsym + 24, 5000, 4);  // readdir's name index, past .dynstr
    // .dynstr one byte shorter: "accept" loses its NUL and is not read past the table's end.
    im.set_size(2, std::string("\0readdir\0accept", 15).size());
    auto parsed = parse_elf_dynsym(im.bytes);
    ASSERT_TRUE(parsed);
    EXPECT_TRUE(parsed->functions.empty());
    // A count past the cap: the first k_max_dynsym_symbols entries only, said so. An entsize of
    // one symbol over a table claimed as large as the file allows keeps the image small.
    Image many = build({{"readdir", k_global_func}}, false, true);
    many.bytes.append(size_t{16} * (k_max_dynsym_symbols + 1), '\0');
    many.set_size(1, uint64_t{16} * (k_max_dynsym_symbols + 2));
    auto capped = parse_elf_dynsym(many.bytes);
    ASSERT_TRUE(capped) << capped.error().message;
    EXPECT_TRUE(capped->truncated);
    EXPECT_EQ(capped->functions, std::vector<std::string>{"readdir"});
}

TEST(ElfDynsym, TheLoadersViewCountsWithoutSectionHeadersOrDespiteFalseOnes) {
    const std::vector<std::string> expected = {"opendir", "readdir", "readdir64"};
    for (bool gnu : {true, false}) {
        for (bool is64 : {true, false}) {
            for (bool big : {false, true}) {
                Image im = build(k_rootkit, is64, big);
                add_dynamic_segment(im, gnu);
                im.put(24 + 2 * im.word(), 0, im.word());  // sstrip: no section headers
                auto parsed = parse_elf_dynsym(im.bytes);
                ASSERT_TRUE(parsed) << gnu << is64 << big << " " << parsed.error().message;
                EXPECT_EQ(parsed->functions, expected) << gnu << is64 << big;
            }
        }
    }
    // Section headers that show only the null symbol: the hooks are still found.
    Image lying = build(k_rootkit, true, false);
    add_dynamic_segment(lying, true);
    lying.set_size(1, 24);
    auto parsed = parse_elf_dynsym(lying.bytes);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->functions, expected);
    // A hash table claiming more symbols than the file holds reads those that are there.
    Image claims = build(k_rootkit, true, false);
    add_dynamic_segment(claims, false);
    claims.put(claims.shoff + 3 * 64 + 4, 0x7fffffff, 4);  // nchain, right after the headers
    claims.put(24 + 16, 0, 8);
    parsed = parse_elf_dynsym(claims.bytes);
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->functions, expected);
}

TEST(PreloadHookList, ClassifiesListedFunctionsOnly) {
    const std::vector<std::string> exported = {"readdir",   "malloc",    "accept",  "execve",
                                               "readdir64", "my_helper", "getspnam"};
    const auto hooks = preload::classify_hooks(exported);
    EXPECT_EQ(hooks.functions,
              (std::vector<std::string>{"accept", "execve", "getspnam", "readdir", "readdir64"}));
    EXPECT_EQ(hooks.techniques, (std::vector<std::string>{"process_hiding", "backdoor",
                                                          "credential_theft", "exec_hook"}));
    EXPECT_TRUE(
        preload::classify_hooks(std::vector<std::string>{"malloc", "free"}).techniques.empty());
    ASSERT_NE(preload::technique_of("__lxstat64"), nullptr);
    EXPECT_EQ(preload::technique_of("__lxstat64")->name, "file_hiding");
    EXPECT_EQ(preload::technique_named("login_hiding")->title, "login record hiding");
}

}  // namespace
}  // namespace irsnap::elf
