// SPDX-License-Identifier: Apache-2.0
// The ELF dynamic symbol reader over hand-built images (32/64-bit, both byte orders), cut and
// corrupted ones, and the hook classification of what a library exports.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
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
