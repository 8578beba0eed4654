#!/usr/bin/env bash
# mkdir -p of deep trees (60 levels; a path of about 2 KiB), files at every level, find/ls
# agree with the reference, and the tree survives a remount.
source "$(dirname "$0")/lib.sh"

make_pool 128M
kvbos_mount

# 60 levels of 30-byte names: a 1.9 KiB path (keys are whole paths).
rel=""
for i in $(seq -w 1 60); do rel+="level-$i-abcdefghijklmnopqrstu/"; done
rel=${rel%/}
run_ok mkdir -p "$MNT/deep/$rel"
mkdir -p "$KT_FAST/ref/deep/$rel"
[ -d "$MNT/deep/$rel" ] || fail "mkdir -p of a ${#rel}-byte path: the leaf is not a directory"
log "ok: mkdir -p of a ${#rel}-byte path"

# A file at every level, and a second branch beside the first at level 30.
d=deep
for part in ${rel//\// }; do
  d+=/$part
  echo "$d" >"$MNT/$d/here.txt"
  echo "$d" >"$KT_FAST/ref/$d/here.txt"
done
branch=$(cut -d/ -f1-31 <<<"deep/$rel")/branch/x/y/z
run_ok mkdir -p "$MNT/$branch"
mkdir -p "$KT_FAST/ref/$branch"
echo leaf >"$MNT/$branch/leaf"
echo leaf >"$KT_FAST/ref/$branch/leaf"

# mkdir -p again is a no-op; mkdir -p over a file fails.
run_ok mkdir -p "$MNT/deep/$rel"
expect_errno "File exists" mkdir -p "$MNT/deep/$rel/here.txt"
expect_errno "Not a directory" mkdir -p "$MNT/deep/$rel/here.txt/sub"

# cd into the leaf and work with relative paths.
(cd "$MNT/deep/$rel" && echo rel >relative.txt && [ "$(cat ../here.txt)" != "" ]) \
  || fail "working inside the deepest directory failed"
echo rel >"$KT_FAST/ref/deep/$rel/relative.txt"

# The two trees were written at different moments: give every file in both the same mtime
# (to the nanosecond), so the comparison below also checks that mtimes are kept.
for root in "$MNT" "$KT_FAST/ref"; do
  find "$root/deep" -type f -exec touch -d '2020-02-02 02:02:02.123456789 UTC' {} + \
    || fail "touch -d in $root/deep"
done

assert_eq "$(find "$MNT/deep" -type d | wc -l)" "$(find "$KT_FAST/ref/deep" -type d | wc -l)" "directory count"
assert_eq "$(find "$MNT/deep" -type f | wc -l)" "$(find "$KT_FAST/ref/deep" -type f | wc -l)" "file count"
assert_same_tree "$KT_FAST/ref/deep" "$MNT/deep"
log "ok: find and diff -r agree"

kvbos_remount
assert_same_tree "$KT_FAST/ref/deep" "$MNT/deep"
log "ok: identical after remount"

run_ok rm -r "$MNT/deep"
[ ! -e "$MNT/deep" ] || fail "deep tree still there after rm -r"
assert_eq "$(ls -A "$MNT")" "" "root after rm -r deep"
kvbos_unmount
