// SPDX-License-Identifier: Apache-2.0
// Member names of a tar bundle, judged once for every pass (see tar_members.hpp).
#include "irsnap/tar_members.hpp"

namespace irsnap {

std::string TarMemberNames::accept(const TarMember& member, std::string& why) {
    const std::string& name = member.name;
    if (name.empty() || name[0] == '/') {
        why = "absolute or empty path";
        return {};
    }
    std::string trimmed = name;
    if (trimmed.back() == '/') {
        // Only a directory's name may end in '/' (ustar writes them so). A file named
        // "artifacts/07_processes.jsonl/" is the same name to some readers and not to others.
        if (member.typeflag != '5') {
            why = "a file name ending in '/'";
            return {};
        }
        trimmed.pop_back();
    }
    size_t start = 0;
    while (start <= trimmed.size()) {
        size_t slash = trimmed.find('/', start);
        if (slash == std::string::npos) slash = trimmed.size();
        const std::string_view part = std::string_view(trimmed).substr(start, slash - start);
        if (part.empty() || part == "." || part == "..") {
            why = "path with an empty, '.' or '..' component";
            return {};
        }
        start = slash + 1;
    }
    const std::string first = trimmed.substr(0, trimmed.find('/'));
    if (m_top.empty()) m_top = first;
    if (first != m_top) {
        why = "outside the bundle's top directory " + m_top + "/";
        return {};
    }
    std::string rel =
        trimmed.size() == m_top.size() ? std::string(".") : trimmed.substr(m_top.size() + 1);
    if (!m_seen.insert(rel).second) {
        why = "appears twice in the stream";
        return {};
    }
    return rel;
}

}  // namespace irsnap
