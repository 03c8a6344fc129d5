// SPDX-License-Identifier: Apache-2.0
#include "minidump_layout.hpp"

#include <bit>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace irsnap::collectors::minidump {
namespace {

// The structures are copied byte for byte: the format is little-endian, as are both targets.
static_assert(std::endian::native == std::endian::little);

constexpr uint32_t k_stream_count = 6;

template <class T>
uint64_t append(std::string& blob, const T& value) {
    const uint64_t at = blob.size();
    blob.append(reinterpret_cast<const char*>(&value), sizeof(T));
    return at;
}

template <class T>
void patch(std::string& blob, uint64_t at, const T& value) {
    std::memcpy(blob.data() + at, &value, sizeof(T));
}

void align(std::string& blob, size_t to) {
    blob.resize((blob.size() + to - 1) / to * to, '\0');
}

/// Every RVA before the memory data is 32-bit: the literal part must stay below 4 GiB.
uint32_t rva32(uint64_t offset) {
    if (offset > std::numeric_limits<uint32_t>::max()) {
        throw std::length_error("minidump: the stream part exceeds 32-bit offsets");
    }
    return static_cast<uint32_t>(offset);
}

/// MINIDUMP_STRING: byte length (without the terminator), UTF-16 text, a NUL.
uint32_t append_string(std::string& blob, const std::u16string& text) {
    align(blob, 4);
    const uint64_t at = append(blob, static_cast<uint32_t>(text.size() * 2));
    for (char16_t c : text) append(blob, static_cast<uint16_t>(c));
    append(blob, uint16_t{0});
    return rva32(at);
}

/// Appends a stream's start and records it in the directory.
struct DirectoryWriter {
    std::string& blob;
    uint64_t directory_at;
    uint32_t index = 0;
    uint64_t open_at = 0;
    uint32_t open_type = 0;

    void begin(uint32_t type) {
        align(blob, 8);
        open_at = blob.size();
        open_type = type;
    }
    void end() {
        const Directory entry{open_type, {rva32(blob.size() - open_at), rva32(open_at)}};
        patch(blob, directory_at + index * sizeof(Directory), entry);
        ++index;
    }
};

}  // namespace

Layout build_layout(const DumpFacts& facts) {
    std::string blob;
    Layout layout;
    Header header{};
    header.signature = k_signature;
    header.version = k_version;
    header.number_of_streams = k_stream_count;
    header.stream_directory_rva = sizeof(Header);
    header.time_date_stamp = facts.time_date_stamp;
    header.flags = k_flags;
    append(blob, header);
    DirectoryWriter dir{blob, blob.size()};
    blob.resize(blob.size() + k_stream_count * sizeof(Directory), '\0');

    // SystemInfoStream; its service-pack string follows it, outside the stream.
    dir.begin(system_info);
    SystemInfo system{};
    system.processor_architecture = facts.system.processor_architecture;
    system.processor_level = facts.system.processor_level;
    system.processor_revision = facts.system.processor_revision;
    system.number_of_processors = facts.system.number_of_processors;
    system.product_type = facts.system.product_type;
    system.major_version = facts.system.major_version;
    system.minor_version = facts.system.minor_version;
    system.build_number = facts.system.build_number;
    system.platform_id = facts.system.platform_id;
    const uint64_t system_at = append(blob, system);
    dir.end();
    system.csd_version_rva = append_string(blob, u"");
    patch(blob, system_at, system);

    // MiscInfoStream: the process id, which WinDbg shows.
    dir.begin(misc_info);
    append(blob,
           MiscInfo{sizeof(MiscInfo), 0x1 /* MINIDUMP_MISC1_PROCESS_ID */, facts.pid, 0, 0, 0});
    dir.end();

    // ThreadListStream; contexts and stack RVAs are filled in below.
    dir.begin(thread_list);
    append(blob, static_cast<uint32_t>(facts.threads.size()));
    const uint64_t threads_at = blob.size();
    blob.resize(blob.size() + facts.threads.size() * sizeof(Thread), '\0');
    dir.end();

    // ModuleListStream, then the names it points at.
    dir.begin(module_list);
    append(blob, static_cast<uint32_t>(facts.modules.size()));
    const uint64_t modules_at = blob.size();
    blob.resize(blob.size() + facts.modules.size() * sizeof(Module), '\0');
    dir.end();
    for (size_t i = 0; i < facts.modules.size(); ++i) {
        const ModuleFacts& m = facts.modules[i];
        Module entry{};
        entry.base_of_image = m.base;
        entry.size_of_image = m.size;
        entry.checksum = m.checksum;
        entry.time_date_stamp = m.time_date_stamp;
        entry.module_name_rva = append_string(blob, m.name);
        patch(blob, modules_at + i * sizeof(Module), entry);
    }

    // Thread contexts (CONTEXT wants 16-byte alignment when mapped).
    std::vector<Thread> threads(facts.threads.size());
    for (size_t i = 0; i < facts.threads.size(); ++i) {
        const ThreadFacts& t = facts.threads[i];
        Thread& entry = threads[i];
        entry.thread_id = t.id;
        entry.suspend_count = t.suspend_count;
        entry.priority_class = t.priority_class;
        entry.priority = t.priority;
        entry.teb = t.teb;
        entry.stack.start_of_memory_range = t.stack_start;
        if (!t.context.empty()) {
            align(blob, 16);
            entry.thread_context = {static_cast<uint32_t>(t.context.size()), rva32(blob.size())};
            blob += t.context;
        }
    }

    dir.begin(memory_info_list);
    append(blob, MemoryInfoListHeader{sizeof(MemoryInfoListHeader), sizeof(MemoryInfo),
                                      facts.regions.size()});
    size_t dumped = 0;
    for (const RegionFacts& r : facts.regions) {
        append(blob, MemoryInfo{r.base, r.allocation_base, r.allocation_protect, 0, r.size, r.state,
                                r.protect, r.type, 0});
        dumped += r.dumped;
    }
    dir.end();

    dir.begin(memory64_list);
    const uint64_t memory64_at = append(blob, Memory64ListHeader{dumped, 0});
    for (const RegionFacts& r : facts.regions) {
        if (r.dumped) append(blob, MemoryDescriptor64{r.base, r.size});
    }
    dir.end();
    rva32(blob.size());
    const uint64_t base_rva = blob.size();
    patch(blob, memory64_at, Memory64ListHeader{dumped, base_rva});

    // Where each region's bytes land, for the memory pieces and the thread stacks.
    std::vector<uint64_t> data_at(facts.regions.size(), 0);
    uint64_t offset = base_rva;
    layout.region_piece.assign(facts.regions.size(), npos);
    std::vector<DumpPiece> memory;
    for (size_t i = 0; i < facts.regions.size(); ++i) {
        const RegionFacts& r = facts.regions[i];
        if (!r.dumped) continue;
        data_at[i] = offset;
        offset += r.size;
        layout.region_piece[i] = memory.size();
        memory.push_back(DumpPiece{{}, true, r.base, r.size});
    }
    for (size_t i = 0; i < facts.threads.size(); ++i) {
        const ThreadFacts& t = facts.threads[i];
        if (t.stack_size == 0) continue;
        for (size_t k = 0; k < facts.regions.size(); ++k) {
            const RegionFacts& r = facts.regions[k];
            if (!r.dumped || t.stack_start < r.base ||
                t.stack_start + t.stack_size > r.base + r.size) {
                continue;
            }
            const uint64_t at = data_at[k] + (t.stack_start - r.base);
            // A stack beyond 4 GiB of dump keeps its address; readers find it in Memory64.
            if (at + t.stack_size <= std::numeric_limits<uint32_t>::max()) {
                threads[i].stack.memory = {static_cast<uint32_t>(t.stack_size),
                                           static_cast<uint32_t>(at)};
                ++layout.stacks_referenced;
            }
            break;
        }
    }
    for (size_t i = 0; i < threads.size(); ++i) {
        patch(blob, threads_at + i * sizeof(Thread), threads[i]);
    }

    layout.pieces.reserve(memory.size() + 1);
    layout.pieces.push_back(DumpPiece{std::move(blob), false, 0, 0});
    for (auto& piece : memory) layout.pieces.push_back(std::move(piece));
    return layout;
}

}  // namespace irsnap::collectors::minidump
