#!/usr/bin/env bash
# The programs' command lines: --help and --version; wrong arguments (no such pool, a file that
# is not a pool, an empty file, a pool of another format version, a pool cut short, a missing
# mount point, a mount point that is a file, no arguments) give a non-zero exit and exactly one line on stderr, never a crash, never a
# modified file; a second daemon on a mounted pool is refused; mkfs.kvbos refuses an existing
# file and bad sizes; kvbosfs daemonises without -f and unmounts with fusermount3 -u.
source "$(dirname "$0")/lib.sh"

# expect_usage_error WHAT COMMAND...: non-zero exit (not a signal), one line on stderr, no mount.
# (MAXLINES=N allows up to N lines, for a missing argument that may print a short usage;
#  NOT_AT=DIR checks that DIR, instead of $MNT, did not get mounted.)
expect_usage_error() {
  local what=$1 rc=0 lines max=${MAXLINES:-1}
  shift
  timeout 30 "$@" >"$KT_TMP/out" 2>"$KT_TMP/err" </dev/null || rc=$?
  [ $rc -ne 0 ] || fail "$what: '$*' exited 0"
  [ $rc -ne 124 ] || fail "$what: '$*' did not return within 30 s"
  [ $rc -lt 128 ] || fail "$what: '$*' died with signal $((rc - 128)): $(cat "$KT_TMP/err")"
  lines=$(wc -l <"$KT_TMP/err")
  [ "$lines" -ge 1 ] && [ "$lines" -le "$max" ] \
    || fail "$what: '$*' wrote $lines lines on stderr, expected $([ "$max" = 1 ] && echo one || echo "1 to $max"): $(cat "$KT_TMP/err")"
  local target=${NOT_AT:-$MNT}
  ! is_mounted "$target" || fail "$what: $target got mounted"
  log "ok: $what -> exit $rc: $(cat "$KT_TMP/err")"
}

# --help, --version
for prog in "$KVBOSFS" "$MKFS"; do
  out=$(timeout 10 "$prog" --help 2>&1) || fail "$(basename "$prog") --help exited non-zero: $out"
  grep -qi usage <<<"$out" || fail "$(basename "$prog") --help prints no usage: $out"
  out=$(timeout 10 "$prog" --version 2>&1) || fail "$(basename "$prog") --version exited non-zero: $out"
  grep -Eq '[0-9]+\.[0-9]+' <<<"$out" || fail "$(basename "$prog") --version prints no version: $out"
  log "ok: $(basename "$prog") --help, --version ($(head -n 1 <<<"$out"))"
done

# kvbosfs: wrong arguments.
echo "this is a text file, not a kvbos pool" >"$KT_FAST/text"
head -c 1048576 /dev/zero >"$KT_FAST/zeros"
: >"$KT_FAST/empty"
head -c 1048576 /dev/urandom >"$KT_FAST/random"
sums=$(sha256sum "$KT_FAST/text" "$KT_FAST/zeros" "$KT_FAST/empty" "$KT_FAST/random")
expect_usage_error "no such pool" "$KVBOSFS" "$KT_FAST/absent.pool" "$MNT"
expect_usage_error "a text file as pool" "$KVBOSFS" "$KT_FAST/text" "$MNT"
expect_usage_error "a file of zeros as pool" "$KVBOSFS" "$KT_FAST/zeros" "$MNT"
expect_usage_error "an empty file as pool" "$KVBOSFS" "$KT_FAST/empty" "$MNT"
expect_usage_error "a random file as pool" "$KVBOSFS" "$KT_FAST/random" "$MNT"
expect_usage_error "a text file as pool, -f" "$KVBOSFS" "$KT_FAST/text" "$MNT" -f
expect_usage_error "a directory as pool" "$KVBOSFS" "$KT_FAST" "$MNT"
[ ! -e "$KT_FAST/absent.pool" ] || fail "kvbosfs created the missing pool"
assert_eq "$(sha256sum "$KT_FAST/text" "$KT_FAST/zeros" "$KT_FAST/empty" "$KT_FAST/random")" "$sums" "files refused as pools"
log "ok: the files refused as pools are unchanged"

make_pool 64M
sum=$(sha256sum <"$POOL")
expect_usage_error "missing mount point" "$KVBOSFS" "$POOL" "$KT_TMP/no-such-dir"
expect_usage_error "a file as mount point" "$KVBOSFS" "$POOL" "$KT_FAST/text"
MAXLINES=3 expect_usage_error "no mount point" "$KVBOSFS" "$POOL"
MAXLINES=3 expect_usage_error "no arguments" "$KVBOSFS"
MAXLINES=3 expect_usage_error "unknown option" "$KVBOSFS" --no-such-option "$POOL" "$MNT"
assert_eq "$(sha256sum <"$POOL")" "$sum" "pool after refused mounts"
log "ok: the pool is unchanged after refused mounts"

# A pool of another format version (docs/FORMAT.md: u32 version after the 8-byte magic), and a
# pool cut short: refused with one line, files unchanged.
[ "$(head -c 8 "$POOL")" = KVBOSPOL ] || fail "the pool does not start with the magic KVBOSPOL (docs/FORMAT.md)"
cp "$POOL" "$KT_FAST/v2.pool"
printf '\x63\x00\x00\x00' | dd of="$KT_FAST/v2.pool" bs=1 seek=8 conv=notrunc status=none
head -c $((1024 * 1024)) "$POOL" >"$KT_FAST/short.pool"
sums2=$(sha256sum "$KT_FAST/v2.pool" "$KT_FAST/short.pool")
expect_usage_error "a pool of format version 99" "$KVBOSFS" "$KT_FAST/v2.pool" "$MNT"
grep -qi version "$KT_TMP/err" || fail "the refusal of a version-99 pool does not mention the version: $(cat "$KT_TMP/err")"
expect_usage_error "a pool cut to 1 MiB" "$KVBOSFS" "$KT_FAST/short.pool" "$MNT"
assert_eq "$(sha256sum "$KT_FAST/v2.pool" "$KT_FAST/short.pool")" "$sums2" "refused pools"
rm -f "$KT_FAST/v2.pool" "$KT_FAST/short.pool"

# A second daemon on a mounted pool is refused; the first one keeps working.
kvbos_mount
echo first >"$MNT/f"
mkdir "$KT_TMP/mnt2"
NOT_AT=$KT_TMP/mnt2 expect_usage_error "second daemon on the same pool" "$KVBOSFS" "$POOL" "$KT_TMP/mnt2"
grep -q "in use" "$KT_TMP/err" || fail "the refusal of a second daemon does not say the pool is in use: $(cat "$KT_TMP/err")"
! is_mounted "$KT_TMP/mnt2" || fail "the second daemon mounted the pool"
assert_eq "$(cat "$MNT/f")" first "the first mount after a refused second daemon"
kvbos_unmount

# Daemonised mount (no -f): the command returns 0, the mount is up, fusermount3 -u stops it.
rc=0
timeout 30 "$KVBOSFS" "$POOL" "$MNT" </dev/null >"$KT_TMP/daemon.out" 2>&1 || rc=$?
[ $rc -eq 0 ] || fail "kvbosfs POOL MNT (daemonising) exited $rc: $(cat "$KT_TMP/daemon.out")"
for _ in $(seq 100); do is_mounted && break; sleep 0.1; done
is_mounted || fail "kvbosfs returned 0 but $MNT is not mounted"
KT_DAEMON_PID=$(pgrep -f -x "$KVBOSFS $POOL $MNT" | head -n 1 || true)
[ -n "$KT_DAEMON_PID" ] || fail "no kvbosfs process serving $MNT after daemonising"
echo "$KT_DAEMON_PID" >>"$KT_TMP/daemon.pids"
assert_eq "$(cat "$MNT/f")" first "content through the daemonised mount"
kvbos_unmount
log "ok: daemonised mount and fusermount3 -u"

# -o options of FUSE are accepted.
kvbos_mount -o default_permissions
assert_eq "$(cat "$MNT/f")" first "content with -o default_permissions"
kvbos_unmount
kvbos_mount -o allow_other,default_permissions
kvbos_unmount
kvbos_mount -d
assert_eq "$(cat "$MNT/f")" first "content with -d"
kvbos_unmount
[ -s "$KT_LOG" ] || fail "kvbosfs -d printed no debug output"

# mkfs.kvbos: refuses an existing file (unchanged), bad sizes, a missing directory.
expect_usage_error "mkfs.kvbos over an existing text file" "$MKFS" --size 64M "$KT_FAST/text"
expect_usage_error "mkfs.kvbos over an existing pool" "$MKFS" --size 64M "$POOL"
assert_eq "$(sha256sum "$KT_FAST/text" "$KT_FAST/zeros" "$KT_FAST/empty" "$KT_FAST/random")" "$sums" "files refused by mkfs.kvbos"
expect_usage_error "mkfs.kvbos bad size" "$MKFS" --size 12Q "$KT_FAST/p1"
expect_usage_error "mkfs.kvbos size 0" "$MKFS" --size 0 "$KT_FAST/p2"
expect_usage_error "mkfs.kvbos no size unit garbage" "$MKFS" --size lots "$KT_FAST/p3"
expect_usage_error "mkfs.kvbos in a missing directory" "$MKFS" --size 64M "$KT_FAST/no/such/dir/p"
MAXLINES=3 expect_usage_error "mkfs.kvbos no arguments" "$MKFS"
for p in p1 p2 p3; do [ ! -e "$KT_FAST/$p" ] || fail "mkfs.kvbos left $p behind after refusing it"; done
for u in 1048576K 64M 1G; do
  run_ok "$MKFS" --size "$u" "$KT_FAST/unit-$u.pool"
  log "ok: mkfs.kvbos --size $u -> $(stat -c %s "$KT_FAST/unit-$u.pool") bytes"
  rm -f "$KT_FAST/unit-$u.pool"
done
