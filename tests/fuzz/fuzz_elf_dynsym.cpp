// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: an ELF shared object's dynamic symbol table (a preloaded library as the
// autoruns and processes collectors read it), and the hook classification of what it exports.
// Seeds: minimal 64-bit little-endian (DT_GNU_HASH) and 32-bit big-endian (DT_HASH) objects
// exporting readdir, with section headers and a dynamic segment.
#include "fuzz_common.hpp"
#include "irsnap/linux/elf_dynsym.hpp"
#include "irsnap/preload_hooks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto parsed = irsnap::elf::parse_elf_dynsym(irsnap::fuzz::as_text(data, size));
    if (!parsed) {
        FUZZ_CHECK(parsed.error().stage == "parse");
        FUZZ_CHECK(!parsed.error().message.empty());
        return 0;
    }
    const auto& functions = parsed->functions;
    FUZZ_CHECK(functions.size() <= irsnap::elf::k_max_dynsym_symbols);
    for (size_t i = 0; i < functions.size(); ++i) {
        // Names come from the image, NUL-free, bounded, sorted and each once.
        FUZZ_CHECK(!functions[i].empty());
        FUZZ_CHECK(functions[i].size() <= irsnap::elf::k_max_symbol_name_bytes);
        FUZZ_CHECK(functions[i].size() < size);
        FUZZ_CHECK(functions[i].find('\0') == std::string::npos);
        FUZZ_CHECK(i == 0 || functions[i - 1] < functions[i]);
    }
    const auto hooks = irsnap::preload::classify_hooks(functions);
    FUZZ_CHECK(hooks.functions.size() <= functions.size());
    FUZZ_CHECK(hooks.techniques.size() <= irsnap::preload::techniques().size());
    FUZZ_CHECK(hooks.functions.empty() == hooks.techniques.empty());
    return 0;
}
