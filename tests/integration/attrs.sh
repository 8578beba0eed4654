#!/usr/bin/env bash
# Attributes: chmod (files, dirs, setuid/sticky bits), chown, touch -d / -m / -a (checked with
# stat), ownership of new files, ln -s + readlink (relative, absolute, dangling, to a dir),
# sizes and types reported by stat, ctime moves on chmod; all of it after a remount too.
source "$(dirname "$0")/lib.sh"

make_pool 64M
kvbos_mount

echo content >"$MNT/f"
mkdir "$MNT/d"
assert_eq "$(stat -c '%u %g' "$MNT/f")" "$(id -u) $(id -g)" "owner of a new file"
assert_eq "$(stat -c '%u %g' "$MNT/d")" "$(id -u) $(id -g)" "owner of a new directory"
assert_eq "$(stat -c '%s %F' "$MNT/f")" "8 regular file" "size and type"
assert_eq "$(stat -c '%F' "$MNT/d")" "directory" "type of a directory"
umask_mode=$(printf '%o' $((0666 & ~0$(umask))))
assert_eq "$(stat -c %a "$MNT/f")" "$umask_mode" "mode of a new file under umask $(umask)"

# chmod
for m in 600 644 755 700 444 000 640; do
  chmod "$m" "$MNT/f"
  assert_eq "$(stat -c %a "$MNT/f")" "$(printf '%o' $((8#$m)))" "mode after chmod $m"
done
chmod 4755 "$MNT/f"; assert_eq "$(stat -c %a "$MNT/f")" 4755 "setuid bit"
chmod 0640 "$MNT/f"
chmod 1777 "$MNT/d"; assert_eq "$(stat -c %a "$MNT/d")" 1777 "sticky dir"
chmod 0750 "$MNT/d"; assert_eq "$(stat -c %A "$MNT/d")" "drwxr-x---" "dir mode after chmod 750"
chmod u+x,g-r "$MNT/f"; assert_eq "$(stat -c %A "$MNT/f")" "-rwx------" "symbolic chmod"
chmod 0640 "$MNT/f"
assert_eq "$(cat "$MNT/f")" content "content after chmod (attributes only)"
log "ok: chmod"

# ctime moves on chmod, mtime does not.
touch -d '2015-01-01 00:00:00 UTC' "$MNT/f"
c0=$(stat -c %Z "$MNT/f"); sleep 1.1; chmod 0600 "$MNT/f"
assert_eq "$(stat -c %Y "$MNT/f")" 1420070400 "mtime after chmod"
[ "$(stat -c %Z "$MNT/f")" -gt "$c0" ] || fail "ctime did not move on chmod ($c0 -> $(stat -c %Z "$MNT/f"))"

# chown (root only)
if [ "$(id -u)" -eq 0 ]; then
  chown 1234:5678 "$MNT/f"
  assert_eq "$(stat -c '%u %g' "$MNT/f")" "1234 5678" "owner after chown"
  chown -h 42:43 "$MNT/d"
  assert_eq "$(stat -c '%u %g' "$MNT/d")" "42 43" "owner of a dir after chown"
  log "ok: chown"
fi

# Times
touch -d '2001-02-03 04:05:06 UTC' "$MNT/f"
assert_eq "$(stat -c '%X %Y' "$MNT/f")" "981173106 981173106" "atime and mtime after touch -d"
touch -m -d '2020-06-07 08:09:10.123456789 UTC' "$MNT/f"
assert_eq "$(stat -c '%X %Y' "$MNT/f")" "981173106 1591517350" "touch -m changes only mtime"
assert_eq "$(stat -c '%y' "$MNT/f")" "2020-06-07 08:09:10.123456789 +0000" "mtime with nanoseconds"
touch -a -d '1990-01-01 00:00:00 UTC' "$MNT/f"
assert_eq "$(stat -c '%X %Y' "$MNT/f")" "631152000 1591517350" "touch -a changes only atime"
touch -d '1960-05-05 05:05:05 UTC' "$MNT/d"
assert_eq "$(stat -c %Y "$MNT/d")" -304800895 "mtime before 1970 on a directory"
before=$(date +%s); touch "$MNT/f"; after=$(date +%s)
t=$(stat -c %Y "$MNT/f")
[ "$t" -ge "$before" ] && [ "$t" -le "$after" ] || fail "touch (now): mtime $t not in [$before, $after]"
touch -d '2001-02-03 04:05:06 UTC' "$MNT/f"
: >"$MNT/new"; touch -d @1000000000 "$MNT/new"
assert_eq "$(stat -c %Y "$MNT/new")" 1000000000 "touch -d @N"
# Writing moves mtime.
touch -d @1000000000 "$MNT/new"; echo more >>"$MNT/new"
[ "$(stat -c %Y "$MNT/new")" -ge "$before" ] || fail "write did not update mtime"
touch -d @1000000000 "$MNT/new"
log "ok: touch -d / -m / -a"

# Symlinks
ln -s f "$MNT/rel"
ln -s "$MNT/f" "$MNT/abs"
ln -s does/not/exist "$MNT/dangling"
ln -s d "$MNT/dirlink"
long_target=$(printf 'x/%.0s' $(seq 1 1000))end
ln -s "$long_target" "$MNT/longlink"
assert_eq "$(readlink "$MNT/rel")" f "readlink rel"
assert_eq "$(readlink "$MNT/abs")" "$MNT/f" "readlink abs"
assert_eq "$(readlink "$MNT/dangling")" does/not/exist "readlink dangling"
assert_eq "$(readlink "$MNT/longlink")" "$long_target" "readlink of a 2 KiB target"
assert_eq "$(stat -c %F "$MNT/rel")" "symbolic link" "type of a symlink"
assert_eq "$(stat -c %s "$MNT/rel")" 1 "size of a symlink (length of its target)"
assert_eq "$(cat "$MNT/rel")" content "cat through a symlink"
assert_eq "$(cat "$MNT/abs")" content "cat through an absolute symlink"
echo inside >"$MNT/dirlink/file-via-link"
assert_eq "$(cat "$MNT/d/file-via-link")" inside "write through a symlink to a dir"
expect_errno "No such file or directory" cat "$MNT/dangling"
expect_errno "File exists" ln -s x "$MNT/rel"
run_ok ln -sfn g "$MNT/rel"
assert_eq "$(readlink "$MNT/rel")" g "readlink after ln -sfn"
ln -sfn f "$MNT/rel"
assert_eq "$(stat -L -c %s "$MNT/rel")" 8 "stat -L follows the link"
log "ok: ln -s and readlink"

snapshot() {
  stat -c '%n %a %u %g %s %F %X %Y' "$MNT/f" "$MNT/d" "$MNT/new" "$MNT/rel" "$MNT/dangling" "$MNT/d/file-via-link"
  readlink "$MNT/rel" "$MNT/abs" "$MNT/dangling" "$MNT/dirlink" "$MNT/longlink"
}
snapshot >"$KT_FAST/before"
kvbos_remount
snapshot >"$KT_FAST/after"
diff "$KT_FAST/before" "$KT_FAST/after" || fail "attributes changed across the remount"
assert_eq "$(cat "$MNT/rel")" content "content through the symlink after remount"
log "ok: attributes and links identical after remount"
kvbos_unmount
