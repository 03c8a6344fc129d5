// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <set>
#include <string>

#include "irsnap/tar_reader.hpp"

namespace irsnap {

/// The one judge of a tar bundle's member names, used by verify, unpack and every analysis
/// reader (triage, stack, export): what verify checked is exactly what analysis reads, under the
/// same name. A name is refused (an `unexpected` verify problem, skipped by the readers) when it
/// is empty or absolute, has an empty, `.` or `..` component, ends in '/' without being a
/// directory, lies outside the one top directory (set by the first accepted member), or repeats
/// a name seen before (the first one counts, for every pass alike).
class TarMemberNames {
  public:
    /// The name relative to the top directory ("." for the top itself), or "" with `why` set.
    std::string accept(const TarMember& member, std::string& why);
    const std::string& top() const { return m_top; }

  private:
    std::string m_top;
    std::set<std::string> m_seen;
};

/// True for a tar member that holds a regular file's bytes ('0' or the old '\0').
inline bool is_regular_member(const TarMember& member) {
    return member.typeflag == '0' || member.typeflag == '\0';
}

}  // namespace irsnap
