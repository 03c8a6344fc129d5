// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: irsnap/json_line.hpp, differential against nlohmann::json::dump(). Traps
// when a JsonLine built from arbitrary keys and values (any bytes, invalid UTF-8 included) is
// not byte-for-byte the dump of the same object, or does not parse back.
#include <nlohmann/json.hpp>

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "irsnap/json_line.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view in = irsnap::fuzz::as_text(data, size);
    // Input: fields separated by '\n', each "KEY\tVALUE"; the key's first byte picks the type.
    std::vector<std::string> storage;  // keys must outlive finish()
    storage.reserve(in.size() + 1);
    irsnap::JsonLine line;
    nlohmann::json reference = nlohmann::json::object();
    std::set<std::string> seen;
    size_t start = 0;
    while (start <= in.size()) {
        size_t end = in.find('\n', start);
        if (end == std::string_view::npos) end = in.size();
        const std::string_view item = in.substr(start, end - start);
        start = end + 1;
        const size_t tab = item.find('\t');
        if (tab == std::string_view::npos || tab == 0) continue;
        storage.emplace_back(item.substr(0, tab));
        const std::string& key = storage.back();
        if (!seen.insert(key).second) continue;  // JsonLine keys are distinct by contract
        const std::string value(item.substr(tab + 1));
        switch (static_cast<unsigned char>(key[0]) % 4) {
            case 0:
                line.field(key, value);
                reference[key] = value;
                break;
            case 1: {
                const auto n = static_cast<int64_t>(std::hash<std::string>{}(value));
                line.field(key, n);
                reference[key] = n;
                break;
            }
            case 2:
                line.field(key, value.size() % 2 == 0);
                reference[key] = value.size() % 2 == 0;
                break;
            default: {
                const std::vector<std::string> parts{value, key};
                line.field(key, parts);
                reference[key] = parts;
                break;
            }
        }
    }
    const std::string text = line.finish();
    FUZZ_CHECK(text == reference.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    FUZZ_CHECK(nlohmann::json::accept(text));
    return 0;
}
