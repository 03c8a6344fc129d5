// SPDX-License-Identifier: Apache-2.0
// The kernel's BPF objects through the bpf() system call: ids, then each object's information
// through a descriptor opened read-only and closed at once. Nothing is loaded, attached,
// pinned or changed; another process's descriptor is read through BPF_TASK_FD_QUERY or, for a
// socket's classic filter, a duplicate (pidfd_getfd) closed as soon as the filter is copied.
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/filter.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <fmt/format.h>

#include "irsnap/linux/bpf_objects.hpp"
#include "irsnap/linux/fd_util.hpp"
#include "iterator.hpp"

namespace irsnap::bpf {
namespace {

std::string type_name(const char* libbpf_name, uint32_t value) {
    return libbpf_name ? std::string(libbpf_name) : fmt::format("type_{}", value);
}

std::string attach_type_name(uint32_t value) {
    return type_name(libbpf_bpf_attach_type_str(static_cast<bpf_attach_type>(value)), value);
}

std::string hex_tag(const unsigned char* tag, size_t size) {
    std::string out;
    for (size_t i = 0; i < size; ++i) out += fmt::format("{:02x}", tag[i]);
    return out;
}

/// The union of bpf_link_info as kernels from 6.6 lay out its perf_event member (Debian 12's
/// headers predate it): the same offsets, spelled here so the tracepoint or kprobe of a perf
/// link can be read on the kernels that give it.
struct LinkInfoBuffer {
    bpf_link_info head;
    unsigned char spare[128];
};
struct PerfEventLink {  // at offsetof(bpf_link_info, raw_tracepoint)
    uint32_t type;      // 1 uprobe, 2 uretprobe, 3 kprobe, 4 kretprobe, 5 tracepoint, 6 event
    uint32_t pad;
    uint64_t name;  // tp_name / func_name / file_name: a user pointer
    uint32_t name_len;
    uint32_t offset;
    uint64_t addr;
};

/// One BTF lookup for the whole listing: tracing links name their target by BTF type id.
class BtfNames {
  public:
    ~BtfNames() {
        if (m_vmlinux) btf__free(m_vmlinux);
    }
    std::string name(uint32_t object_id, uint32_t type_id) {
        if (!m_tried) {
            m_tried = true;
            m_vmlinux = btf__load_vmlinux_btf();
            if (libbpf_get_error(m_vmlinux)) m_vmlinux = nullptr;
        }
        if (!m_vmlinux) return {};
        btf* module = object_id ? btf__load_from_kernel_by_id_split(object_id, m_vmlinux) : nullptr;
        if (libbpf_get_error(module)) module = nullptr;
        const btf* from = module ? module : m_vmlinux;
        std::string out;
        if (const btf_type* t = btf__type_by_id(from, type_id)) {
            if (const char* n = btf__name_by_offset(from, t->name_off)) out = n;
        }
        if (module) btf__free(module);
        return out;
    }

  private:
    bool m_tried = false;
    btf* m_vmlinux = nullptr;
};

void read_program(int fd, const KallsymsLookup& symbols, Program& p) {
    bpf_prog_info info{};
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0)
        throw std::system_error(errno, std::generic_category());
    p.type = type_name(libbpf_bpf_prog_type_str(static_cast<bpf_prog_type>(info.type)), info.type);
    p.name.assign(info.name, strnlen(info.name, sizeof(info.name)));
    p.tag = hex_tag(info.tag, sizeof(info.tag));
    p.load_time_boot_ns = info.load_time;
    p.uid = info.created_by_uid;
    p.btf_id = info.btf_id;
    p.xlated_bytes = info.xlated_prog_len;
    p.jited_bytes = info.jited_prog_len;
    p.gpl = info.gpl_compatible;
    p.run_count = info.run_cnt;
    // Second call: the map ids and the translated instructions, into buffers of the sizes the
    // first call gave (capped: 1 million instructions is the verifier's own limit).
    const uint32_t maps = std::min<uint32_t>(info.nr_map_ids, 4096);
    const uint32_t xlated = std::min<uint32_t>(info.xlated_prog_len, 8u << 20);
    std::vector<uint32_t> map_ids(maps);
    std::string insns(xlated, '\0');
    bpf_prog_info more{};
    more.nr_map_ids = maps;
    more.map_ids = reinterpret_cast<uint64_t>(map_ids.data());
    more.xlated_prog_len = xlated;
    more.xlated_prog_insns = reinterpret_cast<uint64_t>(insns.data());
    len = sizeof(more);
    if (bpf_obj_get_info_by_fd(fd, &more, &len) != 0) return;
    map_ids.resize(std::min(maps, more.nr_map_ids));
    p.map_ids = std::move(map_ids);
    insns.resize(std::min(xlated, more.xlated_prog_len));
    const auto calls = helper_call_immediates(insns);
    bool hidden = false;
    for (int32_t imm : calls) {
        const std::string name = symbols.helper(imm);
        if (!name.empty()) {
            p.helpers.push_back(name);
        } else {
            hidden = true;
        }
    }
    if (hidden) {
        p.helpers_note = symbols.call_base == 0
                             ? "helper addresses hidden (kptr_restrict, or no /proc/kallsyms)"
                             : "some helper calls did not resolve to a bpf_* symbol";
    }
    if (insns.empty() && p.xlated_bytes) p.helpers_note = "instructions not readable";
}

void read_link(int fd, BtfNames& btf_names, Link& l) {
    LinkInfoBuffer buffer{};
    uint32_t len = sizeof(buffer.head);
    if (bpf_obj_get_info_by_fd(fd, &buffer.head, &len) != 0)
        throw std::system_error(errno, std::generic_category());
    const bpf_link_info& info = buffer.head;
    l.type = type_name(libbpf_bpf_link_type_str(static_cast<bpf_link_type>(info.type)), info.type);
    l.prog_id = info.prog_id;
    char name[512] = {};
    switch (info.type) {
        case BPF_LINK_TYPE_RAW_TRACEPOINT: {
            LinkInfoBuffer again{};
            again.head.raw_tracepoint.tp_name = reinterpret_cast<uint64_t>(name);
            again.head.raw_tracepoint.tp_name_len = sizeof(name) - 1;
            len = sizeof(again.head);
            if (bpf_obj_get_info_by_fd(fd, &again.head, &len) == 0) l.attach_point = name;
            break;
        }
        case BPF_LINK_TYPE_TRACING:
            l.attach_type = attach_type_name(info.tracing.attach_type);
            l.attach_point = btf_names.name(info.tracing.target_obj_id, info.tracing.target_btf_id);
            break;
        case BPF_LINK_TYPE_CGROUP:
            l.attach_type = attach_type_name(info.cgroup.attach_type);
            l.attach_point = fmt::format("cgroup id {}", info.cgroup.cgroup_id);
            break;
        case BPF_LINK_TYPE_NETNS:
            l.attach_type = attach_type_name(info.netns.attach_type);
            l.attach_point = fmt::format("netns {}", info.netns.netns_ino);
            break;
        case BPF_LINK_TYPE_XDP:
            l.attach_point = fmt::format("ifindex {}", info.xdp.ifindex);
            break;
        case BPF_LINK_TYPE_PERF_EVENT: {
            LinkInfoBuffer again{};
            auto* perf = reinterpret_cast<PerfEventLink*>(&again.head.raw_tracepoint);
            std::memcpy(perf, &buffer.head.raw_tracepoint, sizeof(*perf));
            perf->name = reinterpret_cast<uint64_t>(name);
            perf->name_len = sizeof(name) - 1;
            len = sizeof(again);
            if (bpf_obj_get_info_by_fd(fd, &again.head, &len) != 0 || !name[0]) break;
            static const char* const kinds[] = {"",       "uprobe",    "uretprobe",
                                                "kprobe", "kretprobe", "tracepoint"};
            l.attach_type = perf->type < 6 ? kinds[perf->type] : "";
            l.attach_point = name;
            break;
        }
        default:
            break;
    }
}

void read_map(int fd, Map& m) {
    bpf_map_info info{};
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0)
        throw std::system_error(errno, std::generic_category());
    m.type = type_name(libbpf_bpf_map_type_str(static_cast<bpf_map_type>(info.type)), info.type);
    m.name.assign(info.name, strnlen(info.name, sizeof(info.name)));
    m.key_size = info.key_size;
    m.value_size = info.value_size;
    m.max_entries = info.max_entries;
    m.flags = info.map_flags;
}

/// Walks one id space: `next` gives the ids, `open` a descriptor, `read` fills the object.
template <typename T, typename Next, typename Open, typename Read>
void walk_ids(const char* what, Next next, Open open, Read read, std::vector<T>& out,
              std::vector<ItemError>& errors) {
    uint32_t id = 0;
    for (size_t guard = 0; guard < (1u << 20); ++guard) {
        if (next(id, &id) != 0) {
            if (errno != ENOENT)
                errors.push_back(ItemError::from_errno("bpf-next-id", errno, what));
            return;
        }
        const int fd = open(id);
        if (fd < 0) {
            if (errno != ENOENT) {  // ENOENT: unloaded since its id was listed
                errors.push_back(
                    ItemError::from_errno("bpf-get-fd", errno, fmt::format("{} {}", what, id)));
            }
            continue;
        }
        posix::UniqueFd owned(fd);
        T object;
        object.id = id;
        try {
            read(fd, object);
            out.push_back(std::move(object));
        } catch (const std::system_error& e) {
            errors.push_back(ItemError::from_errno("bpf-info", e.code().value(),
                                                   fmt::format("{} {}", what, id)));
        }
    }
}

}  // namespace

Objects list_objects(std::string_view kallsyms_text) {
    bpf_iter::capture_libbpf_output();
    const KallsymsLookup symbols = read_bpf_symbols(kallsyms_text);
    Objects out;
    bpf_get_fd_by_id_opts read_only{};
    read_only.sz = sizeof(read_only);
    read_only.open_flags = BPF_F_RDONLY;
    walk_ids<Program>(
        "prog", bpf_prog_get_next_id, [](uint32_t id) { return bpf_prog_get_fd_by_id(id); },
        [&](int fd, Program& p) { read_program(fd, symbols, p); }, out.programs, out.errors);
    BtfNames btf_names;
    walk_ids<Link>(
        "link", bpf_link_get_next_id, [](uint32_t id) { return bpf_link_get_fd_by_id(id); },
        [&](int fd, Link& l) { read_link(fd, btf_names, l); }, out.links, out.errors);
    walk_ids<Map>(
        "map", bpf_map_get_next_id,
        [&](uint32_t id) { return bpf_map_get_fd_by_id_opts(id, &read_only); },
        [](int fd, Map& m) { read_map(fd, m); }, out.maps, out.errors);
    return out;
}

Result<TaskFdAttachment> query_task_fd(int32_t pid, int32_t fd) {
    char name[512] = {};
    uint32_t name_len = sizeof(name) - 1;
    TaskFdAttachment a;
    uint32_t fd_type = 0;
    __u64 offset = 0, address = 0;
    if (bpf_task_fd_query(pid, fd, 0, name, &name_len, &a.prog_id, &fd_type, &offset, &address) !=
        0) {
        return ItemError::from_errno("bpf-task-fd-query", errno,
                                     fmt::format("pid {} fd {}", pid, fd));
    }
    static const char* const kinds[] = {"raw_tracepoint", "tracepoint", "kprobe",
                                        "kretprobe",      "uprobe",     "uretprobe"};
    a.kind = fd_type < 6 ? kinds[fd_type] : fmt::format("fd_type_{}", fd_type);
    a.point.assign(name, strnlen(name, sizeof(name)));
    a.offset = offset;
    a.address = address;
    return a;
}

Result<Pin> inspect_pin(const std::string& path) {
    struct bpf_obj_get_opts opts {};
    opts.sz = sizeof(opts);
    opts.file_flags = BPF_F_RDONLY;
    const int fd = bpf_obj_get_opts(path.c_str(), &opts);
    if (fd < 0) return ItemError::from_errno("bpf-obj-get", errno, path);
    posix::UniqueFd owned(fd);
    // The info call of the wrong kind fails with EINVAL: try the three.
    Pin pin;
    bpf_prog_info prog{};
    uint32_t len = sizeof(prog);
    char link_text[64] = {};
    const std::string self = fmt::format("/proc/self/fd/{}", fd);
    const ssize_t n = ::readlink(self.c_str(), link_text, sizeof(link_text) - 1);
    const std::string_view kind = bpf_fd_kind(n > 0 ? std::string_view(link_text, n) : "");
    pin.kind = std::string(kind);
    if (kind == "prog" && bpf_obj_get_info_by_fd(fd, &prog, &len) == 0) {
        pin.id = prog.id;
    } else if (kind == "map") {
        bpf_map_info map{};
        len = sizeof(map);
        if (bpf_obj_get_info_by_fd(fd, &map, &len) == 0) pin.id = map.id;
    } else if (kind == "link") {
        bpf_link_info link{};
        len = sizeof(link);
        if (bpf_obj_get_info_by_fd(fd, &link, &len) == 0) pin.id = link.id;
    }
    return pin;
}

Result<std::string> socket_filter(int32_t pid, int32_t fd) {
    const std::string where = fmt::format("pid {} fd {}", pid, fd);
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) return ItemError::from_errno("pidfd_open", errno, where);
    posix::UniqueFd owned_pidfd(pidfd);
    const int dup = static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd, fd, 0));
    if (dup < 0) return ItemError::from_errno("pidfd_getfd", errno, where);
    posix::UniqueFd owned(dup);
    socklen_t count = 0;  // SO_GET_FILTER speaks in instructions, not bytes
    if (::getsockopt(dup, SOL_SOCKET, SO_GET_FILTER, nullptr, &count) != 0) {
        return ItemError::from_errno("getsockopt", errno, where);
    }
    if (count == 0) return std::string();
    if (count > BPF_MAXINSNS) return ItemError::from_errno("getsockopt", EFBIG, where);
    std::vector<sock_filter> program(count);
    socklen_t got = count;
    if (::getsockopt(dup, SOL_SOCKET, SO_GET_FILTER, program.data(), &got) != 0) {
        return ItemError::from_errno("getsockopt", errno, where);
    }
    return std::string(reinterpret_cast<const char*>(program.data()),
                       std::min<size_t>(got, count) * sizeof(sock_filter));
}

}  // namespace irsnap::bpf
