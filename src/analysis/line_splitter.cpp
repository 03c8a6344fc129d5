// SPDX-License-Identifier: Apache-2.0
// Artifact bytes to lines, with memory bounded by the longest line kept. Apart from
// bundle_reader.cpp (which does the I/O) so the fuzzer links it alone.
#include "irsnap/bundle_reader.hpp"

namespace irsnap {

LineSplitter::LineSplitter(LineHandler on_line, OversizedHandler on_oversized,
                           size_t max_line_bytes)
    : m_on_line(std::move(on_line)),
      m_on_oversized(std::move(on_oversized)),
      m_max_line_bytes(max_line_bytes) {}

void LineSplitter::start(std::string artifact, std::string collector) {
    m_artifact = std::move(artifact);
    m_collector = std::move(collector);
    m_pending.clear();
    m_line = 0;
    m_oversized = false;
    m_oversized_bytes = 0;
    m_records = &m_counts[m_artifact];
}

void LineSplitter::feed(std::string_view bytes) {
    while (!bytes.empty()) {
        const size_t nl = bytes.find('\n');
        const std::string_view part = bytes.substr(0, nl);
        if (m_oversized) {
            m_oversized_bytes += part.size();
        } else if (m_pending.size() + part.size() > m_max_line_bytes) {
            // Stop keeping this line: what it held is freed, the rest is only counted.
            m_oversized = true;
            m_oversized_bytes = m_pending.size() + part.size();
            std::string().swap(m_pending);
        } else if (nl != std::string_view::npos && m_pending.empty()) {
            emit(part, true);  // the usual case: a whole line inside one chunk, no copy
            bytes.remove_prefix(nl + 1);
            continue;
        } else {
            m_pending.append(part);
        }
        if (nl == std::string_view::npos) return;
        end_line(true);
        bytes.remove_prefix(nl + 1);
    }
}

void LineSplitter::finish() {
    if (!m_pending.empty() || m_oversized) end_line(false);
    m_pending.clear();
}

void LineSplitter::end_line(bool terminated) {
    if (m_oversized) {
        ++m_line;
        // Not read, but a record the manifest counted: the oversized report names it instead.
        if (terminated && m_records != nullptr) ++*m_records;
        if (m_on_oversized) m_on_oversized(m_artifact, m_line, m_oversized_bytes);
        m_oversized = false;
        m_oversized_bytes = 0;
    } else {
        emit(m_pending, terminated);
    }
    m_pending.clear();
}

void LineSplitter::emit(std::string_view text, bool terminated) {
    ++m_line;
    if (text.empty()) return;
    if (terminated && m_records != nullptr) ++*m_records;
    m_on_line(BundleLine{m_collector, m_artifact, m_line, text});
}

}  // namespace irsnap
