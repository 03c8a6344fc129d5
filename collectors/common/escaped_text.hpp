// SPDX-License-Identifier: Apache-2.0
// A host's text into a record field, escaped when it is not clean UTF-8 and then listed in the
// record's escaped_fields: one rule for every collector that copies names from the host.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "irsnap/text.hpp"

namespace irsnap::collectors {

inline void put_text(nlohmann::json& record, const char* field, std::string_view bytes) {
    bool escaped = false;
    record[field] = escape_bytes(bytes, escaped);
    if (escaped) record["escaped_fields"].push_back(field);
}

}  // namespace irsnap::collectors
