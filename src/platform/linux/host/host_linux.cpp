// SPDX-License-Identifier: Apache-2.0
// Host and operator identity for the manifest, read from kernel interfaces and files only (no
// NSS, no DNS, no host programs).
#include <fcntl.h>
#include <net/if.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "irsnap/clock.hpp"
#include "irsnap/file_hash.hpp"
#include "irsnap/hash.hpp"
#include "irsnap/host.hpp"
#include "irsnap/linux/etc_files.hpp"
#include "irsnap/linux/fd_util.hpp"
#include "irsnap/linux/procfs.hpp"
#include "irsnap/linux/rtnetlink.hpp"
#include "irsnap/linux/users.hpp"
#include "irsnap/text.hpp"
#include "irsnap/time_zone.hpp"

namespace irsnap {
namespace {

using nlohmann::json;

/// Every host file of the manifest is small; a 1 GB one is an attack, cut at this.
constexpr size_t k_max_identity_file = 1 << 20;

/// The file's text, or "" when it is absent; a refused (FIFO, device), unreadable or cut file
/// is also a note, so an empty field is explained.
std::string read_or_empty(const std::filesystem::path& path, std::vector<std::string>& notes) {
    bool truncated = false;
    auto text = posix::read_file_at(AT_FDCWD, path.string(), k_max_identity_file, &truncated);
    if (!text) {
        if (text.error().code != ENOENT) {
            notes.push_back(fmt::format("{} not read ({}: {})", path.string(), text.error().stage,
                                        text.error().message));
        }
        return {};
    }
    if (truncated) {
        notes.push_back(fmt::format("{} larger than {} bytes: only the start was read",
                                    path.string(), k_max_identity_file));
    }
    return std::move(*text);
}

std::string read_trimmed(const std::filesystem::path& path, std::vector<std::string>& notes) {
    std::string s = read_or_empty(path, notes);
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
    return s;
}

std::string format_offset(long seconds) {
    char sign = seconds < 0 ? '-' : '+';
    long a = std::labs(seconds);
    return fmt::format("{}{:02}:{:02}", sign, a / 3600, (a % 3600) / 60);
}

/// Host text as a JSON string: escaped (\xHH) when not UTF-8, the field then named in
/// `escaped` (the object's escaped_fields), as records do.
json host_text(std::string_view bytes, const char* field, json& escaped) {
    bool was_escaped = false;
    std::string out = escape_bytes(bytes, was_escaped);
    if (was_escaped) escaped.push_back(field);
    return out;
}

/// Names, MACs and addresses from the same rtnetlink decoders the interfaces collector uses
/// (getifaddrs would be a second, unchecked netlink client). Empty when netlink fails: the
/// interfaces collector records the error.
json network_interfaces() {
    auto links = netlink::dump_links();
    if (!links) return json::array();
    std::map<int32_t, json> by_index;
    for (const auto& l : *links) {
        by_index[l.index] = {{"name", l.name},
                             {"up", l.flags && (*l.flags & IFF_UP) != 0},
                             {"mac", l.mac ? json(*l.mac) : json(nullptr)},
                             {"addresses", json::array()}};
    }
    if (auto addresses = netlink::dump_addresses(AF_UNSPEC)) {
        for (const auto& a : *addresses) {
            auto it = by_index.find(a.interface_index);
            if (it != by_index.end()) it->second["addresses"].push_back(a.address);
        }
    }
    std::map<std::string, json> by_name;  // the manifest lists interfaces by name
    for (auto& [index, entry] : by_index) {
        const std::string name = entry["name"];
        by_name[name] = std::move(entry);
    }
    json out = json::array();
    for (auto& [name, entry] : by_name) {
        // An interface name is whatever bytes its creator chose (ip link add ... name).
        json escaped = json::array();
        entry["name"] = host_text(name, "name", escaped);
        if (!escaped.empty()) entry["escaped_fields"] = std::move(escaped);
        out.push_back(std::move(entry));
    }
    return out;
}

}  // namespace

json describe_host(const HostView& ctx, std::vector<std::string>& notes) {
    utsname uts{};
    uname(&uts);
    auto os = etc::parse_etc_os_release(read_or_empty(ctx.host_path("etc/os-release"), notes));
    std::string hostname = uts.nodename;
    std::string hosts = read_or_empty(ctx.host_path("etc/hosts"), notes);
    json boot_time = nullptr;
    if (auto stat = posix::read_file_at(AT_FDCWD, (ctx.proc_root / "stat").string())) {
        if (auto btime = procfs::parse_proc_stat_btime(*stat)) {
            boot_time = format_rfc3339_utc(*btime * 1'000'000'000);
        }
    }
    if (auto problem = host_time_zone_problem(); !problem.empty()) notes.push_back(problem);
    const auto offset = host_utc_offset_seconds();
    // The node name, the hosts file, os-release and the machine id are the host's bytes: any of
    // them may be made not to be UTF-8, and a replaced byte could not be told from the original.
    json escaped = json::array();
    json escaped_os = json::array();
    json host = {
        {"hostname", host_text(hostname, "hostname", escaped)},
        {"fqdn", host_text(etc::fqdn_from_etc_hosts(hosts, hostname), "fqdn", escaped)},
        {"domainname", host_text(uts.domainname, "domainname", escaped)},
        {"machine_id",
         host_text(read_trimmed(ctx.host_path("etc/machine-id"), notes), "machine_id", escaped)},
        {"boot_id", read_trimmed(ctx.proc_root / "sys/kernel/random/boot_id", notes)},
        {"boot_time", boot_time},
        {"os",
         {{"family", "linux"},
          {"name", host_text(os.count("PRETTY_NAME") ? os["PRETTY_NAME"] : "", "name", escaped_os)},
          {"id", host_text(os.count("ID") ? os["ID"] : "", "id", escaped_os)},
          {"version",
           host_text(os.count("VERSION_ID") ? os["VERSION_ID"] : "", "version", escaped_os)}}},
        {"kernel", {{"release", uts.release}, {"version", uts.version}}},
        {"architecture", uts.machine},
        {"time_zone", host_text(host_time_zone_name(), "time_zone", escaped)},
        {"utc_offset", offset ? json(format_offset(*offset)) : json(nullptr)},
        {"utc_offset_seconds", offset ? json(*offset) : json(nullptr)},
        {"interfaces", network_interfaces()},
    };
    if (!escaped_os.empty()) host["os"]["escaped_fields"] = std::move(escaped_os);
    if (!escaped.empty()) host["escaped_fields"] = std::move(escaped);
    return host;
}

json describe_operator(const HostView& ctx, std::vector<std::string>& notes) {
    std::vector<ItemError> problems;
    auto users = users::UserDb::load(ctx.host_root, &problems);
    for (const auto& e : problems) {
        notes.push_back(fmt::format("{} not read ({}: {})", e.path, e.stage, e.message));
    }
    uid_t uid = getuid(), euid = geteuid();
    gid_t gid = getgid(), egid = getegid();
    json caps = json::array();
    if (auto status = posix::read_file_at(AT_FDCWD, (ctx.proc_root / "self/status").string())) {
        auto parsed = procfs::parse_proc_pid_status(*status);
        if (parsed.cap_eff) caps = procfs::capability_names(*parsed.cap_eff);
    }
    const char* sudo_user = std::getenv("SUDO_USER");
    json escaped = json::array();
    json op = {
        {"uid", uid},
        {"euid", euid},
        {"gid", gid},
        {"egid", egid},
        {"user", host_text(users.user(uid).value_or(""), "user", escaped)},
        {"effective_user", host_text(users.user(euid).value_or(""), "effective_user", escaped)},
        {"sudo_user", sudo_user ? host_text(sudo_user, "sudo_user", escaped) : json(nullptr)},
        {"elevated", euid == 0},
        {"capabilities", caps},
    };
    if (!escaped.empty()) op["escaped_fields"] = std::move(escaped);
    return op;
}

std::string bundle_host_name() {
    utsname uts{};
    uname(&uts);
    std::string out;
    for (char c : std::string(uts.nodename)) {
        bool safe = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
        out.push_back(safe ? c : '_');
    }
    return out.empty() ? "host" : out;
}

std::filesystem::path running_executable() {
    auto link = posix::read_link_at(AT_FDCWD, "/proc/self/exe");
    return link ? std::filesystem::path(*link) : std::filesystem::path();
}

std::optional<std::string> running_executable_sha256() {
    // The shared opener, though our own executable is always a regular file: one way to open.
    auto fd = posix::open_regular_at(AT_FDCWD, "/proc/self/exe");
    if (!fd) return std::nullopt;
    FileHash h = hash_fd(fd->get(), 0, 0, nullptr);
    return h.sha256;
}

bool directory_writable(const std::filesystem::path& dir) {
    return faccessat(AT_FDCWD, dir.c_str(), W_OK | X_OK, AT_EACCESS) == 0;
}

namespace {
bool g_standard_fd_closed[3] = {false, false, false};
}  // namespace

bool standard_fd_was_closed(int fd) noexcept {
    return fd >= 0 && fd <= 2 && g_standard_fd_closed[fd];
}

void ensure_standard_fds() noexcept {
    for (int fd = 0; fd <= 2; ++fd) {
        if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
            g_standard_fd_closed[fd] = true;
            // open() returns the lowest free number, which is this one.
            int opened = ::open("/dev/null", O_RDWR | O_NOCTTY);
            if (opened >= 0 && opened != fd) ::close(opened);
        }
    }
}

std::vector<std::string> command_line_arguments(int argc, char** argv) {
    return std::vector<std::string>(argv, argv + argc);
}

void wait_if_console_is_ours() {}

std::string lower_own_priority() {
    std::string note;
    note += setpriority(PRIO_PROCESS, 0, 19) == 0 ? "cpu nice 19" : "cpu nice failed";
    // ioprio_set(IOPRIO_WHO_PROCESS, self, IOPRIO_CLASS_IDLE): no glibc wrapper exists.
    constexpr int k_ioprio_class_idle = 3, k_ioprio_class_shift = 13, k_who_process = 1;
    long rc =
        syscall(SYS_ioprio_set, k_who_process, 0, k_ioprio_class_idle << k_ioprio_class_shift);
    note += rc == 0 ? ", io class idle" : ", io priority unchanged";
    return note;
}

}  // namespace irsnap
