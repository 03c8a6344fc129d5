// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <stdexcept>

namespace irsnap {

/// The command line asked for something impossible (unknown collector, bad value): exit code 2,
/// one line, nothing written.
class UsageError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

}  // namespace irsnap
