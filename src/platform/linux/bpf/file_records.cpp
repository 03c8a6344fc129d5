// SPDX-License-Identifier: Apache-2.0
#include <linux/types.h>
#include <sys/sysmacros.h>

#include <cstddef>
#include <cstring>

#include <fmt/format.h>

#include "irsnap/linux/bpf_iter_records.h"
#include "irsnap/linux/kernel_files.hpp"

namespace irsnap::kernel_view {
namespace {

constexpr size_t k_header = sizeof(irsnap_file_record);
constexpr size_t k_path_max = 4096;

/// The kernel's dev_t (major << 20 | minor) as stat's st_dev encodes it.
uint64_t user_device(uint32_t kernel_dev) {
    return makedev(kernel_dev >> 20, kernel_dev & 0xfffffu);
}

}  // namespace

Result<size_t> parse_file_records(std::string_view bytes,
                                  const std::function<void(const KernelFile&)>& take) {
    size_t at = 0;
    while (bytes.size() - at >= k_header) {
        irsnap_file_record r;
        std::memcpy(&r, bytes.data() + at, k_header);  // the stream has no alignment guarantee
        const size_t path_bytes = r.path_status > 0 ? static_cast<size_t>(r.path_status) : 0;
        if (r.kind != IRSNAP_ITER_TASK_FILE || r.size != k_header + path_bytes ||
            path_bytes >= k_path_max) {
            return ItemError::without_code(
                "parse", "iter/task_file",
                fmt::format("record at byte {} says size {} kind {} path {}: not this build's "
                            "iter/task_file",
                            at, r.size, r.kind, r.path_status));
        }
        if (bytes.size() - at < r.size) break;  // the rest comes with the next chunk
        KernelFile f;
        f.tgid = r.tgid;
        f.fd = r.fd;
        f.flags = r.flags;
        f.mode = r.mode;
        f.nlink = r.nlink;
        f.mnt_id = r.mnt_id;
        f.device = user_device(r.dev);
        f.inode = r.ino;
        f.size = r.file_size;
        f.position = r.pos;
        f.fs_magic = r.fs_magic;
        if (r.path_status >= 0) {
            f.path = bytes.substr(at + k_header, path_bytes);
        } else {
            f.path_error = -r.path_status;
        }
        // Into the stream, not the local copy `r`: the view must outlive this iteration.
        f.comm =
            bytes.substr(at + offsetof(irsnap_file_record, comm), strnlen(r.comm, sizeof(r.comm)));
        take(f);
        at += r.size;
    }
    return at;
}

bool stat_reports_inode(uint64_t fs_magic) {
    switch (fs_magic) {
        case 0xEF53:      // ext2, ext3, ext4
        case 0x58465342:  // xfs
        case 0x01021994:  // tmpfs, shmem (memfd), devtmpfs
        case 0x858458f6:  // ramfs
        case 0x1cd1:      // devpts
        case 0x64626720:  // debugfs
        case 0x74726163:  // tracefs
        case 0x73636673:  // securityfs
        case 0xcafe4a11:  // bpffs
        case 0x19800202:  // mqueue
        case 0x958458f6:  // hugetlbfs
        case 0x50495045:  // pipefs
        case 0x534F434B:  // sockfs
        case 0x09041934:  // anon_inodefs
        case 0x2011BAB0:  // exfat
        case 0x5346544e:  // ntfs
        case 0x9660:      // iso9660
        case 0x73717368:  // squashfs
        case 0x28cd3d45:  // cramfs
        case 0xF2F52010:  // f2fs
        case 0x6e736673:  // nsfs
            return true;
        default:
            // overlayfs, btrfs, NFS, FUSE, CIFS; proc and the kernfs ones (sysfs, cgroup), whose
            // getattr computes link counts or modes at stat time; vfat (nfs= mount option
            // numbers); anything unknown.
            return false;
    }
}

}  // namespace irsnap::kernel_view
