// SPDX-License-Identifier: Apache-2.0
#include "irsnap/windows/nt_handles.hpp"  // windows.h first
#include "irsnap/windows/system_function.hpp"

#include <winternl.h>

#include <algorithm>

namespace irsnap::win {
namespace {

constexpr LONG k_status_info_length_mismatch = static_cast<LONG>(0xC0000004);
constexpr LONG k_status_buffer_overflow = static_cast<LONG>(0x80000005);
constexpr LONG k_status_buffer_too_small = static_cast<LONG>(0xC0000023);
constexpr int k_system_extended_handle_information = 64;
constexpr int k_object_name_information = 1;
constexpr int k_object_type_information = 2;
constexpr int k_object_types_information = 3;
// The table is 40 bytes per handle; a million handles is 40 MB. Beyond this, something is off.
constexpr size_t k_max_table_bytes = size_t{1} << 30;

/// SYSTEM_HANDLE_TABLE_ENTRY_INFO_EX (x64: 40 bytes), as the kernel lays it out.
struct HandleEntryEx {
    PVOID Object;
    ULONG_PTR UniqueProcessId;
    ULONG_PTR HandleValue;
    ULONG GrantedAccess;
    USHORT CreatorBackTraceIndex;
    USHORT ObjectTypeIndex;
    ULONG HandleAttributes;
    ULONG Reserved;
};
struct HandleInformationEx {
    ULONG_PTR NumberOfHandles;
    ULONG_PTR Reserved;
    HandleEntryEx Handles[1];
};

/// OBJECT_TYPE_INFORMATION: the name, counters, then (Windows 8.1+) the type's index.
struct ObjectTypeInformation {
    UNICODE_STRING TypeName;
    ULONG TotalNumberOfObjects;
    ULONG TotalNumberOfHandles;
    ULONG TotalPagedPoolUsage;
    ULONG TotalNonPagedPoolUsage;
    ULONG TotalNamePoolUsage;
    ULONG TotalHandleTableUsage;
    ULONG HighWaterNumberOfObjects;
    ULONG HighWaterNumberOfHandles;
    ULONG HighWaterPagedPoolUsage;
    ULONG HighWaterNonPagedPoolUsage;
    ULONG HighWaterNamePoolUsage;
    ULONG HighWaterHandleTableUsage;
    ULONG InvalidAttributes;
    GENERIC_MAPPING GenericMapping;
    ULONG ValidAccessMask;
    BOOLEAN SecurityRequired;
    BOOLEAN MaintainHandleCount;
    UCHAR TypeIndex;
    CHAR ReservedByte;
    ULONG PoolType;
    ULONG DefaultPagedPoolCharge;
    ULONG DefaultNonPagedPoolCharge;
};

using NtQuerySystemInformationFn = LONG(NTAPI*)(int, PVOID, ULONG, PULONG);
using NtQueryObjectFn = LONG(NTAPI*)(HANDLE, int, PVOID, ULONG, PULONG);

NtQueryObjectFn query_object() {
    static const auto fn = ntdll_function<NtQueryObjectFn>("NtQueryObject");
    return fn;
}

size_t align_up(size_t n) {
    return (n + sizeof(void*) - 1) & ~(sizeof(void*) - 1);
}

}  // namespace

std::optional<std::vector<SystemHandle>> system_handles(long& status) {
    static const auto query =
        ntdll_function<NtQuerySystemInformationFn>("NtQuerySystemInformation");
    if (!query) {
        status = static_cast<long>(0xC0000002);  // STATUS_NOT_IMPLEMENTED
        return std::nullopt;
    }
    std::vector<unsigned char> buffer(1u << 20);
    LONG rc = k_status_info_length_mismatch;
    while (true) {
        ULONG needed = 0;
        rc = query(k_system_extended_handle_information, buffer.data(),
                   static_cast<ULONG>(buffer.size()), &needed);
        if (rc != k_status_info_length_mismatch) break;
        // Handles open between the size query and the read: ask for a margin.
        const size_t next = std::max<size_t>(buffer.size() * 2, size_t{needed} + (1u << 16));
        if (next > k_max_table_bytes) break;
        buffer.assign(next, 0);
    }
    status = rc;
    if (rc < 0) return std::nullopt;
    const auto* info = reinterpret_cast<const HandleInformationEx*>(buffer.data());
    const size_t fits =
        (buffer.size() - offsetof(HandleInformationEx, Handles)) / sizeof(HandleEntryEx);
    const size_t count = std::min<size_t>(info->NumberOfHandles, fits);
    std::vector<SystemHandle> out;
    out.reserve(count);
    for (size_t i = 0; i < count; ++i) {
        const HandleEntryEx& e = info->Handles[i];
        out.push_back({reinterpret_cast<uint64_t>(e.Object), e.HandleValue,
                       static_cast<uint32_t>(e.UniqueProcessId), e.GrantedAccess, e.ObjectTypeIndex,
                       static_cast<uint16_t>(e.HandleAttributes)});
    }
    std::sort(out.begin(), out.end(), [](const SystemHandle& a, const SystemHandle& b) {
        return a.pid != b.pid ? a.pid < b.pid : a.value < b.value;
    });
    return out;
}

std::map<uint16_t, std::wstring> object_type_names() {
    std::map<uint16_t, std::wstring> names;
    const auto query = query_object();
    if (!query) return names;
    std::vector<unsigned char> buffer(64 * 1024);
    LONG rc = k_status_info_length_mismatch;
    for (int attempt = 0; attempt < 6; ++attempt) {
        ULONG needed = 0;
        rc = query(nullptr, k_object_types_information, buffer.data(),
                   static_cast<ULONG>(buffer.size()), &needed);
        if (rc != k_status_info_length_mismatch && rc != k_status_buffer_too_small) break;
        buffer.assign(std::max<size_t>(buffer.size() * 2, needed), 0);
    }
    if (rc < 0) return names;
    const size_t count = *reinterpret_cast<const ULONG*>(buffer.data());
    size_t offset = align_up(sizeof(ULONG));
    for (size_t i = 0; i < count; ++i) {
        if (offset + sizeof(ObjectTypeInformation) > buffer.size()) break;
        const auto* type = reinterpret_cast<const ObjectTypeInformation*>(buffer.data() + offset);
        const size_t name_bytes = type->TypeName.MaximumLength;
        if (type->TypeName.Buffer &&
            offset + sizeof(ObjectTypeInformation) + name_bytes <= buffer.size()) {
            // Before Windows 8.1 TypeIndex is 0 and the index is the position + 2.
            const uint16_t index = type->TypeIndex ? type->TypeIndex : static_cast<uint16_t>(i + 2);
            names[index] = std::wstring(type->TypeName.Buffer, type->TypeName.Length / 2);
        }
        offset += sizeof(ObjectTypeInformation) + align_up(name_bytes);
    }
    return names;
}

std::optional<std::wstring> object_type_name(HANDLE handle, long& status) {
    const auto query = query_object();
    if (!query) return std::nullopt;
    alignas(8) unsigned char buffer[sizeof(ObjectTypeInformation) + 512];
    ULONG needed = 0;
    status = query(handle, k_object_type_information, buffer, sizeof(buffer), &needed);
    if (status < 0) return std::nullopt;
    const auto* type = reinterpret_cast<const ObjectTypeInformation*>(buffer);
    if (!type->TypeName.Buffer) return std::wstring();
    return std::wstring(type->TypeName.Buffer, type->TypeName.Length / 2);
}

std::optional<std::wstring> object_name(HANDLE handle, std::vector<unsigned char>& buffer,
                                        long& status) {
    const auto query = query_object();
    if (!query) return std::nullopt;
    if (buffer.size() < 4096) buffer.resize(4096);
    for (int attempt = 0; attempt < 3; ++attempt) {
        ULONG needed = 0;
        status = query(handle, k_object_name_information, buffer.data(),
                       static_cast<ULONG>(buffer.size()), &needed);
        const bool small = status == k_status_info_length_mismatch ||
                           status == k_status_buffer_overflow ||
                           status == k_status_buffer_too_small;
        if (!small || needed <= buffer.size() || needed > 65536 + 64) break;
        buffer.resize(needed);
    }
    if (status < 0) return std::nullopt;
    const auto* name = reinterpret_cast<const UNICODE_STRING*>(buffer.data());
    if (!name->Buffer || name->Length == 0) return std::wstring();
    return std::wstring(name->Buffer, name->Length / 2);
}

}  // namespace irsnap::win
