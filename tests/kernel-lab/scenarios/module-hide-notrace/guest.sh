# shellcheck shell=sh
# SPDX-License-Identifier: Apache-2.0
# module-hide-notrace: hide_pid built with a notrace init function, with list_del and kobject_del.
# Sourced by /init.
HIDE_SYSFS=1
NOTRACE_INIT=1
. /lab/lib/hide_pid.sh
