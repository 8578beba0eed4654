#!/usr/bin/env bash
# kvbosfs run directly (as systemd mount units, mount.fuse3 and scripts do) with every option that
# belongs to mount(8), systemd or fstab (defaults, auto, noauto, nofail, _netdev, user[=NAME],
# users, nouser, owner, group, comment=..., x-systemd.*, x-*) and the kernel's flags without
# meaning for FUSE (relatime, strictatime, lazytime, [no]diratime, [no]iversion, [no]mand):
# mounts, reads and writes; nosymfollow is not silently dropped (kvbosfs refuses it); an fstab
# line of type fuse.kvbosfs works through mount.fuse3 ("kvbosfs#POOL" and -t fuse.kvbosfs),
# which runs kvbosfs from PATH with those options.
source "$(dirname "$0")/lib.sh"

make_pool 64M
FSTAB_WORDS=defaults,auto,noauto,nofail,_netdev,user,user=bob,users,nouser,owner,group
FSTAB_WORDS+=,comment=kvbos-test,x-systemd.automount,x-systemd.device-timeout=10s,x-gvfs-show
KERNEL_WORDS=relatime,norelatime,strictatime,lazytime,nolazytime,diratime,nodiratime
KERNEL_WORDS+=,iversion,noiversion,mand,nomand
kvbos_mount -o "$FSTAB_WORDS,$KERNEL_WORDS,rw"
echo hello >"$MNT/f"
assert_eq "$(cat "$MNT/f")" hello "file written with fstab and kernel words among the options"
kvbos_unmount
log "ok: kvbosfs ignores $FSTAB_WORDS,$KERNEL_WORDS"

rc=0
"$KVBOSFS" "$POOL" "$MNT" -f -o nosymfollow >"$KT_TMP/out" 2>&1 </dev/null || rc=$?
[ "$rc" -ne 0 ] || fail "kvbosfs -o nosymfollow mounted (symlinks would be followed)"
! is_mounted || fail "kvbosfs -o nosymfollow got mounted"
log "ok: nosymfollow refused: $(cat "$KT_TMP/out")"

# mount.fuse3 (what an fstab line of type fuse.kvbosfs runs): kvbosfs from PATH.
if command -v mount.fuse3 >/dev/null; then
  for form in hash subtype; do
    if [ $form = hash ]; then
      args=("kvbosfs#$POOL" "$MNT")  # the old fstab form: kvbosfs#POOL DIR fuse ...
    else
      args=("$POOL" "$MNT" -t fuse.kvbosfs)  # POOL DIR fuse.kvbosfs ...
    fi
    out=$(PATH=$KVBOS_BIN:$PATH timeout 60 mount.fuse3 "${args[@]}" -o "rw,_netdev,nofail,relatime,x-systemd.automount" 2>&1) \
      || fail "mount.fuse3 ${args[*]} failed: $out"
    is_mounted || fail "mount.fuse3 ${args[*]} exited 0 but $MNT is not mounted"
    assert_eq "$(fstype_of)" fuse.kvbosfs "type of the mount made by mount.fuse3 ${args[*]}"
    for p in /proc/[0-9]*; do
      mapfile -d '' -t argv <"$p/cmdline" 2>/dev/null || continue
      if [ "${argv[0]:-}" = kvbosfs ] && [ "${argv[1]:-}" = "$POOL" ]; then
        KT_DAEMON_PID=${p#/proc/}
        echo "$KT_DAEMON_PID" >>"$KT_TMP/daemon.pids"
      fi
    done
    assert_eq "$(cat "$MNT/f")" hello "file read through mount.fuse3 ${args[*]}"
    kvbos_unmount
    log "ok: mount.fuse3 ${args[*]}"
  done
else
  log "mount.fuse3 not installed: fuse.kvbosfs through mount.fuse3 not tested"
fi
