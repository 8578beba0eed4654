#!/usr/bin/env bash
# mv of files and directories: rename in place, across directories, replacing a file, replacing
# an empty directory, moving a directory with a subtree (every file follows, nothing is left),
# names that share a prefix are not dragged along, RENAME_NOREPLACE and RENAME_EXCHANGE, all
# still true after a remount.
source "$(dirname "$0")/lib.sh"

RENAME=$(build_helper renameat2)
make_pool 256M
kvbos_mount
R=$KT_FAST/ref

# Files.
mkdir -p "$MNT/x" "$MNT/y"
rand_file "$KT_FAST/f1" 10000
cp "$KT_FAST/f1" "$MNT/x/f1"
run_ok mv "$MNT/x/f1" "$MNT/x/f1-renamed"
[ ! -e "$MNT/x/f1" ] || fail "mv: the old name still exists"
assert_same_file "$KT_FAST/f1" "$MNT/x/f1-renamed"
run_ok mv "$MNT/x/f1-renamed" "$MNT/y/f1"
assert_same_file "$KT_FAST/f1" "$MNT/y/f1"
assert_eq "$(ls -A "$MNT/x")" "" "x after moving its only file out"
log "ok: mv file (same dir, other dir)"

# Replacing an existing file: the target gets the source's bytes, the source name is gone.
rand_file "$KT_FAST/f2" 5000
cp "$KT_FAST/f2" "$MNT/y/f2"
run_ok mv -f "$MNT/y/f2" "$MNT/y/f1"
assert_same_file "$KT_FAST/f2" "$MNT/y/f1"
[ ! -e "$MNT/y/f2" ] || fail "mv over a file: source still exists"
log "ok: mv over an existing file"

# Attributes travel with the file.
chmod 0604 "$MNT/y/f1"
touch -d '2010-10-10 10:10:10 UTC' "$MNT/y/f1"
mv "$MNT/y/f1" "$MNT/f1"
assert_eq "$(stat -c '%a %Y' "$MNT/f1")" "604 1286705410" "mode and mtime after mv"

# Directories with a subtree, beside names that share its prefix.
make_tree "$R/tree" 150
cp -a "$R/tree" "$MNT/tree"
echo a >"$MNT/tree.txt"; echo b >"$MNT/tree-b"; mkdir "$MNT/treeX"; echo c >"$MNT/treeX/c"
run_ok mv "$MNT/tree" "$MNT/moved"
[ ! -e "$MNT/tree" ] || fail "mv dir: old name still exists"
assert_same_tree "$R/tree" "$MNT/moved"
assert_eq "$(cat "$MNT/tree.txt")$(cat "$MNT/tree-b")$(cat "$MNT/treeX/c")" "abc" "prefix-sharing neighbours after mv"
log "ok: mv of a directory with $(find "$R/tree" | wc -l) entries"

# Into another directory, and a deep subdirectory up to the top.
mkdir -p "$MNT/p/q"
run_ok mv "$MNT/moved" "$MNT/p/q/"
assert_same_tree "$R/tree" "$MNT/p/q/moved"
run_ok mv "$MNT/p/q/moved/a/b" "$MNT/b-up"
[ "$(cat "$MNT/b-up/c/d/e/deep.txt")" = "hello kvbos" ] || fail "mv of a nested dir lost its content"
mv "$R/tree/a/b" "$R/b-up"
assert_same_tree "$R/b-up" "$MNT/b-up"
mv "$MNT/b-up" "$MNT/p/q/moved/a/b"
mv "$R/b-up" "$R/tree/a/b"
assert_same_tree "$R/tree" "$MNT/p/q/moved"
log "ok: mv into and out of nested directories"

# Replacing an empty directory works; a non-empty one does not; a dir into itself does not.
mkdir "$MNT/empty" "$MNT/full"; echo x >"$MNT/full/x"; mkdir "$MNT/src-dir"; echo s >"$MNT/src-dir/s"
run_ok mv -T "$MNT/src-dir" "$MNT/empty"
assert_eq "$(cat "$MNT/empty/s")" "s" "content after replacing an empty directory"
expect_errno "Directory not empty" mv -T "$MNT/empty" "$MNT/full"
expect_errno "Invalid argument" "$RENAME" "$MNT/p" "$MNT/p/q/inside"      # into itself
expect_errno "No such file or directory" mv "$MNT/nope" "$MNT/nope2"
expect_errno "Not a directory" "$RENAME" "$MNT/empty" "$MNT/f1"          # dir over a file
expect_errno "Is a directory" "$RENAME" "$MNT/f1" "$MNT/empty"           # file over a dir

# renameat2 flags.
echo one >"$MNT/one"; echo two >"$MNT/two"
expect_errno "File exists" "$RENAME" --noreplace "$MNT/one" "$MNT/two"
assert_eq "$(cat "$MNT/one") $(cat "$MNT/two")" "one two" "after a refused RENAME_NOREPLACE"
run_ok "$RENAME" --noreplace "$MNT/one" "$MNT/three"
assert_eq "$(cat "$MNT/three")" "one" "after RENAME_NOREPLACE to a free name"
run_ok "$RENAME" --exchange "$MNT/three" "$MNT/two"
assert_eq "$(cat "$MNT/three") $(cat "$MNT/two")" "two one" "after RENAME_EXCHANGE of two files"
mkdir "$MNT/xa"; echo in-xa >"$MNT/xa/f"
run_ok "$RENAME" --exchange "$MNT/xa" "$MNT/three"
assert_eq "$(cat "$MNT/three/f") $(cat "$MNT/xa")" "in-xa two" "after RENAME_EXCHANGE of a dir and a file"
expect_errno "No such file or directory" "$RENAME" --exchange "$MNT/xa" "$MNT/absent"
log "ok: RENAME_NOREPLACE and RENAME_EXCHANGE"

# Many renames in a row of one file (each writes a new record, the content stays).
rand_file "$KT_FAST/hop" 70000
cp "$KT_FAST/hop" "$MNT/hop0"
for i in $(seq 1 100); do mv "$MNT/hop$((i - 1))" "$MNT/hop$i"; done
assert_same_file "$KT_FAST/hop" "$MNT/hop100"
assert_eq "$(ls "$MNT" | grep -c '^hop')" 1 "hop files after 100 renames"

kvbos_remount
assert_same_tree "$R/tree" "$MNT/p/q/moved"
assert_same_file "$KT_FAST/hop" "$MNT/hop100"
assert_same_file "$KT_FAST/f2" "$MNT/f1"
assert_eq "$(cat "$MNT/three/f") $(cat "$MNT/xa") $(cat "$MNT/two")" "in-xa two one" "exchanged names after remount"
for gone in tree moved y/f2 hop0 hop99 one src-dir; do
  [ ! -e "$MNT/$gone" ] || fail "$gone is back after remount"
done
log "ok: every rename survived the remount"
kvbos_unmount
