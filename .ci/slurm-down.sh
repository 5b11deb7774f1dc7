#!/usr/bin/env bash
# Stop a cluster started by .ci/slurm-up.sh DIR: cancel its jobs, then stop the daemons by PID.
set -uo pipefail

DIR=${1:-${REVO_SLURM_DIR:-}}
[ -n "$DIR" ] && [ -d "$DIR" ] || { echo "usage: slurm-down.sh DIR" >&2; exit 2; }
R="$DIR/run"
export PATH="$PATH:/usr/sbin:/sbin"
export SLURM_CONF="$DIR/etc/slurm.conf"

# A zombie answers kill -0; this sandbox's PID 1 reaps slowly, so look at the state too.
running() { kill -0 "$1" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
alive() { [ -f "$1" ] && running "$(cat "$1")"; }

# Jobs first: slurmstepd outlives slurmd, so a job left running would outlive the cluster.
if alive "$R/slurm/slurmctld.pid"; then
  ids=$(squeue -h -o %i 2>/dev/null || true)
  if [ -n "$ids" ]; then
    # shellcheck disable=SC2086
    scancel $ids 2>/dev/null || true
    for _ in $(seq 1 50); do
      [ -z "$(squeue -h -t R,CG -o %i 2>/dev/null)" ] && break
      sleep 0.2
    done
  fi
fi

stop() {
  local pidfile=$1
  alive "$pidfile" || return 0
  local pid
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do
    running "$pid" || return 0
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
}

stop "$R/slurm/slurmd.pid"
stop "$R/slurm/slurmctld.pid"
stop "$R/munge/munged.pid"
echo "slurm-down: stopped the cluster in $DIR" >&2
