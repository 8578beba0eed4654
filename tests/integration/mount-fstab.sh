#!/usr/bin/env bash
# mount(8) and fstab with mount.kvbos: `mount -T FSTAB -a` mounts the auto entries (options of
# mount(8) and systemd such as _netdev, x-systemd.*, comment= are ignored, not rejected), skips
# noauto, and is not failed by a nofail entry whose pool is missing; running it again mounts
# nothing twice; `mount -T FSTAB DIR` mounts a noauto entry (with noexec honoured); an entry
# with store=file:DIR writes the store; `umount DIR` unmounts and the daemon exits; what was
# written is there after mounting again; `mount -t kvbos POOL DIR -o ro` mounts read-only (a
# write fails with EROFS); a missing pool without nofail fails with exit 32 and one line;
# credentials on the command line are refused without echoing them.
#
# Needs root (mount -T, umount). mount(8) finds helpers only in /sbin: when /sbin/mount.kvbos
# does not exist, the test links it to the mount.kvbos under test and removes exactly that link
# at exit.
source "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
  log "SKIP: needs root (mount -T FSTAB and umount)"
  exit 0
fi
command -v mount >/dev/null || fail "mount(8) is not installed"
HELPER=$KVBOS_BIN/mount.kvbos
[ -x "$HELPER" ] || fail "mount.kvbos not found at $HELPER (build first, or set KVBOS_BIN)"

# /sbin/mount.kvbos -> the helper under test (mount(8) searches /sbin, /sbin/fs.d, /sbin/fs).
LINK=/sbin/mount.kvbos
if [ -e "$LINK" ] || [ -L "$LINK" ]; then
  [ "$(realpath "$LINK")" = "$(realpath "$HELPER")" ] \
    || fail "$LINK exists and is not the mount.kvbos under test ($(realpath "$LINK")); remove it or set KVBOS_BIN to its directory"
  log "using the existing $LINK"
else
  ln -s "$HELPER" "$LINK" || fail "cannot create $LINK"
  kt_at_exit rm -f "$LINK"
  log "installed $LINK -> $HELPER (removed at exit)"
fi

# daemon_of POOL DIR: PID of the kvbosfs serving POOL on DIR (its argv is "kvbosfs POOL DIR ..."),
# or nothing.
daemon_of() {
  local p
  local -a argv
  for p in /proc/[0-9]*; do
    argv=()
    mapfile -d '' -t argv <"$p/cmdline" 2>/dev/null || continue
    if [ ${#argv[@]} -ge 3 ] && [ "${argv[0]##*/}" = kvbosfs ] && [ "${argv[1]}" = "$1" ] \
       && [ "${argv[2]}" = "$2" ]; then
      echo "${p#/proc/}"
      return 0
    fi
  done
}

# expect_mounted DIR POOL: DIR shows a fuse.kvbosfs mount of POOL; the daemon is registered for
# cleanup (lib.sh kills it by PID if the test fails).
expect_mounted() {
  local dir=$1 pool=$2 pid n
  is_mounted "$dir" || fail "$dir is not mounted"
  assert_eq "$(fstype_of "$dir")" fuse.kvbosfs "file system type of $dir"
  n=$(awk -v m="$dir" '$5 == m' /proc/self/mountinfo | wc -l)
  assert_eq "$n" 1 "mounts on $dir"
  pid=$(daemon_of "$pool" "$dir")
  [ -n "$pid" ] || fail "no kvbosfs process serving $pool on $dir"
  echo "$pid" >>"$KT_TMP/daemon.pids"
}

# do_umount DIR POOL: umount DIR (retrying while busy); the daemon must exit within 60 s.
do_umount() {
  local dir=$1 pool=$2 pid err i
  pid=$(daemon_of "$pool" "$dir")
  for ((i = 0; i < 50; i++)); do
    if err=$(timeout 30 umount "$dir" 2>&1); then break; fi
    [[ $err == *busy* ]] || fail "umount $dir failed: $err"
    sleep 0.2
  done
  ! is_mounted "$dir" || fail "umount $dir: still mounted ($err)"
  if [ -n "$pid" ]; then
    wait_pid_exit "$pid" 60 || fail "kvbosfs (pid $pid) still running 60 s after umount $dir"
  fi
  log "ok: umount $dir"
}

# mount_rc COMMAND...: run COMMAND, print its exit status; its output goes to $KT_TMP/mount.out.
mount_rc() {
  local rc=0
  timeout 60 "$@" >"$KT_TMP/mount.out" 2>&1 </dev/null || rc=$?
  echo "$rc"
}

POOL2=$KT_FAST/noauto.pool
POOL3=$KT_FAST/store.pool
STORE=$KT_FAST/objects
MNT2=$KT_TMP/mnt-noauto
MNT3=$KT_TMP/mnt-missing
MNT4=$KT_TMP/mnt-store
mkdir -p "$MNT2" "$MNT3" "$MNT4" "$STORE"
make_pool 64M
make_pool 64M "$POOL2"
make_pool 64M "$POOL3"

FSTAB=$KT_TMP/fstab
cat >"$FSTAB" <<EOF
# kvbos test fstab
$POOL   $MNT   kvbos  defaults,_netdev,x-systemd.automount,x-systemd.device-timeout=10s,comment=kvbos-test,nofail  0 0
$POOL2  $MNT2  kvbos  noauto,user,noexec  0 0
$KT_FAST/missing.pool  $MNT3  kvbos  defaults,nofail  0 0
$POOL3  $MNT4  kvbos  _netdev,store=file:$STORE,snapshot_interval=1  0 0
EOF

# mount -a: the auto entries; noauto and the missing nofail pool are left alone.
rc=$(mount_rc mount -T "$FSTAB" -a)
assert_eq "$rc" 0 "exit status of mount -T fstab -a ($(cat "$KT_TMP/mount.out"))"
expect_mounted "$MNT" "$POOL"
expect_mounted "$MNT4" "$POOL3"
! is_mounted "$MNT2" || fail "mount -a mounted the noauto entry $MNT2"
! is_mounted "$MNT3" || fail "mount -a mounted the nofail entry with a missing pool"
log "ok: mount -T fstab -a mounted $MNT and $MNT4, skipped noauto, nofail ignored the missing pool"

rand_file "$KT_FAST/ref" $((3 * 1024 * 1024 + 17))
run_ok cp "$KT_FAST/ref" "$MNT/data"
assert_same_file "$KT_FAST/ref" "$MNT/data"
run_ok cp "$KT_FAST/ref" "$MNT4/data"
assert_same_file "$KT_FAST/ref" "$MNT4/data"

# Again: everything is mounted already; nothing is mounted twice.
rc=$(mount_rc mount -T "$FSTAB" -a)
assert_eq "$rc" 0 "exit status of a second mount -a ($(cat "$KT_TMP/mount.out"))"
for d in "$MNT" "$MNT4"; do
  assert_eq "$(awk -v m="$d" '$5 == m' /proc/self/mountinfo | wc -l)" 1 "mounts on $d after a second mount -a"
done
log "ok: a second mount -a mounts nothing twice"

# mount DIR: the noauto entry, with its noexec.
rc=$(mount_rc mount -T "$FSTAB" "$MNT2")
assert_eq "$rc" 0 "exit status of mount -T fstab $MNT2 ($(cat "$KT_TMP/mount.out"))"
expect_mounted "$MNT2" "$POOL2"
printf '#!/bin/sh\necho ran\n' >"$MNT2/script.sh"
chmod +x "$MNT2/script.sh"
expect_errno "Permission denied" "$MNT2/script.sh"
log "ok: mount -T fstab DIR mounted the noauto entry, noexec holds"

# umount: the mounts go, the daemons exit, the store got a manifest.
do_umount "$MNT" "$POOL"
do_umount "$MNT2" "$POOL2"
do_umount "$MNT4" "$POOL3"
[ -e "$STORE/manifest/00000000000000000001" ] || fail "no manifest in the file: store after umount: $(ls -R "$STORE" | head)"
log "ok: the store=file: entry wrote $(find "$STORE" -type f | wc -l) objects"

# What was written is there after mounting again (by mount point, and by pool).
rc=$(mount_rc mount -T "$FSTAB" "$MNT")
assert_eq "$rc" 0 "exit status of mount -T fstab $MNT ($(cat "$KT_TMP/mount.out"))"
expect_mounted "$MNT" "$POOL"
assert_same_file "$KT_FAST/ref" "$MNT/data"
do_umount "$MNT" "$POOL"
rc=$(mount_rc mount -T "$FSTAB" "$POOL3")
assert_eq "$rc" 0 "exit status of mount -T fstab $POOL3 ($(cat "$KT_TMP/mount.out"))"
expect_mounted "$MNT4" "$POOL3"
assert_same_file "$KT_FAST/ref" "$MNT4/data"
do_umount "$MNT4" "$POOL3"
log "ok: data read back after umount and mount"

# mount -t kvbos ... -o ro: reads work, writes give EROFS.
rc=$(mount_rc mount -t kvbos "$POOL" "$MNT" -o ro)
assert_eq "$rc" 0 "exit status of mount -t kvbos -o ro ($(cat "$KT_TMP/mount.out"))"
expect_mounted "$MNT" "$POOL"
awk -v m="$MNT" '$5 == m { split($6, o, ","); exit o[1] != "ro" }' /proc/self/mountinfo \
  || fail "mount -o ro: $MNT is not ro in mountinfo"
assert_same_file "$KT_FAST/ref" "$MNT/data"
expect_sh_errno "Read-only file system" 'echo x >"$1/new"' "$MNT"
expect_errno "Read-only file system" rm "$MNT/data"
do_umount "$MNT" "$POOL"
log "ok: mount -t kvbos -o ro: reads back, writes fail with EROFS"

# Plain mount -t kvbos with systemd/fstab words: accepted.
rc=$(mount_rc mount -t kvbos "$POOL" "$MNT" -o rw,_netdev,nofail,relatime)
assert_eq "$rc" 0 "exit status of mount -t kvbos -o rw,_netdev,nofail,relatime ($(cat "$KT_TMP/mount.out"))"
expect_mounted "$MNT" "$POOL"
echo more >"$MNT/more"
assert_eq "$(cat "$MNT/more")" more "file written through mount -t kvbos"
do_umount "$MNT" "$POOL"

# Failures: mount(8)'s exit codes and one line from the helper.
cat >"$KT_TMP/fstab-bad" <<EOF
$KT_FAST/missing.pool  $MNT3  kvbos  defaults  0 0
EOF
rc=$(mount_rc mount -T "$KT_TMP/fstab-bad" -a)
assert_eq "$rc" 32 "exit status of mount -a with a missing pool and no nofail"
grep -q "missing.pool: No such file or directory" "$KT_TMP/mount.out" \
  || fail "mount -a with a missing pool does not name it: $(cat "$KT_TMP/mount.out")"
assert_eq "$(wc -l <"$KT_TMP/mount.out")" 1 "lines printed for a missing pool"
! is_mounted "$MNT3" || fail "$MNT3 got mounted"
log "ok: missing pool without nofail -> exit 32: $(cat "$KT_TMP/mount.out")"

# An fstab line for an S3 store takes its keys from credentials=FILE: kvbosfs reads the file
# (the server on a closed loopback port then fails the mount, naming the store, not the keys);
# a file readable by others is refused, naming the fix.
CREDS=$KT_TMP/creds
printf 'AWS_ACCESS_KEY_ID=AKIDFSTABTEST\nAWS_SECRET_ACCESS_KEY=FSTABSECRET77\n' >"$CREDS"
chmod 600 "$CREDS"
cat >"$KT_TMP/fstab-s3" <<EOF
$POOL  $MNT  kvbos  defaults,_netdev,store=s3://bucket/prefix,endpoint=http://127.0.0.1:9,credentials=$CREDS,store_attempts=1,store_timeout_ms=500  0 0
EOF
rc=$(mount_rc mount -T "$KT_TMP/fstab-s3" "$MNT")
assert_eq "$rc" 32 "exit status of an fstab S3 entry with no server"
grep -q "s3://bucket/prefix" "$KT_TMP/mount.out" || fail "S3 failure does not name the store: $(cat "$KT_TMP/mount.out")"
! grep -q -e FSTABSECRET77 -e AKIDFSTABTEST "$KT_TMP/mount.out" || fail "a key was printed: $(cat "$KT_TMP/mount.out")"
! is_mounted "$MNT" || fail "the S3 entry got mounted without a server"
log "ok: fstab S3 entry read credentials=FILE: $(cat "$KT_TMP/mount.out")"
chmod 644 "$CREDS"
rc=$(mount_rc mount -T "$KT_TMP/fstab-s3" "$MNT")
assert_eq "$rc" 32 "exit status with a credentials file readable by others"
grep -q "chmod 600 $CREDS" "$KT_TMP/mount.out" || fail "refusal of a 0644 credentials file does not name the fix: $(cat "$KT_TMP/mount.out")"
log "ok: credentials file readable by others refused: $(cat "$KT_TMP/mount.out")"

rc=$(mount_rc mount -t kvbos "$POOL" "$MNT" -o secret_access_key=TOPSECRET42)
assert_eq "$rc" 1 "exit status with a credential in the options"
! grep -q TOPSECRET42 "$KT_TMP/mount.out" || fail "the secret was echoed: $(cat "$KT_TMP/mount.out")"
grep -q "credentials=FILE" "$KT_TMP/mount.out" || fail "refusal does not name the fix: $(cat "$KT_TMP/mount.out")"
! is_mounted "$MNT" || fail "mounted with a secret on the command line"
log "ok: credential in the options refused: $(cat "$KT_TMP/mount.out")"

rc=$(mount_rc mount -t kvbos "$POOL" "$MNT" -o no_such_option)
assert_eq "$rc" 32 "exit status with an unknown option"
! is_mounted "$MNT" || fail "mounted with an unknown option"

# -N: mount inside another mount namespace (a process in a private one); ours sees nothing.
if command -v unshare >/dev/null && command -v nsenter >/dev/null; then
  unshare -m --propagation private sleep 600 </dev/null >/dev/null 2>&1 &
  ns_pid=$!
  kt_at_exit kill "$ns_pid"
  for _ in $(seq 50); do
    [ "$(readlink "/proc/$ns_pid/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ] && break
    sleep 0.1
  done
  rc=$(mount_rc "$HELPER" "$POOL" "$MNT" -N "$ns_pid")
  assert_eq "$rc" 0 "exit status of mount.kvbos -N PID ($(cat "$KT_TMP/mount.out"))"
  ! is_mounted "$MNT" || fail "mount.kvbos -N mounted in our namespace"
  awk -v m="$MNT" '$5 == m { found = 1 } END { exit !found }' "/proc/$ns_pid/mountinfo" \
    || fail "mount.kvbos -N $ns_pid: $MNT is not mounted in that namespace"
  assert_eq "$(nsenter -t "$ns_pid" -m cat "$MNT/more")" more "file read in the other namespace"
  ns_daemon=$(daemon_of "$POOL" "$MNT")
  [ -z "$ns_daemon" ] || echo "$ns_daemon" >>"$KT_TMP/daemon.pids"
  run_ok nsenter -t "$ns_pid" -m fusermount3 -u "$MNT"
  [ -z "$ns_daemon" ] || wait_pid_exit "$ns_daemon" 60 || fail "kvbosfs in the other namespace did not exit"
  kill "$ns_pid" 2>/dev/null
  log "ok: mount.kvbos -N PID mounts in that namespace only"
fi

# The helper by hand: usage errors are 1, -f (fake) mounts nothing.
rc=$(mount_rc "$HELPER")
assert_eq "$rc" 1 "exit status of mount.kvbos without arguments"
assert_eq "$(wc -l <"$KT_TMP/mount.out")" 1 "lines printed by mount.kvbos without arguments"
rc=$(mount_rc "$HELPER" "$POOL" "$MNT" -f -v -o ro)
assert_eq "$rc" 0 "exit status of mount.kvbos -f"
! is_mounted "$MNT" || fail "mount.kvbos -f mounted"
grep -q "would run .*kvbosfs $POOL $MNT -o ro" "$KT_TMP/mount.out" \
  || fail "mount.kvbos -f -v does not show the command: $(cat "$KT_TMP/mount.out")"
for opt in --help --version; do
  rc=$(mount_rc "$HELPER" $opt)
  assert_eq "$rc" 0 "exit status of mount.kvbos $opt"
done
log "ok: mount.kvbos usage, -f, --help, --version"
