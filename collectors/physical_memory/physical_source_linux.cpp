// SPDX-License-Identifier: Apache-2.0
// Physical-memory sources (physical_source_linux.hpp): opening each the one safe way, a test
// read of one page of RAM, and a reason in one phrase when it cannot be used.
#include "physical_source_linux.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "irsnap/linux/fd_util.hpp"
#include "irsnap/linux/kernel_state.hpp"

namespace irsnap::collectors {
namespace {

constexpr uint64_t k_first_mib = 1u << 20;

/// pread until `size` bytes, the end, or an error other than EINTR: bytes read or -errno.
long pread_all(int fd, char* buffer, size_t size, off_t offset) {
    size_t done = 0;
    while (done < size) {
        const ssize_t n = pread(fd, buffer + done, size - done, offset + static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return done > 0 ? static_cast<long>(done) : -errno;
        if (n == 0) break;
        done += static_cast<size_t>(n);
    }
    return static_cast<long>(done);
}

/// "kernel lockdown (confidentiality)" when the kernel is locked down, else the errno's text.
std::string refusal(const Context& ctx, int err) {
    if (err == EPERM) {
        auto text = posix::read_file_at(
            AT_FDCWD, ctx.host_path("sys/kernel/security/lockdown").string(), 4096);
        if (text) {
            auto mode = procfs::parse_sys_kernel_security_lockdown(*text);
            if (mode && *mode != "none")
                return fmt::format("refused by kernel lockdown ({})", *mode);
        }
        return "refused (EPERM): kernel lockdown or a security module";
    }
    if (err == EACCES) return "needs root (CAP_SYS_RAWIO)";
    return std::strerror(err);
}

/// The first page of RAM a source should be able to read: above the first MiB when there is
/// RAM there (STRICT_DEVMEM allows the first MiB and nothing else), else the lowest.
std::optional<uint64_t> probe_address(const PhysicalSource& s,
                                      const std::vector<physmem::PhysicalRange>& ram) {
    std::optional<uint64_t> lowest;
    for (const auto& r : ram) {
        for (uint64_t at : {std::max(r.start, k_first_mib), r.start}) {
            if (at >= r.end || (s.translated && !physmem::segment_holding(s.segments, at))) {
                continue;
            }
            if (at >= k_first_mib) return at;
            if (!lowest) lowest = at;
        }
    }
    return lowest;
}

/// Reads one page at the probe address: "" when it works, else why not.
std::string test_read(const Context& ctx, const PhysicalSource& s,
                      const std::vector<physmem::PhysicalRange>& ram) {
    const auto at = probe_address(s, ram);
    if (!at) return "maps none of /proc/iomem's System RAM";
    char page[4096];
    const long n = read_physical(s, *at, page, sizeof page);
    if (n > 0) return "";
    if (n == -EPERM && !s.translated && *at >= k_first_mib) {
        return "STRICT_DEVMEM: RAM above the first MiB cannot be read";
    }
    return fmt::format("reading RAM at 0x{:x} fails: {}", *at,
                       n < 0 ? refusal(ctx, static_cast<int>(-n)) : "no bytes");
}

std::optional<PhysicalSource> try_kcore(const Context& ctx,
                                        const std::vector<physmem::PhysicalRange>& ram,
                                        PhysicalSourceCheck& check) {
    auto fd = posix::open_regular_at(AT_FDCWD, (ctx.proc_root / "kcore").string());
    if (!fd) {
        const int err = fd.error().code;
        check.reason = err == ENOENT ? "absent: the kernel is built without CONFIG_PROC_KCORE"
                                     : refusal(ctx, err);
        return std::nullopt;
    }
    PhysicalSource s{check.name, std::move(*fd), {}, true};
    std::string first(64, '\0');
    const long got = pread_all(s.fd.get(), first.data(), first.size(), 0);
    if (got < 0) {
        check.reason = "reading its ELF header fails: " + refusal(ctx, static_cast<int>(-got));
        return std::nullopt;
    }
    first.resize(static_cast<size_t>(got));
    std::string error;
    const auto span = physmem::kcore_header_span(first, error);
    if (!span) {
        check.reason = "its ELF header is unusable: " + error;
        return std::nullopt;
    }
    std::string header(*span, '\0');
    const long whole = pread_all(s.fd.get(), header.data(), header.size(), 0);
    header.resize(whole > 0 ? static_cast<size_t>(whole) : 0);
    auto segments = physmem::parse_kcore_segments(header, error);
    if (!segments) {
        check.reason = "its program headers are unusable: " + error;
        return std::nullopt;
    }
    s.segments = physmem::segments_in_ram(*segments, ram, page_size());
    if (s.segments.empty()) {
        check.reason = segments->empty()
                           ? "its program headers give no physical address at all"
                           : "its program headers give no physical address inside System RAM "
                             "(a kernel before 4.11 writes p_paddr 0 for every segment)";
        return std::nullopt;
    }
    check.reason = test_read(ctx, s, ram);
    if (!check.reason.empty()) return std::nullopt;
    uint64_t mapped = 0, total = 0;
    for (const auto& r : ram) {
        total += r.size();
        mapped += physmem::mapped_bytes(r, s.segments);
    }
    check.usable = true;
    check.reason = fmt::format("maps {} of the {} bytes of System RAM ({} segments)", mapped, total,
                               s.segments.size());
    return s;
}

/// The device number /sys/class/misc/NAME/dev gives ("10:58"), for a misc device like
/// /dev/crash whose minor number is assigned at load.
std::optional<dev_t> misc_device(const Context& ctx, const std::string& name) {
    auto text = posix::read_file_at(AT_FDCWD,
                                    ctx.host_path("sys/class/misc/" + name + "/dev").string(), 64);
    unsigned major_number = 0, minor_number = 0;
    if (!text || std::sscanf(text->c_str(), "%u:%u", &major_number, &minor_number) != 2) {
        return std::nullopt;
    }
    return makedev(major_number, minor_number);
}

std::optional<PhysicalSource> try_device(const Context& ctx,
                                         const std::vector<physmem::PhysicalRange>& ram,
                                         PhysicalSourceCheck& check,
                                         std::optional<dev_t> expected) {
    if (!ctx.live_proc()) {
        check.reason = "not tried: the proc root is not the live /proc";
        return std::nullopt;
    }
    // O_PATH first, as for every file: opening a device runs its driver, so a planted node or
    // a symlink to another device (a watchdog) must be refused before it is opened.
    UniqueFd path(::open(check.name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!path) {
        check.reason =
            errno == ENOENT
                ? (check.name == "/dev/crash" ? "absent (a Red Hat driver, crash.ko)" : "absent")
                : refusal(ctx, errno);
        return std::nullopt;
    }
    struct stat st {};
    if (fstat(path.get(), &st) != 0 || !S_ISCHR(st.st_mode) || !expected ||
        st.st_rdev != *expected) {
        check.reason = fmt::format("is not the kernel's memory device (mode {:o}, device {}:{})",
                                   st.st_mode, major(st.st_rdev), minor(st.st_rdev));
        return std::nullopt;
    }
    UniqueFd fd(::open(fmt::format("/proc/self/fd/{}", path.get()).c_str(),
                       O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd) {
        check.reason = refusal(ctx, errno);
        return std::nullopt;
    }
    PhysicalSource s{check.name, std::move(fd), {}, false};
    check.reason = test_read(ctx, s, ram);
    if (!check.reason.empty()) return std::nullopt;
    check.usable = true;
    check.reason = "physical offsets";
    return s;
}

}  // namespace

uint64_t page_size() {
    const long size = sysconf(_SC_PAGESIZE);
    return size > 0 ? static_cast<uint64_t>(size) : 4096;
}

long read_physical(const PhysicalSource& source, uint64_t address, char* buffer, size_t size) {
    size_t done = 0;
    while (done < size) {
        const uint64_t at = address + done;
        size_t want = size - done;
        uint64_t offset = at;
        if (source.translated) {
            const auto* seg = physmem::segment_holding(source.segments, at);
            if (!seg) break;
            want = static_cast<size_t>(std::min<uint64_t>(want, seg->physical + seg->size - at));
            offset = seg->file_offset + (at - seg->physical);
        }
        if (offset > static_cast<uint64_t>(INT64_MAX) - want) break;
        const ssize_t n = pread(source.fd.get(), buffer + done, want, static_cast<off_t>(offset));
        if (n < 0) {
            if (errno == EINTR) continue;
            if (done > 0) break;
            return -errno;
        }
        if (n == 0) break;
        done += static_cast<size_t>(n);
    }
    return static_cast<long>(done);
}

std::optional<PhysicalSource> open_physical_source(const Context& ctx,
                                                   const std::vector<physmem::PhysicalRange>& ram,
                                                   std::vector<PhysicalSourceCheck>& checks) {
    checks.push_back({"/proc/kcore", false, ""});
    if (auto s = try_kcore(ctx, ram, checks.back())) return s;
    checks.push_back({"/dev/crash", false, ""});
    if (auto s = try_device(ctx, ram, checks.back(), misc_device(ctx, "crash"))) return s;
    checks.push_back({"/dev/mem", false, ""});
    return try_device(ctx, ram, checks.back(), makedev(1, 1));
}

}  // namespace irsnap::collectors
