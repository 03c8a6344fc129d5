// SPDX-License-Identifier: Apache-2.0
// An artifact destination that keeps the bytes in a string: evidence archives written in tests
// (Linux and Windows test binaries).
#pragma once

#include <string>

#include "irsnap/artifact_writer.hpp"

namespace irsnap::test {

class StringDestination final : public ArtifactDestination {
  public:
    explicit StringDestination(std::string& out) : m_out(out) {}
    long write_some(const char* data, size_t size) override {
        m_out.append(data, size);
        return static_cast<long>(size);
    }
    int finish() override { return 0; }

  private:
    std::string& m_out;
};

}  // namespace irsnap::test
