#!/usr/bin/env bash
# Every errno a shell user meets, as the tools print it: ENOENT, EEXIST, ENOTDIR, EISDIR,
# ENOTEMPTY, ENAMETOOLONG (and 255 bytes still allowed), EPERM for hard links (documented),
# EINVAL/ENOTDIR/EISDIR for impossible renames; failed operations change nothing.
source "$(dirname "$0")/lib.sh"

make_pool 64M
kvbos_mount
cd "$MNT"
mkdir dir full; echo x >full/x; echo content >file

# ENOENT
expect_errno "No such file or directory" cat missing
expect_errno "No such file or directory" ls missing
expect_errno "No such file or directory" rm missing
expect_errno "No such file or directory" rmdir missing
expect_errno "No such file or directory" mv missing elsewhere
expect_errno "No such file or directory" stat dir/missing
expect_errno "No such file or directory" touch missing-dir/file
expect_errno "No such file or directory" mkdir missing-dir/sub
expect_errno "No such file or directory" chmod 600 missing
expect_errno "No such file or directory" readlink -v missing
expect_errno "No such file or directory" ls missing-dir/file
# EEXIST
expect_errno "File exists" mkdir dir
expect_errno "File exists" mkdir file
expect_errno "File exists" ln -s x file
# ENOTDIR
expect_errno "Not a directory" ls file/x
expect_errno "Not a directory" cat file/x
expect_errno "Not a directory" mkdir file/x
expect_errno "Not a directory" touch file/x
expect_errno "Not a directory" rmdir file
expect_errno "Not a directory" cd file
# EISDIR
expect_sh_errno "Is a directory" 'echo > "$1"' dir
expect_sh_errno "Is a directory" 'echo >> "$1"' dir
expect_errno "Is a directory" cat dir
expect_errno "Is a directory" rm dir
expect_errno "Is a directory" truncate -s 0 dir
# ENOTEMPTY
expect_errno "Directory not empty" rmdir full
[ -f full/x ] || fail "rmdir of a non-empty dir removed its content"
# ENAMETOOLONG: 256 bytes refused, 255 accepted.
n255=$(printf 'a%.0s' $(seq 1 255)); n256=${n255}b
expect_errno "File name too long" touch "$n256"
expect_errno "File name too long" mkdir "$n256"
expect_errno "File name too long" ln -s x "$n256"
expect_errno "File name too long" mv file "$n256"
expect_errno "File name too long" cat "$n256"
run_ok touch "$n255"
run_ok mkdir "d$(printf 'b%.0s' $(seq 1 254))"
[ -f "$n255" ] || fail "the 255-byte name was not created"
# EPERM: hard links are not supported yet (README: Limitations).
expect_errno "Operation not permitted" ln file hardlink
[ ! -e hardlink ] || fail "a refused hard link left a name"
assert_eq "$(stat -c %h file)" 1 "link count of a file"

# Nothing above changed the tree.
assert_eq "$(ls -A | sort | tr '\n' ' ')" "$(printf '%s\n' dir file full "$n255" "d$(printf 'b%.0s' $(seq 1 254))" | sort | tr '\n' ' ')" "entries after the failed operations"
assert_eq "$(cat file)" content "file after the failed operations"
cd /
kvbos_remount
assert_eq "$(cat "$MNT/file")" content "file after remount"
[ -f "$MNT/$n255" ] || fail "the 255-byte name is gone after remount"
expect_errno "Operation not permitted" ln "$MNT/file" "$MNT/hardlink"
kvbos_unmount
