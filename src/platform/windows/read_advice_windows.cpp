// SPDX-License-Identifier: Apache-2.0
#include "irsnap/file_hash.hpp"

namespace irsnap {

// FILE_FLAG_SEQUENTIAL_SCAN can only be given when a file is opened; the descriptors hashed here
// are already open, so there is nothing to tell the cache manager.
void advise_sequential_read(int /*fd*/) {}

}  // namespace irsnap
