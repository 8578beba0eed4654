#!/usr/bin/env bash
# The object-store tier with the file: backend (a local directory with the bucket's object
# names): a tree written through pool A is in the store after the unmount; an empty pool B
# mounted on the same store shows the whole tree (diff -r), reading values back lazily; B
# carries on as the writer and A's pool is refused; a 64 MiB pool holds 200 MiB of files; an
# object overwritten with garbage makes reads of the files in it fail with EIO while others
# read fine, and the daemon's log names the object; a wrong store option is one line.
source "$(dirname "$0")/lib.sh"

STORE=$KT_FAST/objects
mkdir "$STORE"
R=$KT_FAST/ref

# A writes a tree; the unmount leaves it in the store.
make_pool 256M
kvbos_mount -o "store=file:$STORE,snapshot_interval=1"
make_tree "$R/tree" 300
run_ok cp -a "$R/tree" "$MNT/tree"
assert_same_tree "$R/tree" "$MNT/tree"
kvbos_unmount
[ -e "$STORE/manifest/00000000000000000001" ] || fail "no manifest in the store after the unmount: $(ls -R "$STORE" | head)"
ls "$STORE/values" | grep -q '^0x' || fail "no value blocks in the store"
ls "$STORE/keys" | grep -q '^0x' || fail "no key blocks in the store"
log "ok: unmount left $(find "$STORE" -type f | wc -l) objects in the store"

# An empty pool B on the same store shows the same tree.
POOL_B=$KT_FAST/b.pool
make_pool 256M "$POOL_B"
KT_MOUNT_POOL=$POOL_B kvbos_mount -o "store=file:$STORE"
assert_same_tree "$R/tree" "$MNT/tree"
log "ok: an empty pool restored the tree from the store"

# B is the writer now: its changes reach the store, and A's pool is refused.
echo "written by B" >"$MNT/tree/from-b.txt"
cp -a "$MNT/tree/from-b.txt" "$R/tree/from-b.txt"
kvbos_unmount
rc=0
"$KVBOSFS" "$POOL" "$MNT" -f -o "store=file:$STORE" >"$KT_TMP/a-again.out" 2>&1 </dev/null || rc=$?
[ "$rc" -ne 0 ] || fail "pool A mounted on a store that pool B has written since"
! is_mounted || fail "pool A got mounted"
grep -q "another pool" "$KT_TMP/a-again.out" || fail "refusal of A does not say why: $(cat "$KT_TMP/a-again.out")"
assert_eq "$(wc -l <"$KT_TMP/a-again.out")" 1 "lines printed when refusing pool A"
log "ok: pool A refused: $(cat "$KT_TMP/a-again.out")"
KT_MOUNT_POOL=$POOL_B kvbos_mount -o "store=file:$STORE"
assert_same_tree "$R/tree" "$MNT/tree"
kvbos_unmount

# A pool of 64 MiB holds 200 MiB of files: uploaded blocks leave the pool.
STORE2=$KT_FAST/objects2
mkdir "$STORE2"
POOL_S=$KT_FAST/small.pool
make_pool 64M "$POOL_S"
KT_MOUNT_POOL=$POOL_S kvbos_mount -o "store=file:$STORE2,snapshot_interval=2"
mkdir "$R/big"
for i in $(seq 1 20); do rand_file "$R/big/f$i" $((10 * 1024 * 1024)); done
run_ok cp -a "$R/big" "$MNT/big"
for i in $(seq 1 20); do assert_same_file "$R/big/f$i" "$MNT/big/f$i"; done
log "ok: 200 MiB of files in a 64 MiB pool read back while mounted"
kvbos_unmount
KT_MOUNT_POOL=$POOL_S kvbos_mount -o "store=file:$STORE2"
for i in $(seq 1 20); do assert_same_file "$R/big/f$i" "$MNT/big/f$i"; done
kvbos_unmount
log "ok: and after a remount"

# Garbage in one value object: reads of files in it fail with EIO, others still read.
POOL_C=$KT_FAST/c.pool
make_pool 256M "$POOL_C"
victim=$(ls "$STORE2/values" | head -n 1)
printf 'garbage garbage garbage' | dd of="$STORE2/values/$victim" bs=1 seek=1000 conv=notrunc status=none
KT_MOUNT_POOL=$POOL_C kvbos_mount -o "store=file:$STORE2"
bad=0 good=0
for i in $(seq 1 20); do
  if cmp -s "$R/big/f$i" "$MNT/big/f$i" 2>/dev/null; then good=$((good + 1)); else
    out=$(cat "$MNT/big/f$i" 2>&1 >/dev/null) || true
    [[ $out == *"Input/output error"* ]] || fail "reading damaged f$i: expected EIO, got '$out'"
    bad=$((bad + 1))
  fi
done
[ "$bad" -ge 1 ] || fail "no file failed after $victim was damaged"
[ "$good" -ge 10 ] || fail "only $good files read fine after damaging one object"
grep -q "values/$victim" "$KT_LOG" || fail "the daemon's log does not name values/$victim: $(tail -n 5 "$KT_LOG")"
log "ok: damaged values/$victim: $bad files EIO, $good fine, the log names the object"
kvbos_unmount

# Wrong store options: one clear line, no mount.
for opt in "store=ftp://x" "store=file:$KT_TMP/no-such-dir" "cache_size=lots" "snapshot_interval=-1"; do
  rc=0
  "$KVBOSFS" "$POOL_C" "$MNT" -f -o "$opt" >"$KT_TMP/bad.out" 2>&1 </dev/null || rc=$?
  [ "$rc" -ne 0 ] || fail "-o $opt was accepted"
  assert_eq "$(wc -l <"$KT_TMP/bad.out")" 1 "lines printed for -o $opt"
  ! is_mounted || fail "-o $opt mounted"
  log "ok: -o $opt -> $(cat "$KT_TMP/bad.out")"
done
