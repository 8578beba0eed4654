#!/usr/bin/env bash
# cmake --install: kvbosfs (and the kvbos admin command, when built) in bin/, mkfs.kvbos and
# mount.kvbos in sbin/, the man pages (man/*.5, man/*.8 of the source tree or generated into the
# build tree) in share/man/man5 and man8, and nothing else; DESTDIR is honoured. The installed
# programs answer --version, and the installed mount.kvbos finds the installed kvbosfs in
# ../bin (with a PATH that has none) and mounts a pool with it.
source "$(dirname "$0")/lib.sh"

BUILD=$(dirname "$KVBOS_BIN")
[ -f "$BUILD/cmake_install.cmake" ] || fail "$BUILD is not a CMake build tree (set KVBOS_BIN to its bin/)"
command -v cmake >/dev/null || fail "cmake is not installed"

PREFIX=$KT_TMP/prefix
out=$(cmake --install "$BUILD" --prefix "$PREFIX" 2>&1) || fail "cmake --install $BUILD --prefix $PREFIX failed: $out"

# What must be there: programs by where they belong, man pages by section.
expected=(bin/kvbosfs sbin/mkfs.kvbos sbin/mount.kvbos)
[ -x "$KVBOS_BIN/kvbos" ] && expected+=(bin/kvbos)
for page in "$REPO_ROOT"/man/*.[58] "$BUILD"/man/*.[58]; do
  name=$(basename "$page")
  expected+=("share/man/man${name##*.}/$name")
done
for f in "${expected[@]}"; do
  [ -f "$PREFIX/$f" ] || fail "cmake --install did not install $f: $(cd "$PREFIX" && find . -type f | sort)"
  case $f in
    bin/* | sbin/*) [ -x "$PREFIX/$f" ] || fail "$f is installed without execute permission" ;;
    share/man/*) [ "$(stat -c %a "$PREFIX/$f")" = 644 ] || fail "$f is installed with mode $(stat -c %a "$PREFIX/$f"), not 644" ;;
  esac
done
unexpected=$(cd "$PREFIX" && find . -type f | sed 's|^\./||' | sort | grep -vxF -f <(printf '%s\n' "${expected[@]}") || true)
[ -z "$unexpected" ] || fail "cmake --install installed files nobody asked for: $unexpected"
log "ok: installed ${expected[*]}"

for f in bin/kvbosfs sbin/mkfs.kvbos sbin/mount.kvbos; do
  out=$("$PREFIX/$f" --version 2>&1) || fail "installed $f --version failed: $out"
  grep -Eq '[0-9]+\.[0-9]+' <<<"$out" || fail "installed $f --version prints no version: $out"
done

# DESTDIR (as packagers use it): the same layout under DESTDIR/PREFIX.
DEST=$KT_TMP/dest
out=$(DESTDIR=$DEST cmake --install "$BUILD" --prefix /usr 2>&1) || fail "DESTDIR=$DEST cmake --install --prefix /usr failed: $out"
for f in "${expected[@]}"; do
  [ -f "$DEST/usr/$f" ] || fail "with DESTDIR, $f is not at $DEST/usr/$f"
done
log "ok: DESTDIR=$DEST --prefix /usr puts the same files under $DEST/usr"

# The installed helper runs the installed kvbosfs (from ../bin), even with no kvbosfs on PATH.
make_pool 64M
out=$(PATH=/usr/bin:/bin "$PREFIX/sbin/mount.kvbos" "$POOL" "$MNT" -f -v 2>&1) || fail "installed mount.kvbos -f failed: $out"
[[ $out == *"would run $PREFIX/bin/kvbosfs $POOL $MNT"* ]] || fail "installed mount.kvbos would not run the installed kvbosfs: $out"
rc=0
out=$(PATH=/usr/bin:/bin "$PREFIX/sbin/mount.kvbos" "$POOL" "$MNT" 2>&1) || rc=$?
assert_eq "$rc" 0 "exit status of the installed mount.kvbos ($out)"
is_mounted "$MNT" || fail "the installed mount.kvbos exited 0 but $MNT is not mounted"
assert_eq "$(fstype_of)" fuse.kvbosfs "type of the mount made by the installed mount.kvbos"
for p in /proc/[0-9]*; do
  mapfile -d '' -t argv <"$p/cmdline" 2>/dev/null || continue
  if [ "${argv[0]:-}" = "$PREFIX/bin/kvbosfs" ] && [ "${argv[1]:-}" = "$POOL" ]; then
    KT_DAEMON_PID=${p#/proc/}
  fi
done
[ -n "$KT_DAEMON_PID" ] || fail "no $PREFIX/bin/kvbosfs process serves $POOL"
echo "$KT_DAEMON_PID" >>"$KT_TMP/daemon.pids"
echo "installed" >"$MNT/f"
assert_eq "$(cat "$MNT/f")" installed "file written through the installed programs"
kvbos_unmount
log "ok: the installed mount.kvbos mounted $POOL with the installed kvbosfs"
