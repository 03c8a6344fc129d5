# shellcheck shell=sh
# SPDX-License-Identifier: Apache-2.0
# module-hide: hide_pid with list_del only (/sys/module/hide_pid stays). Sourced by /init.
HIDE_SYSFS=0
NOTRACE_INIT=0
. /lab/lib/hide_pid.sh
