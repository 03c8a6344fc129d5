// SPDX-License-Identifier: Apache-2.0
// The system handle table (NtQuerySystemInformation(SystemExtendedHandleInformation)) and the
// object manager's names for types and objects (NtQueryObject).
#pragma once

#include <windows.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace irsnap::win {

/// One open handle of some process. 32 bytes: a busy host has 10^5 to 10^6 of them.
struct SystemHandle {
    uint64_t object = 0;  ///< kernel address of the object (0 when Windows hides it)
    uint64_t value = 0;   ///< the handle's value in its process
    uint32_t pid = 0;
    uint32_t access = 0;  ///< GrantedAccess mask
    uint16_t type_index = 0;
    uint16_t attributes = 0;  ///< OBJ_INHERIT, OBJ_PROTECT_CLOSE ...
};

/// Every handle of every process, sorted by pid then value; nullopt with the NTSTATUS in
/// `status` on failure. Grows its buffer while the table grows (STATUS_INFO_LENGTH_MISMATCH).
std::optional<std::vector<SystemHandle>> system_handles(long& status);

/// Object type index -> type name ("File", "Key", "Event" ...) from
/// NtQueryObject(ObjectTypesInformation); empty when the call fails.
std::map<uint16_t, std::wstring> object_type_names();

/// The type name of one handle (NtQueryObject(ObjectTypeInformation)).
std::optional<std::wstring> object_type_name(HANDLE handle, long& status);

/// The object's name (NtQueryObject(ObjectNameInformation)) into `buffer`; "" for unnamed
/// objects. May block forever on a File handle of a synchronous pipe: see NameQueryWorker.
std::optional<std::wstring> object_name(HANDLE handle, std::vector<unsigned char>& buffer,
                                        long& status);

}  // namespace irsnap::win
