// SPDX-License-Identifier: Apache-2.0
// Linux timeline: the roots from linux_roots() (homes from the host's own /etc/passwd, never
// NSS), walked under --root by walk_linux().
#include <fcntl.h>

#include <cerrno>

#include "irsnap/linux/fd_util.hpp"
#include "irsnap/linux/timeline_walk.hpp"
#include "irsnap/linux/users.hpp"
#include "timeline.hpp"

namespace irsnap::collectors {

void collect_timeline(const Context& ctx, RecordSink& sink) {
    using namespace timeline_impl;
    std::vector<users::PasswdEntry> accounts;
    bool truncated = false;
    auto passwd = posix::read_file_at(AT_FDCWD, ctx.host_path("etc/passwd").string(),
                                      users::k_max_account_file_bytes, &truncated);
    if (passwd) {
        accounts = users::parse_etc_passwd(*passwd);
        if (truncated) {
            sink.coverage(
                "/etc/passwd is larger than the read cap: the homes of accounts past "
                "it are walked only when under /home");
        }
    } else if (passwd.error().code != ENOENT) {
        // A FIFO or device planted there is refused, not waited on.
        sink.item_error(passwd.error().at("/etc/passwd"));
        sink.coverage("/etc/passwd could not be read: only /root and /home are walked as homes");
    }
    const auto roots = timeline::linux_roots(accounts);
    const timeline::Limits limits = limits_of(ctx);
    SinkVisitor visitor(sink, true);
    const timeline::Report report = timeline::walk_linux(ctx, roots, limits, visitor);
    report_walk(ctx, sink, report, limits);
}

}  // namespace irsnap::collectors
