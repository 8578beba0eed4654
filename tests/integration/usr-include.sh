#!/usr/bin/env bash
# Real input: cp -a /usr/include (thousands of real headers) into the mount, timed (and the
# same copy onto /tmp for scale), unmount, mount, diff -r finds nothing, metadata identical.
KVBOS_TEST_TIMEOUT=${KVBOS_TEST_TIMEOUT:-1800}
source "$(dirname "$0")/lib.sh"

SRC=${KVBOS_REAL_INPUT:-/usr/include}
[ -d "$SRC" ] || fail "$SRC does not exist"
kib=$(du -sk "$SRC" | cut -f1)
entries=$(find "$SRC" | wc -l)
pool_mib=$(( kib * 4 / 1024 + 256 ))
[ $pool_mib -ge 1024 ] || pool_mib=1024
log "input: $SRC, $entries entries, $((kib / 1024)) MiB; pool ${pool_mib} MiB"
make_pool "${pool_mib}M"
kvbos_mount

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# Warm the page cache for the source so both copies read it from memory.
tar -C "$SRC" -cf - . >/dev/null

t0=$(now)
cp -a "$SRC" "$MNT/include" || fail "cp -a $SRC into the mount failed"
t1=$(now)
kvbos_copy=$(secs "$t0" "$t1")

mkdir "$KT_TMP/scale"
t0=$(now)
cp -a "$SRC" "$KT_TMP/scale/include"
t1=$(now)
tmp_copy=$(secs "$t0" "$t1")
if [ -n "${KT_FAST:-}" ] && [ "$KT_FAST" != "$KT_TMP/fast" ]; then
  t0=$(now); cp -a "$SRC" "$KT_FAST/include"; t1=$(now)
  shm_copy=$(secs "$t0" "$t1")
  rm -rf "$KT_FAST/include"
else
  shm_copy=n/a
fi
log "cp -a $SRC: kvbos ${kvbos_copy} s, /tmp ($(stat -f -c %T "$KT_TMP")) ${tmp_copy} s, /dev/shm ${shm_copy} s"

df -h "$MNT" | tail -n 1 | sed "s/^/[$TEST_NAME] df: /"
assert_same_tree "$SRC" "$MNT/include"
log "ok: identical right after the copy"

t0=$(now)
kvbos_remount
t1=$(now)
log "unmount + mount: $(secs "$t0" "$t1") s"
t0=$(now)
out=$(diff -r --no-dereference "$SRC" "$MNT/include" 2>&1) || fail "diff -r after remount:"$'\n'"$(head -n 20 <<<"$out")"
t1=$(now)
log "ok: diff -r finds nothing after unmount and mount ($(secs "$t0" "$t1") s)"
assert_same_tree "$SRC" "$MNT/include"
assert_eq "$(find "$MNT/include" | wc -l)" "$entries" "entries after remount"
log "ok: metadata identical, $entries entries"
{
  echo "kvbos_copy_seconds=$kvbos_copy"
  echo "tmp_copy_seconds=$tmp_copy"
  echo "shm_copy_seconds=$shm_copy"
  echo "entries=$entries"
  echo "kib=$kib"
} >"${KVBOS_RESULTS:-/dev/null}" 2>/dev/null || true
kvbos_unmount
