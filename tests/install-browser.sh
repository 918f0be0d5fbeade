#!/usr/bin/env sh
# The headless browser the HTML service report is tested in: Debian's chromium package.
# Does nothing when /usr/bin/chromium is already there; needs root (or sudo) otherwise.
set -eu
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" -eq 0 ]; then as_root=""; else as_root="sudo"; fi
$as_root apt-get install -y -q chromium >/dev/null 2>&1 \
    || { $as_root apt-get update -q >/dev/null && $as_root apt-get install -y -q chromium >/dev/null; }
[ -x /usr/bin/chromium ] || { echo "could not install chromium (apt-get install chromium)" >&2; exit 1; }
