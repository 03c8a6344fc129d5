// SPDX-License-Identifier: Apache-2.0
// The minidump file format (the documented MINIDUMP_* structures of dbghelp's minidumpapiset.h,
// defined here with fixed-width types) laid out as DumpPieces: the header, stream directory and
// streams as literal bytes, then every dumped region's memory (Memory64ListStream, a full-memory
// dump). Pure and free of <windows.h>, so it is built and tested on Linux too; the Windows
// collector fills the inputs from VirtualQueryEx, the thread list and the module list.
// The whole layout is known before the first byte is read, so the member's size is exact.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "memory_store.hpp"

namespace irsnap::collectors::minidump {

inline constexpr uint32_t k_signature = 0x504d444d;  ///< "MDMP" little-endian
inline constexpr uint32_t k_version = 0xa793;        ///< MINIDUMP_VERSION

/// MINIDUMP_STREAM_TYPE values written here.
enum StreamType : uint32_t {
    thread_list = 3,
    module_list = 4,
    memory64_list = 9,
    system_info = 7,
    misc_info = 15,
    memory_info_list = 16,
};

/// MINIDUMP_TYPE flags the dump declares: full memory, full memory information.
inline constexpr uint64_t k_flags = 0x2 | 0x800;

// The on-disk structures, packed as dbghelp declares them (#pragma pack(4)).
#pragma pack(push, 4)
struct Header {
    uint32_t signature, version, number_of_streams, stream_directory_rva, checksum, time_date_stamp;
    uint64_t flags;
};
struct LocationDescriptor {
    uint32_t data_size, rva;
};
struct Directory {
    uint32_t stream_type;
    LocationDescriptor location;
};
struct MemoryDescriptor {
    uint64_t start_of_memory_range;
    LocationDescriptor memory;
};
struct Thread {
    uint32_t thread_id, suspend_count, priority_class, priority;
    uint64_t teb;
    MemoryDescriptor stack;
    LocationDescriptor thread_context;
};
struct FixedFileInfo {  ///< VS_FIXEDFILEINFO: left zero (the version resource is not read)
    uint32_t fields[13];
};
struct Module {
    uint64_t base_of_image;
    uint32_t size_of_image, checksum, time_date_stamp, module_name_rva;
    FixedFileInfo version_info;
    LocationDescriptor cv_record, misc_record;
    uint64_t reserved0, reserved1;
};
struct SystemInfo {
    uint16_t processor_architecture, processor_level, processor_revision;
    uint8_t number_of_processors, product_type;
    uint32_t major_version, minor_version, build_number, platform_id, csd_version_rva;
    uint16_t suite_mask, reserved2;
    uint32_t cpu[6];  ///< CPU_INFORMATION union: left zero
};
struct MiscInfo {
    uint32_t size_of_info, flags1, process_id, process_create_time, process_user_time,
        process_kernel_time;
};
struct MemoryInfoListHeader {
    uint32_t size_of_header, size_of_entry;
    uint64_t number_of_entries;
};
struct MemoryInfo {
    uint64_t base_address, allocation_base;
    uint32_t allocation_protect, alignment1;
    uint64_t region_size;
    uint32_t state, protect, type, alignment2;
};
struct Memory64ListHeader {
    uint64_t number_of_memory_ranges, base_rva;
};
struct MemoryDescriptor64 {
    uint64_t start_of_memory_range, data_size;
};
#pragma pack(pop)

static_assert(sizeof(Header) == 32);
static_assert(sizeof(Directory) == 12);
static_assert(sizeof(Thread) == 48);
static_assert(sizeof(Module) == 108);
static_assert(sizeof(SystemInfo) == 56);
static_assert(sizeof(MiscInfo) == 24);
static_assert(sizeof(MemoryInfoListHeader) == 16);
static_assert(sizeof(MemoryInfo) == 48);
static_assert(sizeof(Memory64ListHeader) == 16);
static_assert(sizeof(MemoryDescriptor64) == 16);

// ---- inputs

struct SystemFacts {
    uint16_t processor_architecture = 9;  ///< PROCESSOR_ARCHITECTURE_AMD64
    uint16_t processor_level = 0, processor_revision = 0;
    uint8_t number_of_processors = 0, product_type = 1;  ///< VER_NT_WORKSTATION
    uint32_t major_version = 0, minor_version = 0, build_number = 0;
    uint32_t platform_id = 2;  ///< VER_PLATFORM_WIN32_NT
};

struct ThreadFacts {
    uint32_t id = 0, suspend_count = 0, priority_class = 0, priority = 0;
    uint64_t teb = 0;
    uint64_t stack_start = 0, stack_size = 0;  ///< stack pointer (page) to the stack's base
    std::string context;                       ///< the raw CONTEXT; empty when unreadable
};

struct ModuleFacts {
    uint64_t base = 0;
    uint32_t size = 0, checksum = 0, time_date_stamp = 0;  ///< the last two from the PE header
    std::u16string name;                                   ///< full path
};

/// One VirtualQueryEx region (MEMORY_BASIC_INFORMATION's fields) and whether its bytes go in.
struct RegionFacts {
    uint64_t base = 0, allocation_base = 0, size = 0;
    uint32_t allocation_protect = 0, state = 0, protect = 0, type = 0;
    bool dumped = false;
};

struct DumpFacts {
    uint32_t pid = 0;
    uint32_t time_date_stamp = 0;  ///< Unix seconds
    SystemFacts system;
    std::vector<ThreadFacts> threads;
    std::vector<ModuleFacts> modules;
    std::vector<RegionFacts> regions;  ///< in ascending address order, not overlapping
};

// ---- output

struct Layout {
    /// The literal part (header, directory, streams) first, then one memory piece per dumped
    /// region in address order.
    std::vector<DumpPiece> pieces;
    /// Per input region: its index among the memory pieces, or npos when not dumped.
    std::vector<size_t> region_piece;
    /// Threads whose stack lies in a dumped region within the 32-bit RVA range.
    size_t stacks_referenced = 0;
};
inline constexpr size_t npos = static_cast<size_t>(-1);

/// Lays out the whole file. Throws std::length_error when the literal part outgrows 32-bit RVAs
/// (millions of regions), which a real process does not reach.
Layout build_layout(const DumpFacts& facts);

}  // namespace irsnap::collectors::minidump
