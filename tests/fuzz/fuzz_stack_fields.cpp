// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: src/analysis/stack_fields.hpp (the line reader of `irsnap stack`),
// differential against nlohmann::json. Traps when one accepts a line the other refuses, or when
// a kept field differs from nlohmann's. Tolerated: bytes that are not UTF-8 (nlohmann refuses
// them, the stack keeps them), numbers too large for a double (nlohmann refuses them), nesting
// deeper than the reader's bound, a byte order mark, and what follows a NUL byte (nlohmann stops
// there).
#include <nlohmann/json.hpp>

#include <array>
#include <limits>
#include <string>

#include "analysis/stack_fields.hpp"
#include "fuzz_common.hpp"

namespace {

constexpr std::array<std::string_view, 4> k_keys = {"name", "pid", "kernel_thread", "a"};

bool same(const irsnap::stack::LineFields& f, size_t slot, const nlohmann::json& record) {
    const auto it = record.find(std::string(k_keys[slot]));
    const bool text = it != record.end() && it->is_string();
    if (text != f.text(slot).has_value()) return false;
    if (text && *f.text(slot) != it->get<std::string>()) return false;
    const bool number = it != record.end() && it->is_number_integer() &&
                        !(it->is_number_unsigned() &&
                          it->get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max()));
    if (number != f.number(slot).has_value()) return false;
    if (number && *f.number(slot) != it->get<int64_t>()) return false;
    return f.flag(slot) == (it != record.end() && it->is_boolean() && it->get<bool>());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view in = irsnap::fuzz::as_text(data, size);
    irsnap::stack::LineFields f(k_keys);
    const bool accepted = f.parse(in);
    const auto reference = nlohmann::json::parse(in, nullptr, false);
    const bool valid = !reference.is_discarded() && reference.is_object();
    size_t brackets = 0;
    for (char c : in) brackets += (c == '[' || c == '{') ? 1 : 0;
    if (valid && !accepted) {
        // nlohmann also ends the input at a NUL byte; the stack reader refuses the line.
        const size_t nul = in.find('\0');
        FUZZ_CHECK(brackets > 64 || in.starts_with("\xEF\xBB\xBF") ||
                   (nul != std::string_view::npos && f.parse(in.substr(0, nul))));
    }
    if (accepted && !valid) {
        // Only UTF-8 may explain it: with every high byte made ASCII nlohmann must accept.
        std::string ascii(in);
        for (char& c : ascii) c = (static_cast<unsigned char>(c) >= 0x80) ? 'a' : c;
        // nlohmann also refuses numbers beyond a double (2e776): valid JSON, kept unread here.
        try {
            FUZZ_CHECK(nlohmann::json::parse(ascii).is_object());
        } catch (const nlohmann::json::out_of_range& e) {
            FUZZ_CHECK(e.id == 406);
        } catch (const nlohmann::json::exception&) {
            FUZZ_CHECK(false);
        }
    }
    if (accepted && valid) {
        for (size_t i = 0; i < k_keys.size(); ++i) FUZZ_CHECK(same(f, i, reference));
    }
    return 0;
}
