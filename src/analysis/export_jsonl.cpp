// SPDX-License-Identifier: Apache-2.0
// Merged JSON Lines for Elastic and Splunk: every record as the collector wrote it, with one
// added object naming where it came from. The record's text is copied, not re-serialised, so
// its values (escaped bytes, 64-bit integers) reach the index exactly as collected.
#include <unistd.h>

#include <cerrno>

#include <nlohmann/json.hpp>

#include "export_internal.hpp"
#include "irsnap/artifact_writer.hpp"
#include "irsnap/export.hpp"
#include "irsnap/json_line.hpp"
#include "irsnap/untrusted_json.hpp"

namespace irsnap::exports {
namespace {

constexpr size_t k_flush_at = 1 << 20;

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

}  // namespace

OutputStream::OutputStream(int fd, std::string name) : m_fd(fd), m_name(std::move(name)) {
    m_buffer.reserve(k_flush_at + (1 << 16));
}

OutputStream::~OutputStream() {
    try {
        flush();
    } catch (...) {  // NOLINT(bugprone-empty-catch): see the header
    }
}

void OutputStream::write(std::string_view bytes) {
    m_buffer.append(bytes);
    if (m_buffer.size() >= k_flush_at) flush();
}

void OutputStream::flush() {
    size_t done = 0;
    while (done < m_buffer.size()) {
        const ssize_t n = ::write(m_fd, m_buffer.data() + done, m_buffer.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int code = n < 0 ? errno : EIO;
            m_buffer.clear();  // a second flush (the destructor's) must not retry
            throw OutputError(m_name, code);
        }
        done += static_cast<size_t>(n);
    }
    m_buffer.clear();
}

bool append_with_key(std::string& out, std::string_view text, std::string_view irsnap_members) {
    // accept() parses without building a tree: what it costs buys the promise that every line
    // we write is JSON, even when the artifact was cut mid-line.
    while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
    while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
    if (text.size() < 2 || text.front() != '{' || text.back() != '}') return false;
    // accept() builds no tree, but what we write must be as safe to read as what we parse.
    if (!json_depth_within(text) || !nlohmann::json::accept(text)) return false;
    std::string_view inner = text.substr(1, text.size() - 2);
    while (!inner.empty() && is_space(inner.back())) inner.remove_suffix(1);
    out.append(text.substr(0, 1 + inner.size()));
    if (!inner.empty()) out.push_back(',');
    out.push_back('"');
    out.append(k_jsonl_key);
    out.append("\":{");
    out.append(irsnap_members);
    out.append("}}\n");
    return true;
}

BundleExport export_jsonl(const std::filesystem::path& bundle, OutputStream& out) {
    BundleExport result;
    const detail::BundleIdentity id = detail::peek_bundle(bundle);
    // Keys in alphabetical order, as every irsnap object is written; "line" is the only value
    // that changes per record, so the rest is rendered once per artifact.
    std::string head;  // "artifact":..,"bundle":..,"collected":..,"collector":..,"host":..,"line":
    const std::string tail = [&] {
        std::string t = ",\"host\":";
        append_json_string(t, id.host);
        return t;
    }();
    std::string common;  // "bundle" and "collected", the same for every line
    common += ",\"bundle\":";
    append_json_string(common, id.name);
    common += ",\"collected\":";
    if (id.collected.empty()) {
        common += "null";
    } else {
        append_json_string(common, id.collected);
    }
    std::string current_artifact;  // a copy: the reader reuses its buffer per artifact
    std::string members;
    std::string line_out;
    result.summary = read_bundle(bundle, {}, [&](const BundleLine& line) {
        if (line.artifact != current_artifact) {
            head = "\"artifact\":";
            append_json_string(head, line.artifact);
            head += common;
            head += ",\"collector\":";
            append_json_string(head, line.collector);
            head += tail;
            head += ",\"line\":";
            current_artifact = line.artifact;
        }
        members.assign(head);
        members += std::to_string(line.line);
        line_out.clear();
        if (!append_with_key(line_out, line.text, members)) {
            ++result.skipped_lines;
            return;
        }
        out.write(line_out);
        ++result.records;
    });
    if (result.summary.error.empty() && !detail::same_bundle(id, result.summary)) {
        detail::note_changed(result.summary);
    }
    return result;
}

}  // namespace irsnap::exports
