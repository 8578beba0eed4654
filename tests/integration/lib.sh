# shellcheck shell=bash
# tests/integration/lib.sh -- sourced by every integration test.
#
# Each test gets:
#   $KT_TMP   a private directory under $TMPDIR (/tmp) holding the mount point and logs
#   $KT_FAST  a private directory on tmpfs (/dev/shm when present) for the pool and reference data
#   $POOL     the pool path ($KT_FAST/test.pool), $MNT the mount point ($KT_TMP/mnt)
# and helpers to create a pool, mount it (kvbosfs -f in the background, so the test owns the
# daemon's PID), unmount it cleanly (the daemon must then exit with status 0), kill it, and
# assert on bytes, attributes and the error text shell tools print.
#
# A trap always unmounts and kills (by PID) every daemon the test started, and a watchdog
# kills the daemon and the test after $KVBOS_TEST_TIMEOUT seconds, so a hung FUSE request
# can never hang CI.
#
# Environment:
#   KVBOS_BIN           directory with kvbosfs and mkfs.kvbos (default: <repo>/build/bin)
#   KVBOS_TEST_TIMEOUT  seconds before the watchdog fires (default 600; a test may set it first)
#   KVBOS_KEEP=1        keep the temporary directories of a failed test for inspection

set -euo pipefail
shopt -s nullglob

TEST_NAME=$(basename "${BASH_SOURCE[1]:-$0}" .sh)
KT_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$KT_LIB_DIR/../.." && pwd)
KVBOS_BIN=${KVBOS_BIN:-$REPO_ROOT/build/bin}
KVBOS_BIN=$(cd "$KVBOS_BIN" 2>/dev/null && pwd || echo "$KVBOS_BIN")
MKFS=$KVBOS_BIN/mkfs.kvbos
KVBOSFS=$KVBOS_BIN/kvbosfs
KVBOS_TEST_TIMEOUT=${KVBOS_TEST_TIMEOUT:-600}
export LC_ALL=C   # error texts ("No such file or directory") are asserted in English

KT_DAEMON_PID=""
KT_MOUNTS=0
KT_WATCHDOG_PID=""
KT_START=$(date +%s)

log() { printf '[%s] %s\n' "$TEST_NAME" "$*"; }

# fail MESSAGE...: print a clear message (and the daemon logs), then exit 1 (the trap cleans up).
fail() {
  printf '[%s] FAIL: %s\n' "$TEST_NAME" "$*" >&2
  exit 1
}

# ---------------------------------------------------------------------------------------------
# Workspace, watchdog and cleanup

[ -x "$KVBOSFS" ] || fail "kvbosfs not found at $KVBOSFS (build first, or set KVBOS_BIN)"
[ -x "$MKFS" ] || fail "mkfs.kvbos not found at $MKFS (build first, or set KVBOS_BIN)"
command -v fusermount3 >/dev/null || fail "fusermount3 not installed (run scripts/install-deps.sh)"
[ -e /dev/fuse ] || fail "/dev/fuse is missing: FUSE cannot mount here"

KT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/kvbos-$TEST_NAME.XXXXXX")
KT_TMP=$(realpath "$KT_TMP")
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
  KT_FAST=$(mktemp -d "/dev/shm/kvbos-$TEST_NAME.XXXXXX")
else
  KT_FAST=$KT_TMP/fast
  mkdir "$KT_FAST"
fi
POOL=$KT_FAST/test.pool
MNT=$KT_TMP/mnt
mkdir "$MNT"
: >"$KT_TMP/daemon.pids"

# is_kvbosfs_pid PID: the PID is alive and is a kvbosfs process (guards against PID reuse).
is_kvbosfs_pid() {
  local pid=$1 state
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
  [ "$state" != Z ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q kvbosfs
}

# is_mounted [DIR]: DIR (default $MNT) is a mount point. Reads /proc/self/mountinfo only, so it
# never touches (and never hangs on) the FUSE file system itself.
is_mounted() {
  local dir=${1:-$MNT}
  awk -v m="$dir" '$5 == m { found = 1 } END { exit !found }' /proc/self/mountinfo
}

# fstype_of [DIR]: the file system type of the mount at DIR, e.g. fuse.kvbosfs
fstype_of() {
  local dir=${1:-$MNT}
  awk -v m="$dir" '$5 == m { for (i = 6; i <= NF; i++) if ($i == "-") { print $(i + 1); exit } }' \
    /proc/self/mountinfo
}

kt_dump_logs() {
  local f
  for f in "$KT_TMP"/kvbosfs.*.log; do
    [ -s "$f" ] || continue
    printf '[%s] --- last lines of %s ---\n' "$TEST_NAME" "$(basename "$f")" >&2
    tail -n 30 "$f" >&2
  done
}

kt_kill_daemons() {
  local pid sig
  for sig in TERM KILL; do
    for pid in $(cat "$KT_TMP/daemon.pids" 2>/dev/null); do
      if is_kvbosfs_pid "$pid"; then kill "-$sig" "$pid" 2>/dev/null || true; fi
    done
    for _ in $(seq 50); do
      local alive=0
      for pid in $(cat "$KT_TMP/daemon.pids" 2>/dev/null); do
        if is_kvbosfs_pid "$pid"; then alive=1; fi
      done
      [ $alive = 1 ] || return 0
      sleep 0.1
    done
  done
}

# kt_at_exit COMMAND...: run COMMAND at cleanup, after the daemons are gone (last added, first
# run), e.g. to stop a server the test started.
KT_AT_EXIT=()
kt_at_exit() { KT_AT_EXIT+=("$(printf '%q ' "$@")"); }

kt_cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  cd / # a failed test may have left us inside the mount, which would keep it busy
  if [ -n "$KT_WATCHDOG_PID" ]; then
    kill "$KT_WATCHDOG_PID" 2>/dev/null
    wait "$KT_WATCHDOG_PID" 2>/dev/null
  fi
  [ "$rc" -eq 0 ] || kt_dump_logs
  # Unmount every mount point below our directories (the main one and any extra ones).
  local m
  for m in $(awk -v a="$KT_TMP/" -v b="$KT_FAST/" 'index($5, a) == 1 || index($5, b) == 1 { print $5 }' \
             /proc/self/mountinfo | sort -r); do
    timeout 10 fusermount3 -u "$m" 2>/dev/null || timeout 10 fusermount3 -uz "$m" 2>/dev/null \
      || umount -l "$m" 2>/dev/null
  done
  kt_kill_daemons
  local i
  for ((i = ${#KT_AT_EXIT[@]} - 1; i >= 0; i--)); do eval "${KT_AT_EXIT[$i]}" || true; done
  local still_mounted=0
  for m in $(awk -v a="$KT_TMP/" -v b="$KT_FAST/" 'index($5, a) == 1 || index($5, b) == 1 { print $5 }' \
             /proc/self/mountinfo); do
    still_mounted=1
    echo "[$TEST_NAME] warning: $m is still mounted; leaving $KT_TMP in place" >&2
  done
  if [ "$rc" -ne 0 ] && [ "${KVBOS_KEEP:-0}" = 1 ]; then
    echo "[$TEST_NAME] kept $KT_TMP and $KT_FAST for inspection" >&2
  elif [ $still_mounted = 0 ]; then
    rm -rf --one-file-system "$KT_TMP" "$KT_FAST"
  fi
  if [ "$rc" -eq 0 ]; then
    log "PASS ($(( $(date +%s) - KT_START )) s)"
  else
    printf '[%s] FAILED (exit %s, %s s)\n' "$TEST_NAME" "$rc" "$(( $(date +%s) - KT_START ))" >&2
  fi
  exit "$rc"
}
trap kt_cleanup EXIT
trap 'echo "[$TEST_NAME] interrupted" >&2; exit 130' INT TERM

# The watchdog: after the timeout, kill -9 our daemons (which aborts every pending FUSE request
# with ENOTCONN, so the test's blocked command returns), then terminate the test.
(
  sleep "$KVBOS_TEST_TIMEOUT" </dev/null >/dev/null 2>&1 &
  sleeper=$!
  trap 'kill $sleeper 2>/dev/null; exit 0' TERM
  wait $sleeper
  echo "[$TEST_NAME] FAIL: timed out after $KVBOS_TEST_TIMEOUT s; killing the daemon" >&2
  touch "$KT_TMP/timed-out"
  for pid in $(cat "$KT_TMP/daemon.pids" 2>/dev/null); do
    if is_kvbosfs_pid "$pid"; then kill -9 "$pid" 2>/dev/null; fi
  done
  kill -TERM $$ 2>/dev/null
) &
KT_WATCHDOG_PID=$!

# ---------------------------------------------------------------------------------------------
# Pool, mount, unmount

# make_pool [SIZE] [POOL]: mkfs.kvbos --size SIZE POOL (default 256M, $POOL); fails the test on error.
make_pool() {
  local size=${1:-256M} pool=${2:-$POOL} out
  if ! out=$("$MKFS" --size "$size" "$pool" 2>&1); then
    fail "mkfs.kvbos --size $size $pool failed: $out"
  fi
  [ -f "$pool" ] || [ -b "$pool" ] || fail "mkfs.kvbos --size $size $pool succeeded but created no pool"
}

# kvbos_mount [KVBOSFS OPTIONS...]: mount $POOL on $MNT with kvbosfs -f in the background; waits
# until the mount is up. Sets KT_DAEMON_PID. Extra options are passed on (e.g. -o ro).
kvbos_mount() {
  local pool=${KT_MOUNT_POOL:-$POOL} mnt=${KT_MOUNT_DIR:-$MNT}
  KT_MOUNTS=$((KT_MOUNTS + 1))
  KT_LOG=$KT_TMP/kvbosfs.$KT_MOUNTS.log
  is_mounted "$mnt" && fail "kvbos_mount: $mnt is already mounted"
  "$KVBOSFS" "$pool" "$mnt" -f "$@" </dev/null >"$KT_LOG" 2>&1 &
  KT_DAEMON_PID=$!
  echo "$KT_DAEMON_PID" >>"$KT_TMP/daemon.pids"
  local i
  for ((i = 0; i < 300; i++)); do
    if is_mounted "$mnt"; then
      log "mounted $mnt ($(fstype_of "$mnt"), pid $KT_DAEMON_PID${*:+, options: $*})"
      return 0
    fi
    if ! kill -0 "$KT_DAEMON_PID" 2>/dev/null; then
      local st=0
      wait "$KT_DAEMON_PID" || st=$?
      fail "kvbosfs $pool $mnt -f $* exited with status $st before mounting: $(tail -n 5 "$KT_LOG")"
    fi
    sleep 0.1
  done
  fail "kvbosfs $pool $mnt -f $*: not mounted after 30 s"
}

# wait_pid_exit PID SECONDS: wait until PID has exited (returns 1 on timeout).
wait_pid_exit() {
  local pid=$1 secs=$2 i
  for ((i = 0; i < secs * 10; i++)); do
    is_kvbosfs_pid "$pid" || return 0
    sleep 0.1
  done
  return 1
}

# kvbos_unmount: fusermount3 -u $MNT (retrying while busy); the daemon must then exit, with
# status 0, within 60 s (it flushes everything before exiting).
kvbos_unmount() {
  local mnt=${KT_MOUNT_DIR:-$MNT} err i
  for ((i = 0; i < 50; i++)); do
    if err=$(timeout 30 fusermount3 -u "$mnt" 2>&1); then break; fi
    if [[ $err == *busy* ]]; then sleep 0.2; continue; fi
    fail "fusermount3 -u $mnt failed: $err"
  done
  is_mounted "$mnt" && fail "fusermount3 -u $mnt: still mounted ($err)"
  if [ -n "$KT_DAEMON_PID" ]; then
    wait_pid_exit "$KT_DAEMON_PID" 60 || fail "kvbosfs (pid $KT_DAEMON_PID) still running 60 s after unmount"
    local st=0
    wait "$KT_DAEMON_PID" 2>/dev/null || st=$?
    # 127: not our child (daemonised mount); its status is unknown.
    [ "$st" -eq 0 ] || [ "$st" -eq 127 ] \
      || fail "kvbosfs exited with status $st after a clean unmount: $(tail -n 5 "$KT_LOG")"
  fi
  KT_DAEMON_PID=""
  log "unmounted $mnt"
}

# kvbos_remount [OPTIONS...]: unmount then mount again.
kvbos_remount() {
  kvbos_unmount
  kvbos_mount "$@"
}

# kvbos_kill9: kill -9 the daemon, wait for it to die, then detach the dead mount.
kvbos_kill9() {
  local mnt=${KT_MOUNT_DIR:-$MNT}
  [ -n "$KT_DAEMON_PID" ] || fail "kvbos_kill9: no daemon"
  kill -9 "$KT_DAEMON_PID"
  wait "$KT_DAEMON_PID" 2>/dev/null || true
  wait_pid_exit "$KT_DAEMON_PID" 10 || fail "kvbosfs (pid $KT_DAEMON_PID) survived kill -9"
  timeout 20 fusermount3 -u "$mnt" 2>/dev/null || timeout 20 fusermount3 -uz "$mnt" \
    || fail "cannot detach $mnt after kill -9"
  is_mounted "$mnt" && fail "$mnt still mounted after kill -9 and fusermount3 -u"
  log "killed kvbosfs (pid $KT_DAEMON_PID) with SIGKILL and detached $mnt"
  KT_DAEMON_PID=""
}

# ---------------------------------------------------------------------------------------------
# Assertions

# expect_errno TEXT COMMAND...: COMMAND must fail (non-zero exit) and print TEXT
# (e.g. "No such file or directory") on stderr/stdout.
expect_errno() {
  local want=$1 out rc=0
  shift
  out=$("$@" 2>&1) || rc=$?
  [ "$rc" -ne 0 ] || fail "'$*' succeeded; expected it to fail with '$want' (output: $out)"
  [[ $out == *"$want"* ]] || fail "'$*' failed (exit $rc) with '$out'; expected '$want'"
  log "ok: $* -> $want"
}

# expect_sh_errno TEXT SCRIPT [ARGS...]: like expect_errno, for a shell snippet (redirections).
expect_sh_errno() {
  local want=$1 script=$2
  shift 2
  expect_errno "$want" bash -c "$script" sh "$@"
}

# run_ok COMMAND...: COMMAND must succeed; its output is shown when it does not.
run_ok() {
  local out rc=0
  out=$("$@" 2>&1) || rc=$?
  [ "$rc" -eq 0 ] || fail "'$*' failed (exit $rc): $out"
}

# assert_eq ACTUAL EXPECTED WHAT
assert_eq() {
  [ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"
}

# assert_same_file REFERENCE FILE: same bytes (cmp) and same size.
assert_same_file() {
  local ref=$1 f=$2 out
  [ -e "$f" ] || fail "$f does not exist"
  out=$(cmp "$ref" "$f" 2>&1) || fail "cmp $ref $f: ${out:-differ}"
}

# assert_same_tree A B: diff -r finds nothing (symlinks compared as links), and the same
# names, types, modes, sizes and link targets (mtimes of regular files too).
assert_same_tree() {
  local a=$1 b=$2 out
  out=$(diff -r --no-dereference "$a" "$b" 2>&1) || fail "diff -r $a $b:"$'\n'"$(head -n 20 <<<"$out")"
  tree_listing "$a" >"$KT_TMP/listing.a"
  tree_listing "$b" >"$KT_TMP/listing.b"
  out=$(diff "$KT_TMP/listing.a" "$KT_TMP/listing.b") \
    || fail "metadata differs between $a and $b (< $a, > $b):"$'\n'"$(head -n 20 <<<"$out")"
}

# tree_listing DIR: one line per entry: path, type, mode, owner, size and mtime (regular files),
# link target (symlinks). mtimes are compared to $KT_MTIME_DIGITS decimals (default 6; tar keeps 0).
tree_listing() {
  local digits=${KT_MTIME_DIGITS:-6} cut
  if [ "$digits" -eq 0 ]; then cut='s/ \([0-9]*\)\.[0-9]*$/ \1/'; else cut="s/\\(\\.[0-9]\\{$digits\\}\\)[0-9]*\$/\\1/"; fi
  (cd "$1" && find . -mindepth 1 \( -type f -printf '%p f %m %U:%G %s %T@\n' \) -o \
     \( -type d -printf '%p d %m %U:%G\n' \) -o \( -type l -printf '%p l %U:%G %l\n' \) -o -printf '%p %y %m %U:%G\n' |
     sed "$cut" | sort)
}

# rand_file PATH BYTES: PATH gets BYTES random bytes.
rand_file() {
  head -c "$2" /dev/urandom >"$1"
  [ "$(stat -c %s "$1")" -eq "$2" ] || fail "rand_file $1 $2: short"
}

# make_tree DIR [FILES]: a varied tree (nested dirs, files 0..200 KiB, an empty dir, symlinks,
# modes, mtimes) with about FILES (default 200) files, reproducible content per name.
make_tree() {
  local dir=$1 n=${2:-200} i d size
  mkdir -p "$dir/empty-dir" "$dir/a/b/c/d/e"
  for ((i = 0; i < n; i++)); do
    d=$dir/d$((i % 7))/s$((i % 3))
    mkdir -p "$d"
    case $((i % 10)) in
      0) size=0 ;;
      1) size=1 ;;
      2) size=4095 ;;
      3) size=4096 ;;
      4) size=$((200 * 1024 + 7)) ;;
      *) size=$(((i * 7919) % 30000)) ;;
    esac
    head -c "$size" /dev/urandom >"$d/file-$i.dat"
  done
  echo "hello kvbos" >"$dir/a/b/c/d/e/deep.txt"
  printf 'with space\n' >"$dir/name with spaces.txt"
  printf 'utf8\n' >"$dir/ünïcødé-файл.txt"
  ln -s a/b/c/d/e/deep.txt "$dir/link-to-deep"
  ln -s ../d0 "$dir/a/link-to-dir"
  ln -s /nonexistent/target "$dir/dangling"
  chmod 0600 "$dir/d1/s1"/file-*.dat 2>/dev/null || true
  chmod 0750 "$dir/d2"
  chmod 0755 "$dir/a/b/c/d/e/deep.txt"
  touch -h -d '2001-02-03 04:05:06 UTC' "$dir/name with spaces.txt"
  touch -d '1999-12-31 23:59:59.123456789 UTC' "$dir/d3/s0/file-3.dat" 2>/dev/null || true
}

# build_helper NAME: compile tests/integration/NAME.c into $KT_TMP/NAME and print its path.
build_helper() {
  local name=$1 cc
  cc=$(command -v cc || command -v gcc) || fail "no C compiler (cc) to build $name"
  "$cc" -O1 -Wall -o "$KT_TMP/$name" "$KT_LIB_DIR/$name.c" || fail "cannot compile $name.c"
  echo "$KT_TMP/$name"
}

# ---------------------------------------------------------------------------------------------
# A real S3 server: Ceph's RADOS Gateway on loopback (tests/s3/rgw.sh)

# start_rgw: starts a throwaway Ceph cluster under $KT_TMP/rgw (stopped at cleanup) and exports
# KVBOS_S3_ENDPOINT, KVBOS_S3_BUCKET, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY; RGW_DIR is set.
start_rgw() {
  command -v radosgw >/dev/null || fail "radosgw is not installed (run scripts/install-deps.sh)"
  RGW_SH=$REPO_ROOT/tests/s3/rgw.sh
  RGW_DIR=$KT_TMP/rgw
  kt_at_exit bash "$RGW_SH" stop "$RGW_DIR"
  local env_file t0=$SECONDS
  env_file=$(bash "$RGW_SH" start "$RGW_DIR") || fail "could not start the RADOS Gateway"
  set -a
  # shellcheck disable=SC1090
  . "$env_file"
  set +a
  log "RADOS Gateway at $KVBOS_S3_ENDPOINT, bucket $KVBOS_S3_BUCKET (started in $((SECONDS - t0)) s)"
}

# rgw_count [METHOD] [PATH-REGEX] [range]: requests the gateway has logged so far.
rgw_count() { bash "$RGW_SH" count "$RGW_DIR" "$@"; }
