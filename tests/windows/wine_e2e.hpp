// SPDX-License-Identifier: Apache-2.0
// The one Wine session the end-to-end tests share (tests/windows/wine_session.sh, run once by
// session()) and the fixture every case uses: wine_end_to_end.cpp checks the collectors,
// wine_memory.cpp the memory collector's dumps and regions.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "run_util.hpp"

namespace irsnap::test {

std::string lower(std::string text);
std::string read_file(const std::filesystem::path& path);
/// The exit code a session step left in `path`; -1 when it left none.
int read_rc(const std::filesystem::path& path);

// Everything the Wine session left behind, shared by the tests below (a cold Wine start costs
// seconds; the session runs once).
struct Session {
    std::filesystem::path work;
    std::filesystem::path bundle;
    std::filesystem::path
        memory_bundle;  ///< the memory collector alone, --dump-pid of the test program
    std::filesystem::path small_bundle;  ///< the same, --dump-no-freeze --no-memory-regions, 8 MiB
    std::filesystem::path observe_bundle;          ///< --observe 4 --collectors activity
    std::filesystem::path observe_timeout_bundle;  ///< --observe 30 --timeout-per-collector 2
    long child_pid = -1;
    long beacon_pid = -1;  ///< the test program in --beacon mode, during the window
    std::string ready_line;
    std::string setup_error;
};

/// Runs the session on first use.
Session& session();

class WindowsWine : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_EQ(session().setup_error, "");
        ASSERT_FALSE(session().bundle.empty()) << "irsnap.exe wrote no bundle";
    }
    static std::vector<nlohmann::json> records(const std::string& collector) {
        return read_jsonl(artifact(session().bundle, collector));
    }
    static nlohmann::json manifest() {
        return nlohmann::json::parse(read_file(session().bundle / "manifest.json"));
    }
};

}  // namespace irsnap::test
