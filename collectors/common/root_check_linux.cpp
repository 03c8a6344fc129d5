// SPDX-License-Identifier: Apache-2.0
// RootCheck (package_fields.hpp): /proc/PID/root against the host root, by device and inode.
#include <sys/stat.h>

#include "common/package_fields.hpp"

namespace irsnap::collectors {

RootCheck::RootCheck(const HostView& host) {
    struct stat root {};
    if (::stat(host.host_root.c_str(), &root) == 0) m_root = {root.st_dev, root.st_ino};
}

bool RootCheck::other_root(int pid_fd) const {
    struct stat root {};
    return m_root && ::fstatat(pid_fd, "root/", &root, 0) == 0 &&
           (root.st_dev != m_root->first || root.st_ino != m_root->second);
}

}  // namespace irsnap::collectors
