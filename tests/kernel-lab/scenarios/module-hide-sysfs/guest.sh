# shellcheck shell=sh
# SPDX-License-Identifier: Apache-2.0
# module-hide-sysfs: hide_pid with list_del and kobject_del (no /sys/module/hide_pid). Sourced by
# /init.
HIDE_SYSFS=1
NOTRACE_INIT=0
. /lab/lib/hide_pid.sh
