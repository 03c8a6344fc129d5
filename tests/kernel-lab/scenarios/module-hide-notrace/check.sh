# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
# Host checks of module-hide-notrace: those of module-hide with this variant's expectations.
# shellcheck disable=SC2034  # read by the sourced check.sh
HIDE_SYSFS=1
NOTRACE_INIT=1
# shellcheck source=../module-hide/check.sh
. "$(dirname "${BASH_SOURCE[0]}")/../module-hide/check.sh"
