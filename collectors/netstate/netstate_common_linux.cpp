// SPDX-License-Identifier: Apache-2.0
#include "netstate_common.hpp"

#include <fcntl.h>

#include <cerrno>

#include <fmt/format.h>

#include "irsnap/linux/fd_util.hpp"
#include "irsnap/linux/rtnetlink.hpp"
#include "irsnap/text.hpp"

namespace irsnap::collectors::netstate {

bool netlink_view(const Context& ctx, RecordSink& sink) {
    if (ctx.live_proc()) return true;
    sink.coverage("netlink view not read: the proc root is not the live /proc");
    return false;
}

std::optional<std::string> read_proc_file(const Context& ctx, const std::string& relative,
                                          RecordSink& sink) {
    const auto path = (ctx.proc_root / relative).string();
    auto text = posix::read_file_at(AT_FDCWD, path, 64u << 20);
    if (text) return std::move(*text);
    if (text.error().code != ENOENT) {
        auto e = text.error();
        e.path = path;
        sink.item_error(e);
    }
    return std::nullopt;
}

void report_malformed(size_t count, const std::string& path, RecordSink& sink) {
    if (count)
        sink.item_error(ItemError::without_code("parse", path,
                                                fmt::format("{} malformed row(s) skipped", count)));
}

std::map<int32_t, std::string> interface_names(RecordSink& sink) {
    std::map<int32_t, std::string> out;
    auto links = netlink::dump_links();
    if (!links) {
        sink.item_error(links.error());
        return out;
    }
    for (const auto& l : *links) out[l.index] = l.name;
    return out;
}

void put_text(nlohmann::json& record, const char* field, const std::string& text,
              std::vector<std::string>& escaped) {
    if (text.empty()) {
        record[field] = nullptr;
        return;
    }
    bool was_escaped = false;
    record[field] = escape_bytes(text, was_escaped);
    if (was_escaped) escaped.emplace_back(field);
}

void put_escaped(nlohmann::json& record, const std::vector<std::string>& escaped) {
    if (!escaped.empty()) record["escaped_fields"] = escaped;
}

}  // namespace irsnap::collectors::netstate
