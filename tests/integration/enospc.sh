#!/usr/bin/env bash
# ENOSPC: on a 32 MiB pool, fsync'ed 1 MiB files are written until a write fails with
# "No space left on device"; the daemon keeps answering; every file written before the failure
# reads back identical, and still does after an unmount and a mount; df reports the pool full.
source "$(dirname "$0")/lib.sh"

make_pool 32M
kvbos_mount
mkdir -p "$KT_FAST/src"
df_line=$(df -B1 --output=size,avail "$MNT" | tail -n 1)
log "df before: size, avail = $df_line"

n=0 err=""
while [ $n -lt 200 ]; do
  rand_file "$KT_FAST/src/f$n" $((1024 * 1024))
  if ! err=$(dd if="$KT_FAST/src/f$n" of="$MNT/f$n" bs=64k conv=fsync status=none 2>&1); then
    break
  fi
  n=$((n + 1))
done
[ $n -lt 200 ] || fail "wrote 200 MiB into a 32 MiB pool without an error"
[[ $err == *"No space left on device"* ]] || fail "the failing write said '$err', expected 'No space left on device'"
[ $n -ge 8 ] || fail "only $n MiB fit in a 32 MiB pool before ENOSPC"
log "ok: $n files of 1 MiB written, then: $err"

# Further writes fail the same way, small ones too (or succeed if they fit: then they must read back).
expect_errno "No space left on device" dd if=/dev/zero of="$MNT/more" bs=1M count=8 conv=fsync status=none
# The daemon still answers, and every earlier file is intact.
ls "$MNT" >/dev/null || fail "ls fails after ENOSPC"
for ((i = 0; i < n; i++)); do assert_same_file "$KT_FAST/src/f$i" "$MNT/f$i"; done
log "ok: the $n files written before the failure read back identical"
df -B1 --output=size,used,avail "$MNT" | tail -n 1 | {
  read -r size used avail
  log "df when full: size $size, used $used, avail $avail"
  [ "$avail" -lt $((size / 4)) ] || fail "df reports $avail of $size bytes available on a full pool"
}
# Reads, stats and listing work; removing a file is allowed (or fails cleanly with ENOSPC).
rm -f "$MNT/more" "$MNT/f$n" 2>/dev/null || true

kvbos_remount
for ((i = 0; i < n; i++)); do assert_same_file "$KT_FAST/src/f$i" "$MNT/f$i"; done
log "ok: all $n files identical after unmount and mount"
kvbos_unmount
