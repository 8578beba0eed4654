#!/usr/bin/env bash
# Unmount, mount again: a varied tree (cp -a: files, dirs, symlinks, modes, mtimes, xattrs)
# is identical (diff -r and metadata); several unmount/mount cycles with changes between them;
# an unmount while a file is being read is refused (busy) and the mount keeps working.
source "$(dirname "$0")/lib.sh"

make_pool 256M
kvbos_mount
R=$KT_FAST/ref
make_tree "$R/tree" 300
setfattr -n user.note -v "kept" "$R/tree/a/b/c/d/e/deep.txt"
run_ok cp -a "$R/tree" "$MNT/tree"
assert_same_tree "$R/tree" "$MNT/tree"

for cycle in 1 2 3; do
  kvbos_remount
  assert_same_tree "$R/tree" "$MNT/tree"
  assert_eq "$(getfattr --only-values -n user.note "$MNT/tree/a/b/c/d/e/deep.txt")" kept "xattr after remount $cycle"
  # Change something in both trees before the next cycle.
  echo "cycle $cycle" >>"$R/tree/a/b/c/d/e/deep.txt"; echo "cycle $cycle" >>"$MNT/tree/a/b/c/d/e/deep.txt"
  # Written a moment apart: the reference takes the mount's mtime (the next remount must keep it).
  touch -r "$MNT/tree/a/b/c/d/e/deep.txt" "$R/tree/a/b/c/d/e/deep.txt"
  mkdir "$R/tree/new-$cycle" "$MNT/tree/new-$cycle"
  rand_file "$R/tree/new-$cycle/f" $((cycle * 1000003))
  cp -p "$R/tree/new-$cycle/f" "$MNT/tree/new-$cycle/f"
  rm -r "$R/tree/d$cycle" "$MNT/tree/d$cycle"
  touch -d "2011-11-11 11:11:1$cycle UTC" "$R/tree/d0" "$MNT/tree/d0"
  log "ok: cycle $cycle"
done
kvbos_remount
assert_same_tree "$R/tree" "$MNT/tree"

# Busy: an open file keeps the mount; the unmount fails and nothing is lost.
exec 8<"$MNT/tree/new-1/f"
out=$(fusermount3 -u "$MNT" 2>&1) && fail "fusermount3 -u succeeded while a file was open"
log "ok: unmount refused while busy: $out"
is_mounted || fail "the mount disappeared after a refused unmount"
exec 8<&-
assert_same_tree "$R/tree" "$MNT/tree"
kvbos_unmount
kvbos_mount
assert_same_tree "$R/tree" "$MNT/tree"
kvbos_unmount
