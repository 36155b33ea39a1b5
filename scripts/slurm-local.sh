#!/usr/bin/env bash
# slurm-local.sh - a throw-away one-node Slurm cluster (munged + slurmctld + slurmd) with
# fake GPUs, every file under one private prefix directory. hpod's Slurm tests and the
# slurm benchmark run against it; it is also the quickest way to try hpod with Slurm.
#
# Usage:
#   eval "$(scripts/slurm-local.sh start [PREFIX])"   # start (idempotent); exports SLURM_CONF
#   scripts/slurm-local.sh status [PREFIX]            # what runs; rc 0 only if all three do
#   scripts/slurm-local.sh stop [--purge] [PREFIX]    # cancel all jobs, stop our daemons
#                                                     # (--purge: then delete PREFIX)
#
# PREFIX defaults to $HPOD_SLURM_PREFIX, else /tmp/hpod-slurm. `start` prints only the
# `export SLURM_CONF=PREFIX/etc/slurm.conf` line on stdout (everything else goes to
# stderr) and also writes it to PREFIX/env.sh. Must run as root: slurmd launches jobs
# and SlurmUser=root. Missing packages (slurmctld slurmd slurm-client munge) are
# installed with apt-get --no-install-recommends, with a policy-rc.d guard so that the
# packages' maintainer scripts do not start the system-wide services.
#
# `stop` signals only the pids in PREFIX/run/*.pid, after checking that each is alive,
# has the expected command name and names PREFIX on its command line (SIGTERM, then
# SIGKILL to the same pid after 15 s). Nothing is killed by name.
#
# Knobs (environment):
#   HPOD_SLURM_GPUS=4            fake GPUs (gres gpu; device files are symlinks to /dev/null)
#   HPOD_SLURM_CPUS=16           CPUs the node claims (may exceed the real cores)
#   HPOD_SLURM_MEM_MB=           RealMemory (default: MemTotal)
#   HPOD_SLURM_PARTITION=debug   the (default) partition
#   HPOD_SLURM_CTLD_PORT=        slurmctld port, slurmd the next (default: first free pair from 16817)
#   HPOD_SLURM_KILL_WAIT=5       seconds between SIGTERM and SIGKILL (KillWait)
#   HPOD_SLURM_TIMEOUT=60        seconds to wait for the node to be idle
#   HPOD_SLURM_NO_INSTALL=1      never call apt-get; fail if packages are missing
#   HPOD_SLURM_MEMORY=auto       how --mem is enforced: cgroup (task/cgroup on cgroup v1's
#                                memory controller: a job over its limit is OOM-killed and ends
#                                OUT_OF_MEMORY), sampling (jobacct_gather/linux OverMemoryKill:
#                                killed, but Slurm records FAILED), none; auto = cgroup if the
#                                v1 memory controller is mounted writable, else sampling
# MinJobAge stays at Slurm's default of 300 s on purpose: hpod must not rely on a short
# one, and finished jobs stay visible to `squeue -t all` for that long.
set -euo pipefail
umask 022

cmd="${1:-}"
case "$cmd" in
  start|stop|status) shift ;;
  -h|--help) sed -n '2,36p' "$0"; exit 0 ;;
  *) echo "usage: $0 start|stop [--purge]|status [PREFIX]" >&2; exit 2 ;;
esac
PURGE=0
if [ "$cmd" = stop ] && [ "${1:-}" = --purge ]; then PURGE=1; shift; fi

log() { printf '[slurm-local] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

PREFIX="${1:-${HPOD_SLURM_PREFIX:-/tmp/hpod-slurm}}"
case "$PREFIX" in /*) ;; *) PREFIX="$PWD/$PREFIX" ;; esac
PREFIX="${PREFIX%/}"
[[ "$PREFIX" =~ ^[A-Za-z0-9_./+-]+$ ]] || die "prefix '$PREFIX' must not contain spaces or special characters"
ETC="$PREFIX/etc"; RUN="$PREFIX/run"; LOGD="$PREFIX/log"; STATE="$PREFIX/state"
SPOOL="$PREFIX/spool"; DEV="$PREFIX/dev"; MUNGE_DIR="$PREFIX/munge"
CONF="$ETC/slurm.conf"
T_START=$(date +%s%N)
elapsed() { echo "$(( ($(date +%s%N) - T_START) / 1000000 )) ms"; }

# our_pid PIDFILE COMM: prints the pid if it is alive, is COMM and its command line names
# PREFIX (so a recycled pid is never taken for ours).
our_pid() {
  local pidfile="$1" comm="$2" pid
  [ -s "$pidfile" ] || return 1
  pid=$(tr -dc '0-9' < "$pidfile"); [ -n "$pid" ] || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$comm" ] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$PREFIX/" || return 1
  echo "$pid"
}
DAEMONS="munged slurmctld slurmd"

find_bin() { command -v "$1" 2>/dev/null || { for d in /usr/sbin /usr/bin; do [ -x "$d/$1" ] && { echo "$d/$1"; return; }; done; echo ""; }; }

node_name() { sed -n 's/^NodeName=\([^ ]*\) .*/\1/p' "$CONF" 2>/dev/null | head -n1; }
# Node state as scontrol says it (IDLE, MIXED, DOWN+NOT_RESPONDING, IDLE+DRAIN, ...);
# scontrol rather than sinfo, whose state lags after a slurmctld restart.
node_state() {
  SLURM_CONF="$CONF" timeout 15 "$(find_bin scontrol)" -o show node "$(node_name)" 2>/dev/null \
    | grep -oE ' State=[^ ]+' | cut -d= -f2
}

# ------------------------------------------------------------------------------ status
do_status() {
  local d pid up=0
  if [ ! -f "$CONF" ]; then log "no cluster configured under $PREFIX"; return 1; fi
  for d in $DAEMONS; do
    if pid=$(our_pid "$RUN/$d.pid" "$d"); then
      log "$d: running (pid $pid)"; up=$((up + 1))
    else
      log "$d: not running"
    fi
  done
  if our_pid "$RUN/slurmctld.pid" slurmctld >/dev/null; then
    log "node $(node_name): $(node_state || echo '?'); jobs in the queue: $(SLURM_CONF="$CONF" timeout 15 squeue -h -o %i 2>/dev/null | wc -l)"
  fi
  log "SLURM_CONF=$CONF"
  [ "$up" = 3 ]
}

# ------------------------------------------------------------------------------ stop
stop_daemon() { # stop_daemon NAME
  local name="$1" pidfile="$RUN/$1.pid" pid i
  if ! pid=$(our_pid "$pidfile" "$name"); then
    log "$name: not running"; rm -f "$pidfile"; return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do
    kill -0 "$pid" 2>/dev/null || { log "$name (pid $pid) stopped"; rm -f "$pidfile"; return 0; }
    sleep 0.1
  done
  log "$name (pid $pid) ignored SIGTERM for 15 s: sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; return 0; }
    sleep 0.1
  done
  log "$name (pid $pid) still alive"; return 1
}

do_stop() {
  local rc=0 jobs kw deadline
  if [ ! -d "$PREFIX" ]; then log "no $PREFIX: nothing to stop"; return 0; fi
  # Cancel every job first so that no slurmstepd or job process outlives the daemons.
  if our_pid "$RUN/slurmctld.pid" slurmctld >/dev/null && [ -f "$CONF" ]; then
    export SLURM_CONF="$CONF"
    jobs=$(timeout 20 squeue -h -o '%F' 2>/dev/null | sort -u | tr '\n' ' ' || true)
    if [ -n "${jobs// /}" ]; then
      log "cancelling jobs: $jobs"
      # shellcheck disable=SC2086
      timeout 20 scancel $jobs 2>/dev/null || true
      kw=$(sed -n 's/^KillWait=\([0-9]*\)$/\1/p' "$CONF"); kw=${kw:-30}
      deadline=$(( $(date +%s) + kw + 20 ))
      while [ -n "$(timeout 20 squeue -h -t R,CG,S,CF -o '%i' 2>/dev/null)" ]; do
        [ "$(date +%s)" -lt "$deadline" ] || { log "WARNING: jobs still running after $((kw + 20)) s"; rc=1; break; }
        sleep 0.2
      done
    fi
  fi
  # munged last: the others need it to say goodbye.
  stop_daemon slurmd || rc=1
  stop_daemon slurmctld || rc=1
  stop_daemon munged || rc=1
  if [ "$PURGE" = 1 ]; then
    if [ "$rc" != 0 ]; then
      log "not deleting $PREFIX: something did not stop"
    elif [ ! -e "$PREFIX/.hpod-slurm-local" ]; then
      log "not deleting $PREFIX: it was not made by this script"; rc=1
    else
      local sock_dir
      sock_dir=$(cat "$RUN/munge-socket-dir" 2>/dev/null || true)
      case "$sock_dir" in */hpod-slurm-munge-*) rm -rf -- "$sock_dir" ;; esac
      rm -rf -- "$PREFIX"
      log "deleted $PREFIX"
    fi
  fi
  return "$rc"
}

# ------------------------------------------------------------------------------ start
install_packages() {
  local pkgs="slurmctld slurmd slurm-client munge" p missing="" policy=/usr/sbin/policy-rc.d made_policy=0
  for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  [ "${HPOD_SLURM_NO_INSTALL:-0}" = 1 ] && die "packages missing:$missing (HPOD_SLURM_NO_INSTALL=1)"
  [ "$(id -u)" = 0 ] || die "packages missing:$missing; run as root or install them first"
  command -v apt-get >/dev/null || die "packages missing:$missing and there is no apt-get"
  log "installing:$missing"
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod 755 "$policy"; made_policy=1
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  local opts=(-o DPkg::Lock::Timeout=300 -y -q --no-install-recommends) arr
  read -r -a arr <<< "$missing"
  if ! DEBIAN_FRONTEND=noninteractive apt-get "${opts[@]}" install "${arr[@]}" >&2; then
    apt-get -o DPkg::Lock::Timeout=300 -q update >&2
    DEBIAN_FRONTEND=noninteractive apt-get "${opts[@]}" install "${arr[@]}" >&2 || true
  fi
  if [ "$made_policy" = 1 ]; then rm -f "$policy"; trap - EXIT; fi
  for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || die "could not install $p"
  done
  log "packages installed ($(elapsed))"
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# munged insists that every directory above its socket is world-executable; a prefix
# under e.g. a 0700 home gets its socket under /tmp instead.
munge_socket_dir() {
  local d="$PREFIX"
  while [ -n "$d" ] && [ "$d" != / ]; do
    if [ -e "$d" ] && [ "$(( 0$(stat -c %a "$d") & 01 ))" != 1 ]; then
      echo "${TMPDIR:-/tmp}/hpod-slurm-munge-$(printf %s "$PREFIX" | cksum | cut -d' ' -f1)"; return
    fi
    d="$(dirname "$d")"
  done
  echo "$MUNGE_DIR"
}

write_config() {
  local gpus="${HPOD_SLURM_GPUS:-4}" cpus="${HPOD_SLURM_CPUS:-16}" kill_wait="${HPOD_SLURM_KILL_WAIT:-5}"
  local partition="${HPOD_SLURM_PARTITION:-debug}" host node mem_mb port="${HPOD_SLURM_CTLD_PORT:-}" sock_dir v i
  mem_mb="${HPOD_SLURM_MEM_MB:-$(awk '/^MemTotal:/ {print int($2/1024)}' /proc/meminfo 2>/dev/null || echo 4096)}"
  for v in gpus cpus kill_wait mem_mb; do
    [[ "${!v}" =~ ^[0-9]+$ ]] && [ "${!v}" -ge 1 ] || die "$v must be a positive integer (got '${!v}')"
  done
  [[ "$partition" =~ ^[A-Za-z0-9_-]+$ ]] || die "partition name '$partition' must match [A-Za-z0-9_-]+"
  local memory="${HPOD_SLURM_MEMORY:-auto}" memory_config
  if [ "$memory" = auto ]; then
    # Slurm 22.05's cgroup/v2 plugin needs systemd (dbus) to make its scope: only v1 here.
    if [ -w /sys/fs/cgroup/memory ] && [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then memory=cgroup; else memory=sampling; fi
  fi
  case "$memory" in
    cgroup) memory_config="TaskPlugin=task/cgroup
JobAcctGatherType=jobacct_gather/linux" ;;
    sampling) memory_config="TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherParams=OverMemoryKill
JobAcctGatherFrequency=task=1" ;;
    none) memory_config="TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none" ;;
    *) die "HPOD_SLURM_MEMORY must be auto, cgroup, sampling or none (got '$memory')" ;;
  esac
  host="$(hostname -s 2>/dev/null || uname -n)"; host="${host%%.*}"; node="$host"
  [[ "$node" =~ ^[A-Za-z0-9_-]+$ ]] || die "host name '$node' is not a usable node name"

  mkdir -p "$ETC" "$RUN" "$LOGD" "$STATE" "$SPOOL/slurmd" "$DEV" "$MUNGE_DIR"
  : > "$PREFIX/.hpod-slurm-local"   # stop --purge deletes only what carries this mark
  chmod 755 "$PREFIX" "$MUNGE_DIR"
  sock_dir=$(munge_socket_dir)
  mkdir -p "$sock_dir"; chmod 755 "$sock_dir"
  echo "$sock_dir" > "$RUN/munge-socket-dir"

  # Ports: the ones asked for, else the previous ones if still free, else the first free pair.
  if [ -z "$port" ] && [ -f "$CONF" ]; then
    port=$(sed -n 's/^SlurmctldPort=\([0-9]*\)$/\1/p' "$CONF")
    if [ -n "$port" ] && { port_busy "$port" || port_busy $((port + 1)); }; then port=""; fi
  fi
  if [ -z "$port" ]; then
    port=16817
    while port_busy "$port" || port_busy $((port + 1)); do
      port=$((port + 2)); [ "$port" -lt 17817 ] || die "no free port pair in 16817-17817"
    done
  elif port_busy "$port" || port_busy $((port + 1)); then
    die "port $port or $((port + 1)) is already in use"
  fi

  # Fake GPUs: slurmd wants File= to be a device (a Count= without File= is dropped by
  # 22.05 and the node is drained); symlinks to /dev/null are accepted without complaint.
  rm -f "$DEV"/nvidia*
  for ((i = 0; i < gpus; i++)); do ln -s /dev/null "$DEV/nvidia$i"; done

  cat > "$CONF" <<EOF
# written by hpod's scripts/slurm-local.sh: a one-node test cluster, not for production
ClusterName=hpodlocal
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock_dir/munge.socket.2
StateSaveLocation=$STATE
SlurmdSpoolDir=$SPOOL/slurmd
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd.pid
SlurmctldLogFile=$LOGD/slurmctld.log
SlurmdLogFile=$LOGD/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig=$ETC/plugstack.conf
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
$memory_config
SwitchType=switch/none
MpiDefault=none
SelectType=select/cons_tres
# Memory is a consumable resource (so --mem is part of the job's credential and enforced);
# a job that asks for none gets an even share per CPU, not the whole node.
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=$((mem_mb / cpus))
SchedulerType=sched/backfill
# Without this, a freed GPU waits up to 3 s for the next job.
SchedulerParameters=batch_sched_delay=0
GresTypes=gpu
# The node claims more CPUs than the machine has, so CPUs never limit before GPUs do.
SlurmdParameters=config_overrides
# A node an admin (or a test) set DOWN stays DOWN until state=resume.
ReturnToService=1
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$LOGD/jobcomp.txt
MinJobAge=300
KillWait=$kill_wait
InactiveLimit=0
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$node NodeAddr=127.0.0.1 NodeHostname=$host CPUs=$cpus RealMemory=$mem_mb Gres=gpu:$gpus State=UNKNOWN
PartitionName=$partition Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
  cat > "$ETC/gres.conf" <<EOF
AutoDetect=off
NodeName=$node Name=gpu File=$DEV/nvidia[0-$((gpus - 1))]
EOF
  : > "$ETC/plugstack.conf"
  if [ "$memory" = cgroup ]; then
    cat > "$ETC/cgroup.conf" <<EOF
CgroupPlugin=cgroup/v1
CgroupMountpoint=/sys/fs/cgroup
ConstrainRAMSpace=yes
ConstrainSwapSpace=yes
AllowedSwapSpace=0
EOF
  else
    rm -f "$ETC/cgroup.conf"
  fi
  log "config written to $ETC (ports $port/$((port + 1)), node $node, $cpus CPUs, $gpus GPUs, memory limits: $memory)"
}

# wait_for_pid NAME: until the daemon wrote its pid file and runs (10 s at most).
wait_for_pid() {
  local deadline=$(( $(date +%s) + 10 ))
  until our_pid "$RUN/$1.pid" "$1" >/dev/null; do
    [ "$(date +%s)" -lt "$deadline" ] || die "$1 did not start (no live pid in $RUN/$1.pid); see $LOGD/$1.log"
    sleep 0.1
  done
  log "$1 started ($(elapsed))"
}

do_start() {
  install_packages
  [ "$(id -u)" = 0 ] || die "must run as root (slurmd launches the jobs; SlurmUser=root)"
  local munged munge unmunge slurmctld slurmd scontrol sinfo v any=0 d sock deadline st resumed=0
  munged=$(find_bin munged); munge=$(find_bin munge); unmunge=$(find_bin unmunge)
  slurmctld=$(find_bin slurmctld); slurmd=$(find_bin slurmd); scontrol=$(find_bin scontrol); sinfo=$(find_bin sinfo)
  for v in munged munge unmunge slurmctld slurmd scontrol sinfo; do
    [ -n "${!v}" ] || die "$v not found in PATH, /usr/sbin or /usr/bin"
  done

  for d in $DAEMONS; do our_pid "$RUN/$d.pid" "$d" >/dev/null && any=1; done
  if [ "$any" = 1 ] && [ -f "$CONF" ]; then
    log "daemons of $PREFIX already (partly) running: keeping the config"
  else
    write_config
  fi
  sock="$(cat "$RUN/munge-socket-dir" 2>/dev/null || echo "$MUNGE_DIR")/munge.socket.2"
  export SLURM_CONF="$CONF"

  if our_pid "$RUN/munged.pid" munged >/dev/null; then
    log "munged already running"
  else
    [ -s "$MUNGE_DIR/munge.key" ] || dd if=/dev/urandom of="$MUNGE_DIR/munge.key" bs=1024 count=1 status=none
    chmod 400 "$MUNGE_DIR/munge.key"
    rm -f "$RUN/munged.pid"
    "$munged" --force --socket="$sock" --key-file="$MUNGE_DIR/munge.key" --log-file="$LOGD/munged.log" \
      --pid-file="$RUN/munged.pid" --seed-file="$MUNGE_DIR/munged.seed" || die "munged failed; see $LOGD/munged.log"
    wait_for_pid munged
  fi
  "$munge" -n -S "$sock" | "$unmunge" -S "$sock" >/dev/null || die "munge round trip failed; see $LOGD/munged.log"

  if our_pid "$RUN/slurmctld.pid" slurmctld >/dev/null; then
    log "slurmctld already running"
  else
    rm -f "$RUN/slurmctld.pid"
    # -i: ignore unreadable saved state rather than refusing to start
    "$slurmctld" -f "$CONF" -i || die "slurmctld failed; see $LOGD/slurmctld.log"
    deadline=$(( $(date +%s) + 30 ))
    until timeout 15 "$sinfo" -h >/dev/null 2>&1; do
      if [ -s "$RUN/slurmctld.pid" ] && ! our_pid "$RUN/slurmctld.pid" slurmctld >/dev/null; then
        tail -n 5 "$LOGD/slurmctld.log" >&2 || true
        die "slurmctld exited during start-up; see $LOGD/slurmctld.log"
      fi
      [ "$(date +%s)" -lt "$deadline" ] || die "slurmctld does not answer after 30 s; see $LOGD/slurmctld.log"
      sleep 0.2
    done
    log "slurmctld started ($(elapsed))"
  fi

  if our_pid "$RUN/slurmd.pid" slurmd >/dev/null; then
    log "slurmd already running"
  else
    rm -f "$RUN/slurmd.pid"
    "$slurmd" -f "$CONF" -N "$(node_name)" || die "slurmd failed; see $LOGD/slurmd.log"
    wait_for_pid slurmd
  fi

  deadline=$(( $(date +%s) + ${HPOD_SLURM_TIMEOUT:-60} ))
  until [[ "$(node_state)" =~ ^(IDLE|MIXED|ALLOCATED)(\+COMPLETING)?$ ]]; do
    st="$(node_state || true)"
    case "$st" in
      *DOWN*|*DRAIN*|*FAIL*)
        # a node left DOWN or DRAINED (saved state, an interrupted test) is put back
        if [ "$resumed" = 0 ]; then
          log "node is '$st': resuming it"
          "$scontrol" update nodename="$(node_name)" state=resume >/dev/null 2>&1 || true
          resumed=1
        fi ;;
    esac
    if [ "$(date +%s)" -ge "$deadline" ]; then
      "$scontrol" show node "$(node_name)" >&2 || true
      die "node not idle after ${HPOD_SLURM_TIMEOUT:-60} s (state '$st'); see $LOGD/slurmd.log"
    fi
    sleep 0.2
  done
  log "node $(node_name) is $(node_state); cluster ready ($(elapsed))"
  printf 'export SLURM_CONF=%s\n' "$CONF" > "$PREFIX/env.sh"
  printf 'export SLURM_CONF=%s\n' "$CONF"
}

case "$cmd" in
  start) do_start ;;
  stop) do_stop ;;
  status) do_status ;;
esac
