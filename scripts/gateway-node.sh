#!/bin/sh
# Starts node with V8's garbage collector fitted to the CPUs this process may use:
#   sh scripts/gateway-node.sh [node flags...] <entry file> [args...]
#
# On one CPU (an affinity mask of one core: taskset, docker --cpuset-cpus; or a CPU quota of at most one core:
# docker --cpus=1, a Kubernetes CPU limit of 1000m or less) V8's background GC threads (concurrent marking, parallel
# scavenges and compaction) can only run by taking that CPU from the event loop, and a quota bills their time to the
# process as well. Requests then wait behind GC work that was meant to run beside them: in bench:abuse, a gateway on
# one core answered /health/live with a p99 of 20-25 ms under attack with the background threads, 9 ms without.
# There, `--single-threaded-gc` keeps all GC work on the main thread, in V8's small incremental steps. With two CPUs
# or more, V8's defaults stand.
#
# A wrapper because the flag can be set nowhere else: Node refuses it in NODE_OPTIONS, and V8 aborts when it is
# changed at run time (v8.setFlagsFromString). GATEWAY_CGROUP_FS points the quota lookup at another cgroup
# filesystem (tests); it defaults to /sys/fs/cgroup.
set -eu

# the affinity mask (OMP_* would override nproc's answer: not ours to read)
cpus=$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)

# a CPU quota, in whole CPUs rounded up: cgroup v2 `cpu.max` ("max 100000" or "<quota> <period>"), else cgroup v1
cgroup=${GATEWAY_CGROUP_FS:-/sys/fs/cgroup}
quota=max
period=100000
if [ -r "$cgroup/cpu.max" ]; then
  read -r quota period < "$cgroup/cpu.max" || true
elif [ -r "$cgroup/cpu/cpu.cfs_quota_us" ] && [ -r "$cgroup/cpu/cpu.cfs_period_us" ]; then
  read -r quota < "$cgroup/cpu/cpu.cfs_quota_us" || true
  read -r period < "$cgroup/cpu/cpu.cfs_period_us" || true
fi
case "$quota:$period" in
  *[!0-9:]* | :* | *:) ;; # "max", -1 (v1: none) or unreadable: no quota
  *)
    if [ "$quota" -gt 0 ] && [ "$period" -gt 0 ]; then
      quota_cpus=$(((quota + period - 1) / period))
      [ "$quota_cpus" -lt "$cpus" ] && cpus=$quota_cpus
    fi
    ;;
esac

if [ "$cpus" -le 1 ]; then
  set -- --single-threaded-gc "$@"
fi
exec node "$@"
