// SPDX-License-Identifier: Apache-2.0
// Name-resolution files read below the host root with every symlink resolved inside it
// (posix::open_in_root), hashed over the exact bytes read, and parsed for triage.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "irsnap/clock.hpp"
#include "irsnap/hash.hpp"
#include "irsnap/linux/etc_files.hpp"
#include "irsnap/linux/fd_util.hpp"
#include "irsnap/text.hpp"
#include "network_config.hpp"

namespace irsnap::collectors {
namespace {

using nlohmann::json;

constexpr size_t k_max_content = 1u << 20;

enum class Parser { none, hosts, resolv, nsswitch };

struct ConfigFile {
    const char* name;  ///< below etc/
    bool always;       ///< emit a record even when absent (absence is evidence)
    Parser parser;
};

constexpr ConfigFile k_files[] = {
    {"hosts", true, Parser::hosts},
    {"resolv.conf", true, Parser::resolv},
    {"nsswitch.conf", true, Parser::nsswitch},
    {"host.conf", false, Parser::none},
    {"gai.conf", false, Parser::none},
    {"networks", false, Parser::none},
};

std::string text_of(std::string_view bytes, bool& escaped) {
    bool e = false;
    std::string out = escape_bytes(bytes, e);
    escaped = escaped || e;
    return out;
}

json strings(const std::vector<std::string>& values, bool& escaped) {
    json out = json::array();
    for (const auto& v : values) out.push_back(text_of(v, escaped));
    return out;
}

json parse_entries(Parser parser, const std::string& text, const std::string& path,
                   RecordSink& sink, bool& escaped) {
    json out = json::array();
    size_t malformed = 0;
    if (parser == Parser::hosts) {
        for (const auto& e : etc::parse_etc_hosts(text, &malformed)) {
            out.push_back({{"line", e.line},
                           {"address", text_of(e.address, escaped)},
                           {"names", strings(e.names, escaped)}});
        }
    } else if (parser == Parser::resolv || parser == Parser::nsswitch) {
        auto directives = parser == Parser::resolv ? etc::parse_resolv_conf(text)
                                                   : etc::parse_nsswitch_conf(text, &malformed);
        for (const auto& d : directives) {
            out.push_back({{"line", d.line},
                           {"keyword", text_of(d.keyword, escaped)},
                           {"values", strings(d.values, escaped)}});
        }
    } else {
        return nullptr;
    }
    if (malformed) {
        sink.item_error(ItemError::without_code(
            "parse", path, fmt::format("{} malformed line(s) skipped", malformed)));
    }
    return out;
}

std::string rfc3339(const timespec& ts) {
    return format_rfc3339_utc(static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec);
}

/// Reads the whole file: every byte into the digest, the first k_max_content into `content`.
/// A huge planted file must not outlive the run: it gives up (no digest) when asked to stop.
bool read_and_hash(const Context& ctx, int fd, std::string& content, std::string& digest,
                   uint64_t& total, const std::string& path, RecordSink& sink) {
    Sha256 sha;
    char buf[65536];
    for (;;) {
        if (ctx.should_stop()) return false;  // a clock read per 64 KiB: negligible
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            sink.item_error(ItemError::from_errno("read", errno, path));
            return false;
        }
        if (n == 0) break;
        sha.update(buf, static_cast<size_t>(n));
        total += static_cast<uint64_t>(n);
        if (content.size() < k_max_content) {
            content.append(buf, std::min(static_cast<size_t>(n), k_max_content - content.size()));
        }
    }
    digest = sha.finish_hex();
    return true;
}

json collect_one(const Context& ctx, int root_fd, int etc_fd, const ConfigFile& f,
                 RecordSink& sink) {
    const std::string host_path = std::string("/etc/") + f.name;
    json r = {{"path", host_path}, {"exists", false}};
    struct stat lst {};
    if (etc_fd < 0 || ::fstatat(etc_fd, f.name, &lst, AT_SYMLINK_NOFOLLOW) != 0) {
        if (etc_fd >= 0 && errno != ENOENT)
            sink.item_error(ItemError::from_errno("stat", errno, host_path));
        return f.always ? r : json(nullptr);
    }
    r["exists"] = true;
    r["is_symlink"] = S_ISLNK(lst.st_mode);
    bool escaped_target = false, escaped_content = false, escaped_entries = false;
    if (S_ISLNK(lst.st_mode)) {
        if (auto target = posix::read_link_at(etc_fd, f.name)) {
            r["link_target"] = text_of(*target, escaped_target);
        }
    }
    // O_NONBLOCK: a FIFO planted at the path must not hang the run.
    auto fd = posix::open_in_root(root_fd, std::string("etc/") + f.name, O_NONBLOCK);
    if (!fd) {
        // A dangling link exists but has no content; anything else is an error.
        if (fd.error().code != ENOENT) {
            auto e = fd.error();
            e.path = host_path;
            sink.item_error(e);
        }
        return r;
    }
    struct stat st {};
    if (::fstat(fd->get(), &st) != 0) {
        sink.item_error(ItemError::from_errno("stat", errno, host_path));
        return r;
    }
    if (!S_ISREG(st.st_mode)) {
        sink.item_error(ItemError::from_errno("open", EINVAL, host_path, "not a regular file"));
        return r;
    }
    r["mtime"] = rfc3339(st.st_mtim);
    r["ctime"] = rfc3339(st.st_ctim);
    r["owner_uid"] = st.st_uid;
    r["mode"] = fmt::format("{:04o}", st.st_mode & 07777);
    std::string content, digest;
    uint64_t total = 0;
    if (!read_and_hash(ctx, fd->get(), content, digest, total, host_path, sink)) return r;
    r["size"] = total;
    r["sha256"] = digest;
    r["truncated"] = total > content.size();
    r["content"] = text_of(content, escaped_content);
    r["entries"] = parse_entries(f.parser, content, host_path, sink, escaped_entries);
    json escaped = json::array();
    if (escaped_target) escaped.push_back("link_target");
    if (escaped_content) escaped.push_back("content");
    if (escaped_entries) escaped.push_back("entries");
    if (!escaped.empty()) r["escaped_fields"] = escaped;
    return r;
}

}  // namespace

void collect_network_config(const Context& ctx, RecordSink& sink) {
    auto root = posix::open_dir_at(AT_FDCWD, ctx.host_root.string());
    if (!root) {
        sink.item_error(root.error());
        return;
    }
    auto etc = posix::open_in_root(root->get(), "etc", O_DIRECTORY);
    if (!etc && etc.error().code != ENOENT) {
        auto e = etc.error();
        e.path = "/etc";
        sink.item_error(e);
    }
    const int etc_fd = etc ? etc->get() : -1;
    for (const auto& f : k_files) {
        if (ctx.should_stop()) return;
        json r = collect_one(ctx, root->get(), etc_fd, f, sink);
        if (r.is_null()) continue;
        // A missing, refused or dangling file has no size, digest or content: null, not absent.
        null_missing_fields(r, network_config_spec(), "linux");
        sink.emit(r);
    }
}

}  // namespace irsnap::collectors
