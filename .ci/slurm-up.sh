#!/usr/bin/env bash
# Bring up a private single-node Slurm (22.05 from Debian) under a temp dir, for tests and CI.
#
#   .ci/slurm-up.sh [DIR]      DIR defaults to a fresh mktemp dir; printed on stdout at the end
#   . DIR/env.sh               exports SLURM_CONF (clients need nothing else)
#   .ci/slurm-down.sh DIR      stops the daemons by PID
#
# Environment knobs:
#   SLURM_CPUS   CPUs the node advertises (default: nproc). More than nproc is allowed
#                (config_overrides): CI jobs are tiny and tests want several running at once.
#   SLURM_MEM_MB RealMemory (default: MemTotal from /proc/meminfo minus 5%).
# No accounting (no slurmdbd): sacct is absent, on purpose; revo must not need it.
# Needs root (it installs packages and runs slurmd, which launches jobs). No systemd needed.
set -euo pipefail

die() { echo "slurm-up: $*" >&2; exit 1; }
t0=$(date +%s.%N)

[ "$(id -u)" = 0 ] || die "must run as root (installs packages, runs slurmd)"

# --- packages (idempotent: skip apt when the daemons and clients are already there) ----------
need_install=0
for b in slurmctld slurmd sbatch squeue scontrol scancel sinfo munged; do
  command -v "$b" >/dev/null 2>&1 || [ -x "/usr/sbin/$b" ] || need_install=1
done
if [ "$need_install" = 1 ]; then
  lock=()
  # Serialise with other apt users on shared dev machines; flock is in util-linux everywhere.
  command -v flock >/dev/null 2>&1 && lock=(flock /tmp/revo-apt.lock)
  export DEBIAN_FRONTEND=noninteractive
  "${lock[@]}" apt-get update -q >&2
  "${lock[@]}" apt-get install -y -q --no-install-recommends slurmctld slurmd slurm-client munge >&2
fi
export PATH="$PATH:/usr/sbin:/sbin"
t_install=$(date +%s.%N)

# --- layout ----------------------------------------------------------------------------------
DIR=${1:-$(mktemp -d /tmp/revo-slurm.XXXXXX)}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd -P)
running() { kill -0 "$1" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
if [ -f "$DIR/run/slurm/slurmctld.pid" ] && running "$(cat "$DIR/run/slurm/slurmctld.pid")"; then
  die "a cluster is already running in $DIR (stop it with .ci/slurm-down.sh $DIR)"
fi
R="$DIR/run"
mkdir -p "$R/munge" "$R/slurm/state" "$R/slurm/spool" "$R/slurm/log" "$DIR/etc"
# Non-root submitters need to reach the munge socket (0700 gives "Permission denied").
chmod 755 "$DIR" "$R" "$R/munge"

# --- ports: defaults unless taken (another cluster of a concurrent test run) ----------------
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_port() {
  local p=$1
  while port_busy "$p" || port_busy "$((p + 1))"; do p=$((20000 + RANDOM % 20000)); done
  echo "$p"
}
CTLD_PORT=$(pick_port 6817)
SLURMD_PORT=$((CTLD_PORT + 1))

# --- resources -------------------------------------------------------------------------------
NPROC=$(nproc)
CPUS=${SLURM_CPUS:-$NPROC}
case "$CPUS" in '' | *[!0-9]*) die "SLURM_CPUS must be a number, not '$CPUS'" ;; esac
MEM_KB=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
MEM_MB=${SLURM_MEM_MB:-$((MEM_KB / 1024 * 95 / 100))}
OVERRIDES=""
[ "$CPUS" -gt "$NPROC" ] && OVERRIDES="SlurmdParameters=config_overrides"

# From here on a failure must not leave daemons behind: stop whatever did start.
started=0
cleanup() { [ "$started" = 1 ] || "$(dirname "$0")/slurm-down.sh" "$DIR" >&2 || true; }
trap cleanup EXIT

# --- munge -----------------------------------------------------------------------------------
if [ ! -s "$R/munge/munge.key" ]; then
  head -c 1024 /dev/urandom >"$R/munge/munge.key"
  chmod 400 "$R/munge/munge.key"
fi
munged --force --key-file="$R/munge/munge.key" --socket="$R/munge/munge.socket.2" \
  --pid-file="$R/munge/munged.pid" --log-file="$R/munge/munged.log" --seed-file="$R/munge/munged.seed"

# --- slurm.conf (tuned scheduler: a 10-check smoke test goes from 25 s to ~7 s) --------------
CONF="$DIR/etc/slurm.conf"
cat >"$CONF" <<EOF
ClusterName=revo-ci
SlurmctldHost=localhost
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$R/munge/munge.socket.2
StateSaveLocation=$R/slurm/state
SlurmdSpoolDir=$R/slurm/spool
SlurmctldPidFile=$R/slurm/slurmctld.pid
SlurmdPidFile=$R/slurm/slurmd.pid
SlurmctldLogFile=$R/slurm/log/slurmctld.log
SlurmdLogFile=$R/slurm/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
EnforcePartLimits=ALL
DependencyParameters=kill_invalid_depend
MinJobAge=3600
SchedulerParameters=batch_sched_delay=0,bf_interval=1,sched_min_interval=0
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
$OVERRIDES
NodeName=localhost CPUs=${CPUS} RealMemory=$MEM_MB State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF

cat >"$DIR/env.sh" <<EOF
# Source this to talk to the test cluster in $DIR.
export SLURM_CONF='$CONF'
export REVO_SLURM_DIR='$DIR'
EOF

export SLURM_CONF="$CONF"
slurmctld -f "$CONF"
slurmd -f "$CONF" -N localhost

# --- wait for the node to be idle (it shows unk/down for ~1 s while slurmd registers) --------
state=""
for _ in $(seq 1 150); do
  state=$(sinfo -h -o %T 2>/dev/null | head -n1 || true)
  [ "$state" = idle ] && break
  sleep 0.2
done
if [ "$state" != idle ]; then
  echo "slurm-up: node state is '${state:-none}', not idle, after 30 s; logs follow" >&2
  tail -n 20 "$R/slurm/log/slurmctld.log" "$R/slurm/log/slurmd.log" >&2 || true
  exit 1
fi
started=1

t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t_install" -v c="$t1" \
  'BEGIN { printf "slurm-up: ready in %.1f s (install check %.1f s, start %.1f s)\n", c - a, b - a, c - b }' >&2
echo "slurm-up: CPUs=$CPUS RealMemory=${MEM_MB}M ports=$CTLD_PORT/$SLURMD_PORT; . $DIR/env.sh" >&2
echo "$DIR"
