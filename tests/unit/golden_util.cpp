// SPDX-License-Identifier: Apache-2.0
#include "golden_util.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "fixture_util.hpp"

namespace irsnap::test {

void compare_with_golden(const std::string& name, const std::vector<nlohmann::json>& records,
                         nlohmann::json (*normalise)(nlohmann::json)) {
    std::string actual;
    for (const auto& r : records) actual += normalise(r).dump() + "\n";
    const auto golden_path = std::filesystem::path(IRSNAP_GOLDEN_DIR) / name;
    if (std::getenv("IRSNAP_UPDATE_GOLDEN")) {
        std::ofstream(golden_path, std::ios::binary) << actual;
        GTEST_SKIP() << "golden file rewritten: " << golden_path;
    }
    EXPECT_EQ(read_text_file(golden_path), actual) << "golden: " << golden_path;
}

}  // namespace irsnap::test
