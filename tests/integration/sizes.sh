#!/usr/bin/env bash
# Files of 0, 1, 4095, 4096, 4 MiB + 1 and 64 MiB bytes: written with cp, dd and cat, compared
# with cmp, then compared again after an unmount and a mount.
source "$(dirname "$0")/lib.sh"

SIZES=(0 1 4095 4096 4097 $((4 * 1024 * 1024)) $((4 * 1024 * 1024 + 1)) $((64 * 1024 * 1024)))
mkdir "$KT_FAST/src"
for s in "${SIZES[@]}"; do rand_file "$KT_FAST/src/f$s" "$s"; done

make_pool 512M
kvbos_mount

for s in "${SIZES[@]}"; do
  cp "$KT_FAST/src/f$s" "$MNT/cp-$s"                                   # cp: 128 KiB writes
  dd if="$KT_FAST/src/f$s" of="$MNT/dd-$s" bs=4096 conv=fsync status=none  # 4 KiB writes + fsync
  cat "$KT_FAST/src/f$s" >"$MNT/cat-$s"
  for how in cp dd cat; do
    assert_same_file "$KT_FAST/src/f$s" "$MNT/$how-$s"
    assert_eq "$(stat -c %s "$MNT/$how-$s")" "$s" "size of $how-$s"
  done
  log "ok: $s bytes (cp, dd bs=4096 conv=fsync, cat)"
done

# Reading with odd block sizes (crossing the 4 MiB value-block boundary at odd offsets).
s=$((4 * 1024 * 1024 + 1))
dd if="$MNT/cp-$s" bs=12345 status=none | cmp - "$KT_FAST/src/f$s" || fail "dd bs=12345 read of cp-$s differs"
tail -c 100 "$MNT/cp-$s" | cmp - <(tail -c 100 "$KT_FAST/src/f$s") || fail "tail -c 100 of cp-$s differs"

kvbos_remount
for s in "${SIZES[@]}"; do
  for how in cp dd cat; do assert_same_file "$KT_FAST/src/f$s" "$MNT/$how-$s"; done
done
log "ok: every file identical after unmount and mount"
kvbos_unmount
