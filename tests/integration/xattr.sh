#!/usr/bin/env bash
# user.* extended attributes with setfattr/getfattr: set, get, list, replace, remove, on files
# and directories, binary and 4 KiB values, missing ones, cp -a carries them; after a remount.
source "$(dirname "$0")/lib.sh"

command -v setfattr >/dev/null || fail "setfattr not installed (package attr; run scripts/install-deps.sh)"
make_pool 64M
kvbos_mount

echo data >"$MNT/f"; mkdir "$MNT/d"
run_ok setfattr -n user.color -v blue "$MNT/f"
assert_eq "$(getfattr --only-values -n user.color "$MNT/f")" blue "user.color"
run_ok setfattr -n user.color -v red "$MNT/f"
assert_eq "$(getfattr --only-values -n user.color "$MNT/f")" red "user.color after replace"
run_ok setfattr -n user.empty "$MNT/f"
assert_eq "$(getfattr --only-values -n user.empty "$MNT/f")" "" "empty value"
run_ok setfattr -n user.bin -v 0x00ff10fe0001 "$MNT/f"
assert_eq "$(getfattr --only-values -n user.bin "$MNT/f" | od -An -tx1 | tr -d ' \n')" "00ff10fe0001" "binary value"
big=v$(head -c 3000 /dev/urandom | base64 -w0)
run_ok setfattr -n user.big -v "$big" "$MNT/f"
assert_eq "$(getfattr --only-values -n user.big "$MNT/f")" "$big" "4 KiB value"
run_ok setfattr -n user.dir -v on-a-dir "$MNT/d"
assert_eq "$(getfattr --only-values -n user.dir "$MNT/d")" on-a-dir "xattr on a directory"

assert_eq "$(getfattr --absolute-names -m '^user\.' "$MNT/f" | grep '^user\.' | sort | tr '\n' ' ')" \
  "user.big user.bin user.color user.empty " "listxattr"
expect_errno "No such attribute" getfattr -n user.missing "$MNT/f"
run_ok setfattr -x user.color "$MNT/f"
expect_errno "No such attribute" getfattr -n user.color "$MNT/f"
expect_errno "No such attribute" setfattr -x user.color "$MNT/f"
expect_errno "No such file or directory" setfattr -n user.x -v 1 "$MNT/absent"
assert_eq "$(cat "$MNT/f")" data "content after xattr changes"
log "ok: set/get/list/remove"

# Extended attributes survive rename, chmod and a content rewrite.
mv "$MNT/f" "$MNT/g"; chmod 600 "$MNT/g"; echo other >"$MNT/g"
assert_eq "$(getfattr --only-values -n user.bin "$MNT/g" | od -An -tx1 | tr -d ' \n')" "00ff10fe0001" "xattr after mv/chmod/write"

# cp -a copies them.
echo src >"$KT_FAST/src"; setfattr -n user.origin -v tmpfs "$KT_FAST/src"
cp -a "$KT_FAST/src" "$MNT/copied"
assert_eq "$(getfattr --only-values -n user.origin "$MNT/copied")" tmpfs "xattr carried by cp -a"

getfattr -d -e hex --absolute-names "$MNT/g" "$MNT/d" "$MNT/copied" >"$KT_FAST/before"
kvbos_remount
getfattr -d -e hex --absolute-names "$MNT/g" "$MNT/d" "$MNT/copied" >"$KT_FAST/after"
diff "$KT_FAST/before" "$KT_FAST/after" || fail "xattrs changed across the remount"
assert_eq "$(getfattr --only-values -n user.big "$MNT/g")" "$big" "4 KiB value after remount"
log "ok: identical after remount"
kvbos_unmount
