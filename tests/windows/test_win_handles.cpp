// SPDX-License-Identifier: Apache-2.0
// The handle table, object names and the name-query worker, on this process's own handles.
#include <windows.h>

#include <string>

#include <gtest/gtest.h>

#include "irsnap/windows/name_query_worker.hpp"
#include "irsnap/windows/nt_handles.hpp"

namespace {

using irsnap::win::NameQueryWorker;

/// A file of our own, open for the test's duration.
class OwnFile : public ::testing::Test {
  protected:
    void SetUp() override {
        wchar_t temp[MAX_PATH + 1];
        ASSERT_GT(GetTempPathW(MAX_PATH + 1, temp), 0u);
        name = L"irsnap-handles-test-" + std::to_wstring(GetCurrentProcessId()) + L".txt";
        path = std::wstring(temp) + name;
        file = CreateFileW(path.c_str(), GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ, nullptr,
                           CREATE_ALWAYS, FILE_FLAG_DELETE_ON_CLOSE, nullptr);
        ASSERT_NE(file, INVALID_HANDLE_VALUE);
    }
    void TearDown() override {
        if (file != INVALID_HANDLE_VALUE) CloseHandle(file);
    }
    static bool ends_with(const std::wstring& text, const std::wstring& suffix) {
        return text.size() >= suffix.size() &&
               text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
    }

    std::wstring name, path;
    HANDLE file = INVALID_HANDLE_VALUE;
};

TEST_F(OwnFile, TheSystemHandleTableListsItWithItsAccess) {
    long status = 0;
    const auto table = irsnap::win::system_handles(status);
    ASSERT_TRUE(table) << std::hex << status;
    const auto pid = static_cast<uint32_t>(GetCurrentProcessId());
    const auto value = reinterpret_cast<uint64_t>(file);
    bool found = false;
    for (const auto& h : *table) {
        if (h.pid != pid || h.value != value) continue;
        found = true;
        EXPECT_EQ(h.access & (FILE_READ_DATA | FILE_WRITE_DATA), FILE_READ_DATA | FILE_WRITE_DATA);
        auto type = irsnap::win::object_type_name(file, status);
        ASSERT_TRUE(type);
        EXPECT_EQ(*type, L"File");
    }
    EXPECT_TRUE(found);
    // Sorted by pid, then value: the collector's records come out in that order.
    for (size_t i = 1; i < table->size(); ++i) {
        const auto& a = (*table)[i - 1];
        const auto& b = (*table)[i];
        ASSERT_TRUE(a.pid < b.pid || (a.pid == b.pid && a.value < b.value));
    }
}

TEST_F(OwnFile, ItsObjectNameEndsWithTheFileName) {
    std::vector<unsigned char> buffer;
    long status = 0;
    auto object = irsnap::win::object_name(file, buffer, status);
    ASSERT_TRUE(object) << std::hex << status;
    EXPECT_TRUE(ends_with(*object, L"\\" + name)) << std::string(object->begin(), object->end());
}

// A zero timeout abandons the worker whenever the query has not finished at once; the next query
// must start a fresh worker and succeed. Every outcome is named or timed out, never failed.
TEST_F(OwnFile, TheWorkerRecoversFromAbandonedQueries) {
    NameQueryWorker worker;
    int timed_out = 0;
    for (int i = 0; i < 10; ++i) {
        HANDLE dup = nullptr;
        ASSERT_TRUE(
            DuplicateHandle(GetCurrentProcess(), file, GetCurrentProcess(), &dup, 0, FALSE, 0));
        const auto hurried = worker.query(dup, 0);
        ASSERT_NE(hurried.outcome, NameQueryWorker::Outcome::failed);
        if (hurried.outcome == NameQueryWorker::Outcome::timed_out) ++timed_out;

        ASSERT_TRUE(
            DuplicateHandle(GetCurrentProcess(), file, GetCurrentProcess(), &dup, 0, FALSE, 0));
        const auto patient = worker.query(dup, 5000);
        ASSERT_EQ(patient.outcome, NameQueryWorker::Outcome::named);
        EXPECT_TRUE(ends_with(patient.name, L"\\" + name));
    }
    EXPECT_EQ(worker.timeouts(), static_cast<uint64_t>(timed_out));
    EXPECT_EQ(worker.start_failures(), 0u);
}

TEST(ObjectTypes, TheTypesListNamesFileAndKey) {
    const auto types = irsnap::win::object_type_names();
    bool file = false, key = false;
    for (const auto& [index, name] : types) {
        file = file || name == L"File";
        key = key || name == L"Key";
    }
    EXPECT_TRUE(file);
    EXPECT_TRUE(key);
}

}  // namespace
