#!/usr/bin/env bash
# What `npm test` needs from the machine beyond `npm ci`, installed from Debian's packages the
# way CI does it (`npm test` runs this first, and so does .ci/run, through `npm test`):
#   chromium   headless browser for test/report/chromium.test.ts (report.html in a real browser)
# Slurm is not here: the Slurm tests start their own single-node cluster with .ci/slurm-up.sh,
# which installs slurmctld, slurmd, slurm-client and munge the same way.
#
# Idempotent and quiet when everything is there. Says on stderr what it installs and why.
#   REVO_CHROMIUM=PATH           use that browser; nothing is installed for it
#   REVO_PROVISION_DRY_RUN=1     print the install command instead of running it
# Needs root to install (apt-get); without it, it names the command to run and fails.
set -euo pipefail

missing=()
if [ -n "${REVO_CHROMIUM:-}" ]; then
  [ -x "$REVO_CHROMIUM" ] || { echo "provision: REVO_CHROMIUM=$REVO_CHROMIUM is not an executable file" >&2; exit 1; }
elif ! command -v chromium >/dev/null 2>&1; then
  missing+=(chromium)
fi
[ "${#missing[@]}" = 0 ] && exit 0

cmd="apt-get install -y -q --no-install-recommends ${missing[*]}"
echo "provision: the tests need Debian's ${missing[*]} (headless report rendering), which is not installed: $cmd" >&2
if [ "${REVO_PROVISION_DRY_RUN:-}" = 1 ]; then
  echo "provision: dry run, would run: apt-get update -q && $cmd"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "provision: not root, so not installing; run: sudo apt-get update && sudo $cmd (or set REVO_CHROMIUM to a Chromium binary)" >&2
  exit 1
fi
lock=()
# Serialise with other apt users on shared machines (slurm-up.sh takes the same lock).
command -v flock >/dev/null 2>&1 && lock=(flock /tmp/revo-apt.lock)
export DEBIAN_FRONTEND=noninteractive
"${lock[@]}" apt-get update -q >&2
# shellcheck disable=SC2086
"${lock[@]}" $cmd >&2
echo "provision: installed ${missing[*]} ($(command -v chromium))" >&2
