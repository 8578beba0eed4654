#!/usr/bin/env bash
# truncate down and up (across the 4 MiB value-block boundary, to 0, then growing into holes
# that must read zeros), O_TRUNC on open, ftruncate via dd; each step replayed on a reference
# file on tmpfs and compared with cmp; again after a remount.
source "$(dirname "$0")/lib.sh"

make_pool 128M
kvbos_mount
REF=$KT_FAST/ref
F=$MNT/t

rand_file "$REF" $((6 * 1024 * 1024 + 12345))
cp "$REF" "$F"
assert_same_file "$REF" "$F"

step() {  # step SIZE: truncate both to SIZE and compare
  truncate -s "$1" "$REF"
  run_ok truncate -s "$1" "$F"
  assert_eq "$(stat -c %s "$F")" "$(stat -c %s "$REF")" "size after truncate -s $1"
  assert_same_file "$REF" "$F"
  log "ok: truncate -s $1 -> $(stat -c %s "$F") bytes"
}
step $((5 * 1024 * 1024))       # down, still past the first block
step $((4 * 1024 * 1024 + 1))   # one byte into the second block
step $((4 * 1024 * 1024))       # exactly one block
step 4097
step 4095
step $((8 * 1024 * 1024))       # up: 8 MiB minus 4095 bytes of zeros
step 1
step 0
step 100000                     # up from empty: all zeros
cmp "$F" <(head -c 100000 /dev/zero) || fail "a file grown from 0 does not read as zeros"
step +5000                      # relative sizes
step -2000
step '%4096'                    # round up to a multiple of 4096

# Data written after a shrink, then growth over it.
rand_file "$KT_FAST/p" 10000
dd if="$KT_FAST/p" of="$REF" bs=10000 seek=3 oflag=seek_bytes conv=notrunc status=none
dd if="$KT_FAST/p" of="$F" bs=10000 seek=3 oflag=seek_bytes conv=notrunc status=none
assert_same_file "$REF" "$F"
step 5
step 50000

# ftruncate through dd (count=0 with seek), and O_TRUNC through the shell.
dd of="$REF" bs=1 seek=777 count=0 status=none
dd of="$F" bs=1 seek=777 count=0 status=none
assert_same_file "$REF" "$F"
: >"$F"; : >"$REF"
assert_eq "$(stat -c %s "$F")" 0 "size after O_TRUNC"
rand_file "$KT_FAST/q" 3000
cp "$KT_FAST/q" "$REF"; cp "$KT_FAST/q" "$F"
step 6000000

# A file truncated while another name of the tree holds the same content is unaffected.
cp "$KT_FAST/q" "$MNT/other"
truncate -s 10 "$MNT/other"
assert_same_file "$REF" "$F"

# Truncate on a directory fails; on a missing file with -c nothing is created.
expect_errno "Is a directory" truncate -s 0 "$MNT"
run_ok truncate -c -s 100 "$MNT/absent"
[ ! -e "$MNT/absent" ] || fail "truncate -c created a file"

kvbos_remount
assert_same_file "$REF" "$F"
assert_eq "$(stat -c %s "$MNT/other")" 10 "size of other after remount"
cmp -n 10 "$KT_FAST/q" "$MNT/other" || fail "other's first 10 bytes after remount"
log "ok: identical after remount"
kvbos_unmount
