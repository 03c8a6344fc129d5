// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "irsnap/collector.hpp"

namespace irsnap::collectors {

/// Persistence on disk: parsed entries of every place that makes code run at boot, login, on a
/// schedule or on an event (systemd, SysV, cron, at, shell start-up, preload, modules, udev, XDG
/// autostart, SSH keys, motd scripts).
const CollectorSpec& autoruns_spec();

/// Platform implementation (autoruns_linux.cpp). Reads only under ctx.host_root (live "/" or a
/// mounted image); symlinks are resolved inside that root. Privileges: root to read other users'
/// homes and spools; without it those files are reported as denied (item errors and coverage).
void collect_autoruns(const Context& ctx, RecordSink& sink);

}  // namespace irsnap::collectors
