// SPDX-License-Identifier: Apache-2.0
// The bpf collector: the kernel's BPF objects by id (platform/linux/bpf_objects.hpp), joined
// with the run's descriptor walk (who holds what) and bpffs (what is pinned), and the classic
// filters of raw and packet sockets. One object failing says nothing about the next.
#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bpf.hpp"
#include "common/escaped_text.hpp"
#include "irsnap/clock_sampling.hpp"
#include "irsnap/hash.hpp"
#include "irsnap/linux/bpf_objects.hpp"
#include "irsnap/linux/fd_util.hpp"
#include "irsnap/linux/kernel_tasks.hpp"
#include "irsnap/linux/proc_net.hpp"
#include "irsnap/linux/procfs.hpp"
#include "irsnap/open_handles.hpp"
#include "irsnap/text.hpp"

namespace irsnap::collectors {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

/// Pinned objects looked at, at most: bpffs is small on any real host.
constexpr size_t k_max_pins = 10000;

struct Holder {
    int32_t pid;
    int32_t fd;
    std::string process;
};

/// What the descriptor walk says about BPF: who holds which object, which perf events carry a
/// program, which sockets to ask for a classic filter.
struct HeldObjects {
    std::map<uint32_t, std::vector<Holder>> progs, maps, links;
    std::vector<std::pair<Holder, bpf::TaskFdAttachment>> perf_attachments;
    std::vector<std::pair<Holder, uint64_t>> sockets;  ///< socket descriptors and their inode
};

json holders_json(const std::map<uint32_t, std::vector<Holder>>& table, uint32_t id) {
    json out = json::array();
    const auto found = table.find(id);
    if (found == table.end()) return out;
    for (const auto& h : found->second) {
        bool escaped = false;
        out.push_back(
            {{"pid", h.pid}, {"fd", h.fd}, {"process", escape_bytes(h.process, escaped)}});
    }
    return out;
}

class BpfCollector {
  public:
    BpfCollector(const Context& ctx, RecordSink& sink) : m_ctx(ctx), m_sink(sink) {}

    void run() {
        auto proc = posix::open_dir_at(AT_FDCWD, m_ctx.proc_root.string());
        if (!proc) throw std::runtime_error("cannot open the proc root: " + proc.error().message);
        m_proc_fd = std::move(*proc);
        json scan = {{"kind", "scan"}};
        if (::geteuid() != 0) {
            m_sink.coverage("not root: the kernel lists BPF objects only to CAP_SYS_ADMIN");
        }
        std::string kallsyms;
        if (auto text = posix::read_file_at(m_proc_fd.get(), "kallsyms", 64u << 20)) {
            kallsyms = std::move(*text);
        } else {
            m_sink.coverage("/proc/kallsyms not readable: helper calls are not named");
        }
        bpf::Objects objects = bpf::list_objects(kallsyms);
        kallsyms.clear();
        kallsyms.shrink_to_fit();
        for (const auto& e : objects.errors) m_sink.item_error(e);
        const HeldObjects held = read_holders();
        std::vector<bpf::TaskFdAttachment> perf;
        for (const auto& [holder, a] : held.perf_attachments) perf.push_back(a);
        bpf::fill_perf_link_points(objects.links, perf);
        const auto pins = read_pins();
        const ClockSample now = sample_clocks();

        scan["programs"] = objects.programs.size();
        scan["links"] = objects.links.size();
        scan["maps"] = objects.maps.size();
        size_t pin_count = 0;
        for (const auto& [key, paths] : pins) pin_count += paths.size();
        scan["pins"] = pin_count;
        std::vector<json> filters = socket_filters(held);
        scan["sockets_checked"] = m_sockets_checked;
        scan["socket_filters"] = filters.size();
        // irsnap's own iterators (KernelViewPrograms) are loaded while this runs: the records
        // are about the host, so exactly those are counted, not listed.
        const bpf::OwnIds own = bpf::own_ids();
        scan["own_objects"] = own.programs.size() + own.maps.size();
        null_missing_fields(scan, bpf_spec(), "linux");
        m_sink.emit(scan);

        for (const auto& p : objects.programs) {
            if (own.programs.count(p.id)) continue;
            json r = {{"kind", "program"}, {"id", p.id}, {"type", p.type}, {"tag", p.tag}};
            put_text(r, "name", p.name);
            const int64_t since_load = now.boottime_ns - static_cast<int64_t>(p.load_time_boot_ns);
            r["loaded_at"] = format_rfc3339_utc(now.realtime_ns - since_load);
            r["uid"] = p.uid;
            r["btf_id"] = p.btf_id;
            r["map_ids"] = p.map_ids;
            r["xlated_bytes"] = p.xlated_bytes;
            r["jited_bytes"] = p.jited_bytes;
            r["gpl_compatible"] = p.gpl;
            r["run_count"] = p.run_count;
            r["helpers"] = p.helpers;
            json dangerous = json::array();
            for (const auto& h : p.helpers) {
                if (bpf::is_dangerous_helper(h)) dangerous.push_back(h);
            }
            r["dangerous_helpers"] = std::move(dangerous);
            r["helpers_note"] = p.helpers_note.empty() ? json(nullptr) : json(p.helpers_note);
            r["attach_points"] = attach_points(p.id, objects.links, held);
            r["holders"] = holders_json(held.progs, p.id);
            r["pinned"] = pinned(pins, "prog", p.id);
            emit(r);
        }
        for (const auto& l : objects.links) {
            json r = {{"kind", "link"},
                      {"id", l.id},
                      {"type", l.type},
                      {"prog_id", l.prog_id},
                      {"holders", holders_json(held.links, l.id)},
                      {"pinned", pinned(pins, "link", l.id)}};
            r["attach_type"] = l.attach_type.empty() ? json(nullptr) : json(l.attach_type);
            if (l.attach_point.empty()) {
                r["attach_point"] = nullptr;
            } else {
                put_text(r, "attach_point", l.attach_point);
            }
            emit(r);
        }
        for (const auto& m : objects.maps) {
            if (own.maps.count(m.id)) continue;
            json r = {{"kind", "map"},
                      {"id", m.id},
                      {"type", m.type},
                      {"key_size", m.key_size},
                      {"value_size", m.value_size},
                      {"max_entries", m.max_entries},
                      {"flags", m.flags},
                      {"holders", holders_json(held.maps, m.id)},
                      {"pinned", pinned(pins, "map", m.id)}};
            put_text(r, "name", m.name);
            emit(r);
        }
        for (auto& f : filters) emit(f);
        m_ctx.release_open_handles("bpf");
    }

  private:
    void emit(json& r) {
        null_missing_fields(r, bpf_spec(), "linux");
        m_sink.emit(r);
    }

    /// Every descriptor the walk saw that is a BPF object, a perf event or a socket.
    HeldObjects read_holders() {
        HeldObjects out;
        const HandleSnapshot& snapshot = m_ctx.open_handles("bpf");
        if (!snapshot.complete)
            m_sink.coverage("the descriptor walk was cut short: holders may be missing");
        for (const auto& h : snapshot.handles) {
            if (m_ctx.should_stop()) break;
            const std::string_view target = h.target;
            const std::string_view kind = bpf::bpf_fd_kind(target);
            Holder holder{h.pid, h.fd,
                          h.process < snapshot.process_names.size()
                              ? snapshot.process_names[h.process]
                              : std::string()};
            if (!kind.empty()) {
                auto text = posix::read_file_at(m_proc_fd.get(),
                                                fmt::format("{}/fdinfo/{}", h.pid, h.fd), 1 << 16);
                if (!text) {
                    m_sink.race();  // closed or gone since the walk
                    continue;
                }
                const auto ids = bpf::parse_bpf_fdinfo(*text);
                if (kind == "prog" && ids.prog_id) out.progs[ids.prog_id].push_back(holder);
                if (kind == "map" && ids.map_id) out.maps[ids.map_id].push_back(holder);
                if (kind == "link" && ids.link_id) out.links[ids.link_id].push_back(holder);
            } else if (target == "anon_inode:[perf_event]") {
                auto query = bpf::query_task_fd(h.pid, h.fd);
                if (query && query->prog_id) out.perf_attachments.emplace_back(holder, *query);
            } else if (target.substr(0, 8) == "socket:[") {
                const uint64_t inode =
                    std::strtoull(std::string(target.substr(8)).c_str(), nullptr, 10);
                if (inode) out.sockets.emplace_back(std::move(holder), inode);
            }
        }
        return out;
    }

    /// (kind, id) -> bpffs paths, from every bpf mount in mountinfo.
    std::map<std::pair<std::string, uint32_t>, std::vector<std::string>> read_pins() {
        std::map<std::pair<std::string, uint32_t>, std::vector<std::string>> out;
        auto text = posix::read_file_at(m_proc_fd.get(), "self/mountinfo");
        if (!text) return out;
        size_t seen = 0;
        std::set<std::string> walked;
        for (const auto& m : procfs::parse_proc_pid_mountinfo(*text, nullptr)) {
            if (m.fs_type != "bpf" || !walked.insert(m.mount_point).second) continue;
            std::error_code ec;
            fs::recursive_directory_iterator it(m.mount_point,
                                                fs::directory_options::skip_permission_denied, ec);
            for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
                if (++seen > k_max_pins) {
                    m_sink.coverage(fmt::format(
                        "more than {} entries under bpffs: the rest not looked at", k_max_pins));
                    return out;
                }
                if (it.depth() > 16) it.disable_recursion_pending();
                std::error_code type_ec;
                if (!it->is_regular_file(type_ec) || it->is_symlink(type_ec)) continue;
                auto pin = bpf::inspect_pin(it->path().string());
                if (!pin) {
                    m_sink.item_error(pin.error());
                    continue;
                }
                if (!pin->kind.empty()) out[{pin->kind, pin->id}].push_back(it->path().string());
            }
        }
        return out;
    }

    json pinned(const std::map<std::pair<std::string, uint32_t>, std::vector<std::string>>& pins,
                const std::string& kind, uint32_t id) {
        const auto found = pins.find({kind, id});
        json out = json::array();
        if (found == pins.end()) return out;
        for (const auto& p : found->second) out.push_back(escape_bytes_always(p));
        return out;
    }

    json attach_points(uint32_t prog_id, const std::vector<bpf::Link>& links,
                       const HeldObjects& held) {
        json out = json::array();
        for (const auto& l : links) {
            if (l.prog_id != prog_id) continue;
            out.push_back({{"via", "link"},
                           {"link_id", l.id},
                           {"pid", nullptr},
                           {"fd", nullptr},
                           {"attach_type", l.attach_type.empty() ? l.type : l.attach_type},
                           {"point", escape_bytes_always(l.attach_point)}});
        }
        for (const auto& [holder, a] : held.perf_attachments) {
            if (a.prog_id != prog_id) continue;
            json point = {{"via", "perf_event"},   {"link_id", nullptr},
                          {"pid", holder.pid},     {"fd", holder.fd},
                          {"attach_type", a.kind}, {"point", escape_bytes_always(a.point)}};
            bool duplicate = false;
            for (const auto& p : out) {
                duplicate = duplicate || (p["point"] == point["point"] &&
                                          p["attach_type"] == point["attach_type"]);
            }
            if (!duplicate) out.push_back(std::move(point));
        }
        return out;
    }

    /// Socket inodes of the raw and packet tables of every network namespace a process is in.
    std::map<uint64_t, std::string> raw_and_packet_inodes() {
        std::map<uint64_t, std::string> out;
        std::set<std::string> namespaces;
        auto add = [&](const std::string& dir) {
            if (auto t = posix::read_file_at(m_proc_fd.get(), dir + "/net/packet", 16u << 20)) {
                for (const auto& row : procfs::parse_proc_net_packet(*t))
                    out.emplace(row.inode, "packet");
            }
            for (const auto& [table, family] :
                 {std::pair{"raw", AF_INET}, std::pair{"raw6", AF_INET6}}) {
                if (auto t =
                        posix::read_file_at(m_proc_fd.get(), dir + "/net/" + table, 16u << 20)) {
                    for (const auto& row : procfs::parse_proc_net_inet(*t, family))
                        out.emplace(row.inode, table);
                }
            }
        };
        add("self");
        const int fd = ::openat(m_proc_fd.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR* dir = fd >= 0 ? ::fdopendir(fd) : nullptr;
        if (!dir) {
            if (fd >= 0) ::close(fd);
            return out;
        }
        while (dirent* entry = ::readdir(dir)) {
            const std::string name = entry->d_name;
            if (name.empty() || name[0] < '1' || name[0] > '9') continue;
            auto ns = posix::read_link_at(m_proc_fd.get(), name + "/ns/net");
            if (ns && namespaces.insert(*ns).second) add(name);
        }
        ::closedir(dir);
        return out;
    }

    std::vector<json> socket_filters(const HeldObjects& held) {
        std::vector<json> out;
        if (held.sockets.empty()) return out;
        const auto tables = raw_and_packet_inodes();
        for (const auto& [holder, inode] : held.sockets) {
            const auto table = tables.find(inode);
            if (table == tables.end()) continue;
            ++m_sockets_checked;
            auto filter = bpf::socket_filter(holder.pid, holder.fd);
            if (!filter) {
                m_sink.item_error(filter.error());
                continue;
            }
            if (filter->empty()) continue;
            json r = {{"kind", "socket_filter"},
                      {"pid", holder.pid},
                      {"fd", holder.fd},
                      {"socket_inode", inode},
                      {"socket_table", table->second},
                      {"instructions", filter->size() / 8},
                      {"filter_sha256", sha256_hex(*filter)},
                      {"filter_hex", to_hex(reinterpret_cast<const unsigned char*>(filter->data()),
                                            filter->size())}};
            put_text(r, "process", holder.process);
            if (auto exe =
                    posix::read_link_at(m_proc_fd.get(), fmt::format("{}/exe", holder.pid))) {
                put_text(r, "exe", *exe);
            }
            out.push_back(std::move(r));
        }
        return out;
    }

    const Context& m_ctx;
    RecordSink& m_sink;
    posix::UniqueFd m_proc_fd;
    size_t m_sockets_checked = 0;
};

}  // namespace

void collect_bpf(const Context& ctx, RecordSink& sink) {
    if (!ctx.params.bpf) {
        sink.coverage("--no-bpf: the kernel's BPF objects were not listed");
        ctx.release_open_handles("bpf");
        return;
    }
    sink.view("bpf");
    BpfCollector(ctx, sink).run();
}

}  // namespace irsnap::collectors
