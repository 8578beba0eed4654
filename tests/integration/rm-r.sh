#!/usr/bin/env bash
# rm -r of trees: everything under the directory goes, siblings whose names share its prefix
# stay, a name can be created again with new content, the removals survive a remount, and
# rmdir/unlink of single entries.
source "$(dirname "$0")/lib.sh"

make_pool 256M
kvbos_mount
R=$KT_FAST/ref

make_tree "$R/t" 300
cp -a "$R/t" "$MNT/t"
cp -a "$R/t" "$MNT/keep"
echo 1 >"$MNT/t.txt"; echo 2 >"$MNT/t-"; mkdir "$MNT/tt"; echo 3 >"$MNT/tt/t"; echo 4 >"$MNT/s"
assert_same_tree "$R/t" "$MNT/t"

run_ok rm -r "$MNT/t"
[ ! -e "$MNT/t" ] || fail "t still exists after rm -r"
expect_errno "No such file or directory" ls "$MNT/t"
expect_errno "No such file or directory" cat "$MNT/t/a/b/c/d/e/deep.txt"
assert_eq "$(cat "$MNT/t.txt")$(cat "$MNT/t-")$(cat "$MNT/tt/t")$(cat "$MNT/s")" "1234" "prefix-sharing siblings after rm -r t"
assert_same_tree "$R/t" "$MNT/keep"
assert_eq "$(ls -A "$MNT" | tr '\n' ' ')" "keep s t- t.txt tt " "root listing after rm -r t"
log "ok: rm -r removed $(find "$R/t" | wc -l) entries and nothing else"

# Single entries: unlink, rmdir, rm of a symlink (not its target).
run_ok rm "$MNT/keep/link-to-deep"
[ -f "$MNT/keep/a/b/c/d/e/deep.txt" ] || fail "rm of a symlink removed its target"
run_ok rmdir "$MNT/keep/empty-dir"
run_ok rm "$MNT/keep/name with spaces.txt"
rm "$R/t/link-to-deep" "$R/t/name with spaces.txt"; rmdir "$R/t/empty-dir"
assert_same_tree "$R/t" "$MNT/keep"

# Re-create a removed name: the new content, not the old.
mkdir -p "$MNT/t/a/b"
echo "new life" >"$MNT/t/a/b/new.txt"
assert_eq "$(cat "$MNT/t/a/b/new.txt")" "new life" "re-created file"
assert_eq "$(find "$MNT/t" | wc -l)" 4 "entries under the re-created t"
rm "$MNT/t.txt"; echo "again" >"$MNT/t.txt"

# A file removed while open stays readable through its descriptor (POSIX unlink semantics).
rand_file "$KT_FAST/open" 100000
cp "$KT_FAST/open" "$MNT/open"
exec 7<"$MNT/open"
rm "$MNT/open"
[ ! -e "$MNT/open" ] || fail "unlinked file still has a name"
cmp - "$KT_FAST/open" <&7 || fail "an unlinked but open file is no longer readable"
exec 7<&-
log "ok: unlink of an open file"

# A bigger tree, removed with rm -rf.
mkdir "$MNT/big"
for d in $(seq 1 20); do
  mkdir "$MNT/big/$d"
  for f in $(seq 1 100); do : >"$MNT/big/$d/$f"; done
done
run_ok rm -rf "$MNT/big"
[ ! -e "$MNT/big" ] || fail "big still exists after rm -rf"

kvbos_remount
for gone in t/a/b/c t/d0 big open keep/empty-dir keep/link-to-deep; do
  [ ! -e "$MNT/$gone" ] && [ ! -L "$MNT/$gone" ] || fail "$gone is back after remount"
done
assert_eq "$(cat "$MNT/t/a/b/new.txt") $(cat "$MNT/t.txt")" "new life again" "re-created files after remount"
assert_same_tree "$R/t" "$MNT/keep"
run_ok rm -r "$MNT/keep" "$MNT/t" "$MNT/tt"
assert_eq "$(ls -A "$MNT" | tr '\n' ' ')" "s t- t.txt " "root listing at the end"
log "ok: removals survived the remount"
kvbos_unmount
