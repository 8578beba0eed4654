#!/usr/bin/env bash
# mkfs.kvbos as a user meets it: sizes with units (and the pool is that many bytes), block sizes
# (the report shows them; kvbosfs mounts the pool), the report names size, blocks, frames and a
# UUID that differs between pools; an existing file is refused without --force (unchanged) and
# replaced with it (a fresh, empty pool with a new UUID); a pool that is mounted is never
# overwritten, even with --force (one line naming the mount point, pool unchanged, still
# mounted); bad block sizes and a pool too small are refused before anything is removed.
source "$(dirname "$0")/lib.sh"

# uuid_of OUTPUT: the UUID line of mkfs.kvbos's report.
uuid_of() { awk '/UUID:/ { print $2 }' <<<"$1"; }

# Sizes with units, and the report.
for spec in "64M 67108864" "1G 1073741824" "131072K 134217728"; do
  read -r size bytes <<<"$spec"
  out=$("$MKFS" --size "$size" "$KT_FAST/u.pool" 2>&1) || fail "mkfs.kvbos --size $size failed: $out"
  assert_eq "$(stat -c %s "$KT_FAST/u.pool")" "$bytes" "pool bytes for --size $size"
  grep -q "pool size: *$bytes bytes" <<<"$out" || fail "report for --size $size does not give $bytes bytes: $out"
  rm -f "$KT_FAST/u.pool"
done
out=$("$MKFS" --size 64M --value-block-size 8M --key-block-size 128K "$POOL" 2>&1) \
  || fail "mkfs.kvbos with block sizes failed: $out"
grep -q "value block size: *8388608 bytes" <<<"$out" || fail "report lacks the value block size: $out"
grep -q "key block size: *131072 bytes" <<<"$out" || fail "report lacks the key block size: $out"
grep -Eq "frames: *[0-9]+ of 128 KiB" <<<"$out" || fail "report lacks the frames: $out"
uuid1=$(uuid_of "$out")
[[ $uuid1 =~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]] \
  || fail "report has no version-4 UUID: $out"
log "ok: mkfs.kvbos report: $(tr '\n' ' ' <<<"$out")"
kvbos_mount
echo first >"$MNT/f"
kvbos_unmount

# Without --force: refused, one line naming the fix, pool unchanged.
sum=$(sha256sum <"$POOL")
rc=0
"$MKFS" --size 64M "$POOL" >"$KT_TMP/out" 2>"$KT_TMP/err" || rc=$?
assert_eq "$rc" 1 "exit status of mkfs.kvbos over an existing pool"
assert_eq "$(wc -l <"$KT_TMP/err")" 1 "lines on stderr refusing an existing pool"
grep -q -- "--force" "$KT_TMP/err" || fail "refusal does not name --force: $(cat "$KT_TMP/err")"
assert_eq "$(sha256sum <"$POOL")" "$sum" "pool after a refused mkfs.kvbos"
log "ok: existing pool refused: $(cat "$KT_TMP/err")"

# Mounted: refused even with --force; the mount goes on working.
kvbos_mount
for force in --force -f; do
  rc=0
  "$MKFS" $force --size 64M "$POOL" >"$KT_TMP/out" 2>"$KT_TMP/err" || rc=$?
  assert_eq "$rc" 1 "exit status of mkfs.kvbos $force over a mounted pool"
  assert_eq "$(wc -l <"$KT_TMP/err")" 1 "lines on stderr refusing a mounted pool"
  grep -q "mounted on $MNT" "$KT_TMP/err" || fail "refusal does not name the mount point: $(cat "$KT_TMP/err")"
done
is_mounted || fail "the pool was unmounted by mkfs.kvbos --force"
assert_eq "$(cat "$MNT/f")" first "file on the mounted pool after mkfs.kvbos --force was refused"
echo second >"$MNT/g"
assert_eq "$(cat "$MNT/g")" second "write after mkfs.kvbos --force was refused"
kvbos_unmount
log "ok: a mounted pool is not overwritten: $(cat "$KT_TMP/err")"

# Locked by a process that is not a mount (the engine's flock): refused too.
exec {lockfd}<"$POOL"
flock -x "$lockfd" || fail "cannot flock $POOL"
sum=$(sha256sum <"$POOL")
rc=0
"$MKFS" --force --size 64M "$POOL" >"$KT_TMP/out" 2>"$KT_TMP/err" || rc=$?
exec {lockfd}<&-
assert_eq "$rc" 1 "exit status of mkfs.kvbos --force over a locked pool"
grep -q "in use" "$KT_TMP/err" || fail "refusal of a locked pool does not say it is in use: $(cat "$KT_TMP/err")"
assert_eq "$(sha256sum <"$POOL")" "$sum" "locked pool after mkfs.kvbos --force was refused"
log "ok: a locked pool is not overwritten: $(cat "$KT_TMP/err")"

# Bad geometry with --force: refused before the old pool is touched.
for args in "--size 64M --key-block-size 100K" "--size 64M --value-block-size 512K" \
            "--size 1M" "--size 64M --value-block-size 256K --key-block-size 512K"; do
  rc=0
  # shellcheck disable=SC2086
  "$MKFS" --force $args "$POOL" >"$KT_TMP/out" 2>"$KT_TMP/err" || rc=$?
  assert_eq "$rc" 1 "exit status of mkfs.kvbos --force $args"
  assert_eq "$(wc -l <"$KT_TMP/err")" 1 "lines on stderr for mkfs.kvbos --force $args"
  assert_eq "$(sha256sum <"$POOL")" "$sum" "pool after mkfs.kvbos --force $args was refused"
  log "ok: --force $args refused, old pool intact: $(cat "$KT_TMP/err")"
done

# --force on an unmounted pool: a new, empty pool with a new UUID.
out=$("$MKFS" --force --size 128M "$POOL" 2>&1) || fail "mkfs.kvbos --force failed: $out"
uuid2=$(uuid_of "$out")
[ -n "$uuid2" ] && [ "$uuid2" != "$uuid1" ] || fail "--force made no new UUID ($uuid1 -> $uuid2): $out"
assert_eq "$(stat -c %s "$POOL")" 134217728 "pool bytes after --force --size 128M"
kvbos_mount
assert_eq "$(ls -A "$MNT")" "" "files in the pool made by --force"
kvbos_unmount
log "ok: --force replaced the pool (UUID $uuid1 -> $uuid2)"

# --force on things that are not pool files.
mkdir "$KT_FAST/adir"
expect_errno "is a directory" "$MKFS" --force --size 64M "$KT_FAST/adir"
ln -s "$POOL" "$KT_FAST/alink"
expect_errno "symbolic link" "$MKFS" --force --size 64M "$KT_FAST/alink"
[ -d "$KT_FAST/adir" ] && [ -L "$KT_FAST/alink" ] || fail "mkfs.kvbos --force removed a directory or a link"

for opt in --help --version; do
  run_ok "$MKFS" $opt
done
"$MKFS" --help | grep -q -- "--force" || fail "mkfs.kvbos --help does not list --force"
