#!/usr/bin/env bash
# Crash consistency with kill -9 of the daemon:
#  1. right after a file written with dd conv=fsync: mount again, the file is intact (cmp)
#     and the pool opens cleanly; repeated over several rounds, earlier files stay intact;
#  2. after write + sync FILE, and after mv + sync of the new name;
#  3. in the middle of a stream of unsynced writes: the pool opens, fsync'ed files are intact,
#     every file that exists is readable without an I/O error;
#  4. finally a clean unmount/mount and a write show the pool is healthy.
source "$(dirname "$0")/lib.sh"

make_pool 256M
mkdir "$KT_FAST/src"
SIZES=(1 4096 100000 $((4 * 1024 * 1024 + 1)) 12345678)
kvbos_mount
mkdir "$MNT/d"; sync "$MNT/d"

check_all() {
  local i
  for ((i = 0; i < $1; i++)); do assert_same_file "$KT_FAST/src/r$i" "$MNT/d/r$i"; done
}

# 1. kill -9 right after dd conv=fsync, several rounds.
for ((r = 0; r < ${#SIZES[@]}; r++)); do
  rand_file "$KT_FAST/src/r$r" "${SIZES[$r]}"
  dd if="$KT_FAST/src/r$r" of="$MNT/d/r$r" bs=1M conv=fsync status=none || fail "dd conv=fsync failed"
  kvbos_kill9
  kvbos_mount
  check_all $((r + 1))
  log "ok: round $r: ${SIZES[$r]}-byte file intact after kill -9 right after fsync"
done

# 2. write + sync FILE; overwrite in place + sync; mv + sync of the new name.
rand_file "$KT_FAST/src/s" 777777
cat "$KT_FAST/src/s" >"$MNT/d/s"; sync "$MNT/d/s"
rand_file "$KT_FAST/src/patch" 5000
dd if="$KT_FAST/src/patch" of="$KT_FAST/src/r4" bs=5000 seek=4000000 oflag=seek_bytes conv=notrunc status=none
dd if="$KT_FAST/src/patch" of="$MNT/d/r4" bs=5000 seek=4000000 oflag=seek_bytes conv=notrunc,fsync status=none
mv "$MNT/d/r0" "$MNT/d/renamed"; sync "$MNT/d/renamed"
kvbos_kill9
kvbos_mount
assert_same_file "$KT_FAST/src/s" "$MNT/d/s"
assert_same_file "$KT_FAST/src/r4" "$MNT/d/r4"
assert_same_file "$KT_FAST/src/r0" "$MNT/d/renamed"
[ ! -e "$MNT/d/r0" ] || fail "the old name of a renamed and fsync'ed file is back after kill -9"
mv "$MNT/d/renamed" "$MNT/d/r0"; sync "$MNT/d/r0"
log "ok: write+sync, overwrite+fsync, mv+sync survive kill -9"

# 3. kill -9 in the middle of unsynced writes.
rand_file "$KT_FAST/src/blob" 65536
(
  i=0
  while :; do
    mkdir -p "$MNT/storm/$((i % 20))" 2>/dev/null || exit 0
    head -c $(((i * 7919) % 65536)) "$KT_FAST/src/blob" >"$MNT/storm/$((i % 20))/f$i" 2>/dev/null || exit 0
    i=$((i + 1))
  done
) &
storm=$!
sleep 2
kvbos_kill9
wait "$storm" 2>/dev/null || true
kvbos_mount
check_all ${#SIZES[@]}
assert_same_file "$KT_FAST/src/s" "$MNT/d/s"
count=0
while IFS= read -r -d '' f; do
  cat "$f" >/dev/null || fail "reading $f after kill -9 during writes: I/O error"
  size=$(stat -c %s "$f")
  cmp -n "$size" "$f" "$KT_FAST/src/blob" >/dev/null || fail "$f has bytes that were never written to it"
  count=$((count + 1))
done < <(find "$MNT/storm" -type f -print0 2>/dev/null)
log "ok: pool opened after kill -9 during writes; $count storm files readable, fsync'ed files intact"

# 4. Healthy: clean unmount, mount, write, read.
kvbos_unmount
kvbos_mount
check_all ${#SIZES[@]}
rm -rf "$MNT/storm"
rand_file "$KT_FAST/src/after" 3000000
cp "$KT_FAST/src/after" "$MNT/after"
kvbos_remount
assert_same_file "$KT_FAST/src/after" "$MNT/after"
check_all ${#SIZES[@]}
log "ok: clean unmount/mount and writes after the crashes"
kvbos_unmount
