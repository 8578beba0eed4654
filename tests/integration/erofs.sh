#!/usr/bin/env bash
# A read-only mount (-o ro): every write fails with "Read-only file system", reads work, and
# the pool file is not modified (sha256sum before and after).
source "$(dirname "$0")/lib.sh"

make_pool 64M
kvbos_mount
rand_file "$KT_FAST/data" 300000
mkdir "$MNT/dir"; cp "$KT_FAST/data" "$MNT/dir/data"; ln -s dir/data "$MNT/link"
setfattr -n user.k -v v "$MNT/dir/data"
kvbos_unmount
sum_before=$(sha256sum <"$POOL")

kvbos_mount -o ro
assert_same_file "$KT_FAST/data" "$MNT/dir/data"
assert_same_file "$KT_FAST/data" "$MNT/link"
assert_eq "$(getfattr --only-values -n user.k "$MNT/dir/data")" v "xattr on a ro mount"
ls -lR "$MNT" >/dev/null || fail "ls -lR fails on a ro mount"
cd "$MNT"
E="Read-only file system"
expect_errno "$E" touch new
expect_errno "$E" touch dir/data
expect_errno "$E" mkdir newdir
expect_errno "$E" rm dir/data
expect_errno "$E" rmdir dir
expect_errno "$E" mv dir dir2
expect_errno "$E" chmod 600 dir/data
expect_errno "$E" ln -s x newlink
expect_errno "$E" truncate -s 0 dir/data
expect_errno "$E" setfattr -n user.k -v w dir/data
expect_sh_errno "$E" 'echo x >> "$1"' dir/data
expect_sh_errno "$E" 'echo x > "$1"' new
expect_errno "$E" cp "$KT_FAST/data" dir/copy
cd /
assert_same_file "$KT_FAST/data" "$MNT/dir/data"
kvbos_unmount
assert_eq "$(sha256sum <"$POOL")" "$sum_before" "sha256 of the pool after a read-only mount"
log "ok: the pool is byte-identical after the read-only mount"

kvbos_mount
echo now-writable >"$MNT/new" || fail "cannot write after remounting read-write"
kvbos_unmount
