#!/usr/bin/env bash
# Random writes: overwrite in place (inside one value block and across the 4 MiB boundary),
# append, sparse writes past the end (holes read zeros), each replayed on a reference file on
# tmpfs and compared with cmp, and again after a remount.
source "$(dirname "$0")/lib.sh"

REF=$KT_FAST/ref
F=$MNT/file
make_pool 256M
kvbos_mount

rand_file "$REF" $((9 * 1024 * 1024 + 333))
cp "$REF" "$F"
assert_same_file "$REF" "$F"

# patch OFFSET LENGTH: write LENGTH random bytes at OFFSET into both files (no truncation).
patch_both() {
  local off=$1 len=$2
  head -c "$len" /dev/urandom >"$KT_FAST/patch"
  dd if="$KT_FAST/patch" of="$REF" bs=1M seek="$off" oflag=seek_bytes conv=notrunc status=none
  dd if="$KT_FAST/patch" of="$F" bs=1M seek="$off" oflag=seek_bytes conv=notrunc,fsync status=none \
    || fail "dd write of $len bytes at offset $off failed"
  assert_same_file "$REF" "$F"
  log "ok: wrote $len bytes at offset $off"
}

patch_both 0 1
patch_both 4096 4096
patch_both 12345 100000
patch_both $((4 * 1024 * 1024 - 10)) 20            # across the first value-block boundary
patch_both $((4 * 1024 * 1024 - 5000)) 3000000      # long run across the boundary
patch_both $((9 * 1024 * 1024)) 1000000             # overlaps the end: extends the file
for i in $(seq 1 40); do                            # many small random overwrites
  patch_both $(((i * 2654435761) % (9 * 1024 * 1024))) $(((i * 97) % 5000 + 1)) >/dev/null
done
log "ok: 40 small random overwrites"

# Append.
head -c 77777 /dev/urandom >"$KT_FAST/tail"
cat "$KT_FAST/tail" >>"$REF"
cat "$KT_FAST/tail" >>"$F"
assert_same_file "$REF" "$F"
log "ok: append with >>"

# Sparse: a write 5 MiB past the end leaves a hole that reads as zeros.
end=$(stat -c %s "$REF")
patch_both $((end + 5 * 1024 * 1024)) 4096
cmp -n $((5 * 1024 * 1024)) -i "$end:0" "$F" /dev/zero || fail "the hole after offset $end does not read as zeros"
log "ok: hole reads zeros"

# A file that is only a hole.
truncate -s 0 "$KT_FAST/hole"
dd if=/dev/urandom of="$KT_FAST/hole" bs=1 count=1 seek=$((20 * 1024 * 1024)) status=none
cp "$KT_FAST/hole" "$MNT/hole-cp"
dd if="$KT_FAST/hole" of="$MNT/hole-dd" bs=1M status=none conv=sparse
assert_same_file "$KT_FAST/hole" "$MNT/hole-cp"
assert_same_file "$KT_FAST/hole" "$MNT/hole-dd"

# Rewriting a whole file in place many times (garbage grows, content stays right).
for i in $(seq 1 10); do
  rand_file "$KT_FAST/again" 300000
  cat "$KT_FAST/again" >"$MNT/again"
done
assert_same_file "$KT_FAST/again" "$MNT/again"

kvbos_remount
assert_same_file "$REF" "$F"
assert_same_file "$KT_FAST/hole" "$MNT/hole-cp"
assert_same_file "$KT_FAST/hole" "$MNT/hole-dd"
assert_same_file "$KT_FAST/again" "$MNT/again"
log "ok: identical after remount"
kvbos_unmount
