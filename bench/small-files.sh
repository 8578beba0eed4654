#!/usr/bin/env bash
# Small-file benchmark: kvbos (pool on /dev/shm, the stand-in for NVRAM) against libfuse's
# passthrough_ll example over a tmpfs directory, measured in the same run on the same machine.
#
# Phases (bench/smallfiles.c), each on a fresh mount of the file system under test:
#   create_fsync  5,000 files of 4 KiB in 50 directories: open(O_CREAT|O_EXCL), write, fsync, close
#   read          the same 5,000 files read back and verified, after an unmount and a mount
#   create_empty  20,000 empty files in one directory
#   readdir       readdir of that directory (20,000 entries), after an unmount and a mount
#   readdir_stat  readdir plus an lstat of every entry (what ls -l does)
# Each phase runs REPEAT times (default 3) on fresh data; the median rate is reported.
#
# Usage: bash bench/small-files.sh [--repeat N] [--files-per-dir N] [--dirs N] [--entries N]
# Environment: KVBOS_BIN (default <repo>/build/bin); BENCH_RESULTS=FILE also writes key=value lines.
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
KVBOS_BIN=${KVBOS_BIN:-$repo/build/bin}
REPEAT=3 DIRS=50 PER_DIR=100 SIZE=4096 ENTRIES=20000
while [ $# -gt 0 ]; do
  case $1 in
    --repeat) REPEAT=$2; shift 2 ;;
    --dirs) DIRS=$2; shift 2 ;;
    --files-per-dir) PER_DIR=$2; shift 2 ;;
    --entries) ENTRIES=$2; shift 2 ;;
    -h | --help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "small-files.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

for p in "$KVBOS_BIN/kvbosfs" "$KVBOS_BIN/mkfs.kvbos"; do
  [ -x "$p" ] || { echo "small-files.sh: $p not found (build first: cmake -S . -B build && cmake --build build)" >&2; exit 1; }
done
[ -d /dev/shm ] && [ -w /dev/shm ] || { echo "small-files.sh: /dev/shm is not a writable tmpfs" >&2; exit 1; }

# passthrough_ll keeps one O_PATH descriptor open per inode the kernel knows: 25,000+ here.
# Raise the limit; where that is not allowed (no CAP_SYS_RESOURCE), have the workload drop the
# kernel's dentry/inode caches every few thousand entries (clock paused; both file systems alike).
ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
nofile=$(ulimit -n)
if [ "$nofile" != unlimited ] && [ "$nofile" -lt $((DIRS * PER_DIR + ENTRIES + 1000)) ]; then
  if [ -w /proc/sys/vm/drop_caches ]; then
    export SMALLFILES_DROP_EVERY=$((nofile / 4))
    echo "small-files.sh: ulimit -n is $nofile: dropping dentry/inode caches every $SMALLFILES_DROP_EVERY entries (not timed)" >&2
  else
    echo "small-files.sh: warning: ulimit -n is $nofile; passthrough_ll may run out of descriptors" >&2
  fi
fi

work=$(mktemp -d /tmp/kvbos-bench.XXXXXX)
shm=$(mktemp -d /dev/shm/kvbos-bench.XXXXXX)
mnt=$work/mnt
mkdir "$mnt"
daemon=""

is_mounted() { awk -v m="$mnt" '$5 == m { f = 1 } END { exit !f }' /proc/self/mountinfo; }

cleanup() {
  set +e
  if is_mounted; then fusermount3 -u "$mnt" 2>/dev/null || fusermount3 -uz "$mnt"; fi
  if [ -n "$daemon" ] && kill -0 "$daemon" 2>/dev/null; then kill "$daemon"; sleep 1; kill -9 "$daemon" 2>/dev/null; fi
  is_mounted || rm -rf --one-file-system "$work" "$shm"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- build the workload and the reference file system -------------------------------------
cc=$(command -v cc || command -v gcc) || { echo "small-files.sh: no C compiler" >&2; exit 1; }
"$cc" -O2 -Wall -o "$work/smallfiles" "$here/smallfiles.c"

examples=/usr/share/doc/libfuse3-dev/examples
mkdir "$work/pt"
for f in passthrough_ll.c passthrough_helpers.h; do
  if [ -f "$examples/$f" ]; then cp "$examples/$f" "$work/pt/"
  elif [ -f "$examples/$f.gz" ]; then gunzip -c "$examples/$f.gz" >"$work/pt/$f"
  fi
done
if [ ! -f "$work/pt/passthrough_ll.c" ]; then
  # Images that strip /usr/share/doc: take the example from the package itself.
  (cd "$work/pt" && apt-get download libfuse3-dev >/dev/null && dpkg-deb -x libfuse3-dev_*.deb x) \
    || { echo "small-files.sh: passthrough_ll.c not found in $examples and apt-get download failed" >&2; exit 1; }
  cp "$work/pt/x$examples"/passthrough_ll.c* "$work/pt/x$examples"/passthrough_helpers.h* "$work/pt/"
  gunzip -f "$work/pt"/*.gz 2>/dev/null || true
fi
# shellcheck disable=SC2046
"$cc" -O2 -Wall -o "$work/passthrough_ll" "$work/pt/passthrough_ll.c" $(pkg-config --cflags --libs fuse3) 2>"$work/pt/cc.log" \
  || { cat "$work/pt/cc.log" >&2; exit 1; }

# --- mounting ------------------------------------------------------------------------------
# mount_fs kvbos|passthrough: mount the file system under test on $mnt in the foreground (-f)
# as a background job, so that its PID is ours; wait until the mount is up.
mount_fs() {
  case $1 in
    kvbos) "$KVBOS_BIN/kvbosfs" "$shm/bench.pool" "$mnt" -f </dev/null >>"$work/kvbos.log" 2>&1 & ;;
    passthrough) "$work/passthrough_ll" -o source="$shm/pt-src" "$mnt" -f </dev/null >>"$work/pt.log" 2>&1 & ;;
  esac
  daemon=$!
  for _ in $(seq 300); do
    is_mounted && return 0
    kill -0 "$daemon" 2>/dev/null || { echo "small-files.sh: $1 exited before mounting" >&2; tail "$work"/*.log >&2; exit 1; }
    sleep 0.1
  done
  echo "small-files.sh: $1 not mounted after 30 s" >&2
  exit 1
}
unmount_fs() {
  for _ in $(seq 50); do fusermount3 -u "$mnt" 2>/dev/null && break; sleep 0.2; done
  is_mounted && { echo "small-files.sh: cannot unmount $mnt" >&2; exit 1; }
  wait "$daemon" 2>/dev/null || true
  daemon=""
}
fresh_fs() {  # an empty file system of the given kind
  case $1 in
    kvbos) rm -f "$shm/bench.pool"; "$KVBOS_BIN/mkfs.kvbos" --size 2G "$shm/bench.pool" >/dev/null ;;
    passthrough) rm -rf "$shm/pt-src"; mkdir "$shm/pt-src" ;;
  esac
}

# run_phase KIND ARGS...: run smallfiles, append its "phase=... rate=..." line to the results.
run_phase() {
  local kind=$1 out
  shift
  out=$("$work/smallfiles" "$@") || { echo "small-files.sh: $kind: smallfiles $* failed" >&2; exit 1; }
  while read -r line; do
    echo "$kind $line" >>"$work/results"
  done <<<"$out"
}

: >"$work/results"
# Runs alternate between the two file systems, so that load from elsewhere that comes and goes
# during the benchmark falls on both alike rather than on whichever ran at the time.
for ((r = 1; r <= REPEAT; r++)); do
  for kind in kvbos passthrough; do
    fresh_fs $kind
    mount_fs $kind
    run_phase $kind create "$mnt" "$DIRS" "$PER_DIR" "$SIZE"
    unmount_fs
    mount_fs $kind
    run_phase $kind read "$mnt" "$DIRS" "$PER_DIR" "$SIZE"
    mkdir "$mnt/big"
    run_phase $kind mkmany "$mnt/big" "$ENTRIES"
    unmount_fs
    mount_fs $kind
    run_phase $kind list "$mnt/big" "$ENTRIES"
    unmount_fs
    echo "  $kind run $r of $REPEAT done" >&2
  done
done

# --- report --------------------------------------------------------------------------------
median() {  # median rate of KIND PHASE
  grep "^$1 phase=$2 " "$work/results" | sed 's/.* rate=//' | sort -g |
    awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
describe() {
  case $1 in
    create_fsync) echo "create+write+fsync, $SIZE B x $((DIRS * PER_DIR)) in $DIRS dirs" ;;
    read) echo "read back + verify (cold mount)" ;;
    create_empty) echo "create $ENTRIES empty files in one dir" ;;
    readdir) echo "readdir of $ENTRIES entries (cold mount)" ;;
    readdir_stat) echo "readdir + lstat of $ENTRIES entries" ;;
  esac
}
echo
echo "small files: kvbos (pool on /dev/shm) vs passthrough_ll (over tmpfs); files/s, median of $REPEAT"
echo "kernel $(uname -r), $(nproc) CPUs, libfuse $(pkg-config --modversion fuse3)"
printf '%-48s %14s %16s %8s\n' phase kvbos passthrough_ll ratio
: >"$work/summary"
for phase in create_fsync read create_empty readdir readdir_stat; do
  k=$(median kvbos $phase); p=$(median passthrough $phase)
  ratio=$(awk -v k="$k" -v p="$p" 'BEGIN { if (p > 0) printf "%.2f", k / p; else print "n/a" }')
  printf '%-48s %14.0f %16.0f %7sx\n' "$(describe $phase)" "$k" "$p" "$ratio"
  printf 'bench.small_files.%s.kvbos=%.1f\nbench.small_files.%s.passthrough_ll=%.1f\nbench.small_files.%s.ratio=%s\n' \
    "$phase" "$k" "$phase" "$p" "$phase" "$ratio" >>"$work/summary"
done
echo "(ratio = kvbos / passthrough_ll; above 1 means kvbos is faster)"
[ -z "${BENCH_RESULTS:-}" ] || cp "$work/summary" "$BENCH_RESULTS"
