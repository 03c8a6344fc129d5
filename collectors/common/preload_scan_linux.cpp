// SPDX-License-Identifier: Apache-2.0
#include "preload_scan.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "irsnap/linux/elf_dynsym.hpp"
#include "irsnap/linux/fd_util.hpp"
#include "irsnap/linux/hash_open.hpp"
#include "irsnap/preload_hooks.hpp"

namespace irsnap::collectors {
namespace {

/// The whole file open at `fd`, `size` bytes as fstat said: a file that shrinks reads short.
Result<std::string> read_all(int fd, size_t size) {
    std::string buf(size, '\0');
    size_t got = 0;
    while (got < size) {
        const ssize_t n = ::pread(fd, buf.data() + got, size - got, static_cast<off_t>(got));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return ItemError::from_errno("read", errno, "");
        if (n == 0) break;
        got += static_cast<size_t>(n);
    }
    buf.resize(got);
    return buf;
}

PreloadScan scan_image(std::string_view image) {
    PreloadScan out;
    auto exports = elf::parse_elf_dynsym(image);
    if (!exports) {
        out.note = "exports not read: " + exports.error().message;
        return out;
    }
    out.read = true;
    auto hooks = preload::classify_hooks(exports->functions);
    out.hooks = std::move(hooks.functions);
    out.techniques = std::move(hooks.techniques);
    if (exports->truncated) {
        out.note = fmt::format("only the first {} dynamic symbols read", elf::k_max_dynsym_symbols);
    }
    return out;
}

}  // namespace

PreloadScan PreloadScanCache::scan_at(int dirfd, const std::string& path) {
    PreloadScan out;
    struct stat st {};
    auto opened = posix::open_regular_at(dirfd, path, 0, &st);
    if (!opened) {
        const ItemError& e = opened.error();
        out.note = "not read: " + (e.stage == "type" || e.code == 0 ? e.message : e.text());
        return out;
    }
    const FileKey key = posix::file_key(st);
    std::lock_guard lock(m_mutex);
    if (auto it = m_done.find(key); it != m_done.end()) return it->second;
    if (static_cast<uint64_t>(st.st_size) > k_max_preload_library_bytes) {
        out.note =
            fmt::format("not read: {} bytes, more than the {} MiB read at most",
                        static_cast<uint64_t>(st.st_size), k_max_preload_library_bytes >> 20);
    } else if (auto bytes = read_all(opened->get(), static_cast<size_t>(st.st_size)); !bytes) {
        out.note = "not read: " + bytes.error().text();
    } else {
        out = scan_image(*bytes);
    }
    if (m_done.size() < k_max_preload_cache) m_done.emplace(key, out);
    return out;
}

void put_preload_hooks(nlohmann::json& record, const std::string& prefix,
                       const std::vector<std::pair<std::string, PreloadScan>>& scans) {
    if (scans.empty()) {
        record[prefix + "hooks"] = nullptr;
        record[prefix + "techniques"] = nullptr;
        record[prefix + "hooks_note"] = nullptr;
        return;
    }
    std::vector<std::string> hooks;
    std::vector<std::string> techniques;
    std::string note;
    bool any_read = false;
    for (const auto& [name, scan] : scans) {
        any_read = any_read || scan.read;
        hooks.insert(hooks.end(), scan.hooks.begin(), scan.hooks.end());
        techniques.insert(techniques.end(), scan.techniques.begin(), scan.techniques.end());
        if (scan.note.empty()) continue;
        if (!note.empty()) note += "; ";
        note += scans.size() > 1 ? name + ": " + scan.note : scan.note;
    }
    std::sort(hooks.begin(), hooks.end());
    hooks.erase(std::unique(hooks.begin(), hooks.end()), hooks.end());
    // Techniques in their fixed order (preload::techniques()), each once.
    std::vector<std::string> ordered;
    for (const auto& t : preload::techniques()) {
        if (std::find(techniques.begin(), techniques.end(), t.name) != techniques.end()) {
            ordered.emplace_back(t.name);
        }
    }
    record[prefix + "hooks"] = any_read ? nlohmann::json(hooks) : nlohmann::json(nullptr);
    record[prefix + "techniques"] = any_read ? nlohmann::json(ordered) : nlohmann::json(nullptr);
    record[prefix + "hooks_note"] = note.empty() ? nlohmann::json(nullptr) : nlohmann::json(note);
}

}  // namespace irsnap::collectors
