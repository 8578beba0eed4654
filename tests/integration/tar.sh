#!/usr/bin/env bash
# tar: a generated tree (nested dirs, files 0..200 KiB, symlinks, modes, mtimes, odd names) is
# archived on tmpfs, extracted into the mount, compared with diff -r and by metadata; then
# archived from the mount and extracted back out; again after a remount.
source "$(dirname "$0")/lib.sh"

make_pool 256M
kvbos_mount
R=$KT_FAST/ref
make_tree "$R/src" 400
tar -C "$R" -cf "$KT_FAST/src.tar" src
export KT_MTIME_DIGITS=0   # the default GNU tar format keeps whole seconds

run_ok tar -C "$MNT" -xf "$KT_FAST/src.tar"
assert_same_tree "$R/src" "$MNT/src"
log "ok: tar -x into the mount: diff -r finds nothing ($(find "$R/src" | wc -l) entries)"

# With --posix (PAX) the nanosecond mtimes and xattrs are archived; extract a second copy.
tar -C "$R" --posix --xattrs -cf "$KT_FAST/src-pax.tar" src
mkdir "$MNT/pax"
run_ok tar -C "$MNT/pax" --xattrs -xf "$KT_FAST/src-pax.tar"
KT_MTIME_DIGITS=6 assert_same_tree "$R/src" "$MNT/pax/src"
log "ok: tar --posix -x: nanosecond mtimes kept"

# Archive from the mount, extract on tmpfs: the same tree comes back.
run_ok tar -C "$MNT" -cf "$KT_FAST/back.tar" src
mkdir "$KT_FAST/back"
tar -C "$KT_FAST/back" -xf "$KT_FAST/back.tar"
assert_same_tree "$R/src" "$KT_FAST/back/src"
assert_eq "$(tar -tvf "$KT_FAST/back.tar" | wc -l)" "$(tar -tvf "$KT_FAST/src.tar" | wc -l)" "entries in the archive made from the mount"
log "ok: tar -c from the mount"

# Extracting over an existing tree (tar unlinks and re-creates every file).
run_ok tar -C "$MNT" -xf "$KT_FAST/src.tar"
assert_same_tree "$R/src" "$MNT/src"

# A compressed archive streamed through a pipe.
tar -C "$R" -czf - src | tar -C "$MNT/pax" -xzf - --transform 's/^src/gz/' || fail "tar -czf - | tar -xzf - failed"
assert_same_tree "$R/src" "$MNT/pax/gz"

kvbos_remount
assert_same_tree "$R/src" "$MNT/src"
assert_same_tree "$R/src" "$MNT/pax/gz"
KT_MTIME_DIGITS=6 assert_same_tree "$R/src" "$MNT/pax/src"
log "ok: identical after remount"
kvbos_unmount
