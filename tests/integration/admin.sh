#!/usr/bin/env bash
# The kvbos admin command: put/get/rm/ls on an unmounted pool agree with what a mount shows;
# stat (text and --json); fsck on a clean pool (exit 0), on a damaged one (exit 4, the damage
# named), --repair of a torn tail (exit 1, then clean); on a mounted file system: stat reads the
# daemon's live counters and sync returns once everything is in the object store.
source "$(dirname "$0")/lib.sh"
KVBOS=$KVBOS_BIN/kvbos
[ -x "$KVBOS" ] || fail "kvbos not found at $KVBOS"
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

make_pool 64M
printf 'hello\n' | run_ok "$KVBOS" put "$POOL" docs/hello.txt
run_ok "$KVBOS" put "$POOL" bin/bash /usr/bin/bash
assert_eq "$("$KVBOS" get "$POOL" docs/hello.txt)" hello "kvbos get of a put value"
"$KVBOS" get "$POOL" bin/bash | cmp -s - /usr/bin/bash || fail "kvbos get of a 1 MiB value differs"
assert_eq "$("$KVBOS" ls "$POOL" | awk '{print $4}' | tr '\n' ' ')" "bin/ bin/bash docs/ docs/hello.txt " "kvbos ls"
assert_eq "$("$KVBOS" ls "$POOL" docs/ --json | json 'len(d)')" 2 "kvbos ls docs/ --json"
expect_errno "No such file or directory" "$KVBOS" get "$POOL" no/such/key
log "ok: put, get, ls"

# What the admin command wrote is what a mount shows, and the other way round.
kvbos_mount
assert_eq "$(cat "$MNT/docs/hello.txt")" hello "a put value seen through the mount"
cmp -s /usr/bin/bash "$MNT/bin/bash" || fail "bin/bash differs through the mount"
echo "from the mount" >"$MNT/docs/mounted.txt"
expect_errno "in use" "$KVBOS" get "$POOL" docs/hello.txt
kvbos_unmount
assert_eq "$("$KVBOS" get "$POOL" docs/mounted.txt)" "from the mount" "a file written through the mount"
run_ok "$KVBOS" rm "$POOL" docs/hello.txt
expect_errno "Directory not empty" "$KVBOS" rm "$POOL" docs/
run_ok "$KVBOS" rm "$POOL" docs/mounted.txt
run_ok "$KVBOS" rm "$POOL" docs/
kvbos_mount
[ ! -e "$MNT/docs" ] || fail "docs/ still visible after kvbos rm"
kvbos_unmount
log "ok: rm, and the mount agrees"

# stat
out=$("$KVBOS" stat "$POOL") || fail "kvbos stat failed: $out"
[[ $out == *"keys"* ]] || fail "kvbos stat prints no key count: $out"
assert_eq "$("$KVBOS" stat --json "$POOL" | json 'd["keys"]')" 2 "kvbos stat --json keys"
log "ok: stat"

# fsck: clean, damaged, torn tail repaired.
out=$("$KVBOS" fsck "$POOL") || fail "kvbos fsck of a clean pool exited $?: $out"
[[ $out == *clean* ]] || fail "kvbos fsck of a clean pool: $out"
cp "$POOL" "$KT_FAST/damaged.pool"
# The value of bin/bash lies at the start of the value region (frames_offset, from the superblock).
frames=$(od -An -t u8 -j 64 -N 8 "$KT_FAST/damaged.pool" | tr -d ' ')
printf 'XXXX' | dd of="$KT_FAST/damaged.pool" bs=1 seek=$((frames + 5000)) conv=notrunc status=none
rc=0
out=$("$KVBOS" fsck "$KT_FAST/damaged.pool") || rc=$?
assert_eq "$rc" 4 "kvbos fsck exit status on a damaged pool"
[[ $out == *"key 'bin/bash'"*checksum* ]] || fail "kvbos fsck does not name the damaged key: $out"
rc=0
"$KVBOS" fsck --json "$KT_FAST/damaged.pool" >"$KT_TMP/fsck.json" || rc=$?
assert_eq "$rc" 4 "kvbos fsck --json exit status on a damaged pool"
assert_eq "$(json 'd["problems"][0]["where"]' <"$KT_TMP/fsck.json")" "key 'bin/bash'" "fsck --json problem"
log "ok: fsck finds a damaged value: $(grep damage <<<"$out")"
rc=0
"$KVBOS" fsck /no/such/pool >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 8 "kvbos fsck exit status on a missing pool"
out=$("$KVBOS" fsck --repair "$POOL") || fail "kvbos fsck --repair of a clean pool exited $?: $out"
[[ $out == *clean* ]] || fail "kvbos fsck --repair of a clean pool: $out"
log "ok: fsck exit statuses 0 (clean), 4 (damage), 8 (no pool)"

# A mounted file system: live counters from the daemon; sync puts everything in the store.
STORE=$KT_FAST/objects
mkdir "$STORE"
POOL_M=$KT_FAST/m.pool
make_pool 64M "$POOL_M"
KT_MOUNT_POOL=$POOL_M kvbos_mount -o "store=file:$STORE,snapshot_interval=3600"
echo "synced by kvbos sync" >"$MNT/f"
"$KVBOS" stat --json "$MNT" >"$KT_TMP/stat.json" || fail "kvbos stat --json $MNT failed"
[ "$(json 'd["files"]["bytes_written"]' <"$KT_TMP/stat.json")" -ge 21 ] || fail "live bytes_written: $(cat "$KT_TMP/stat.json")"
[ "$(json 'd["operations"]["write"]' <"$KT_TMP/stat.json")" -ge 1 ] || fail "live write count: $(cat "$KT_TMP/stat.json")"
"$KVBOS" stat "$MNT" | grep -q "upload_backlog_bytes" || fail "kvbos stat $MNT shows no upload backlog"
[ -z "$(ls -A "$MNT" | grep kvbos)" ] || fail "readdir shows the statistics file"
expect_errno "not permitted" rm "$MNT/.kvbos.stats"
expect_errno "not permitted" mv "$MNT/f" "$MNT/.kvbos.stats"
log "ok: kvbos stat on a mount reads the daemon's counters"
[ ! -e "$STORE/manifest" ] || fail "a snapshot happened before kvbos sync (interval 3600 s)"
run_ok "$KVBOS" sync "$MNT"
[ -e "$STORE/manifest/00000000000000000001" ] || fail "kvbos sync wrote no manifest"
puts=$("$KVBOS" stat --json "$MNT" | json 'd["store"]["requests"]["put"]')
[ "$puts" -ge 3 ] || fail "kvbos stat counts $puts PUTs after a sync (blocks and a manifest)"
kvbos_kill9   # no unmount: only what sync put in the store counts
POOL_R=$KT_FAST/r.pool
make_pool 64M "$POOL_R"
KT_MOUNT_POOL=$POOL_R kvbos_mount -o "store=file:$STORE"
assert_eq "$(cat "$MNT/f")" "synced by kvbos sync" "a file restored from what kvbos sync stored"
kvbos_unmount
expect_errno "not a mounted kvbos" "$KVBOS" sync "$KT_TMP"

# The restored pool holds f's key but not its bytes: kvbos reads them back with -o store=.
expect_errno "no object store is configured" "$KVBOS" get "$POOL_R" f
assert_eq "$("$KVBOS" get "$POOL_R" f -o "store=file:$STORE")" "synced by kvbos sync" "kvbos get -o store="
printf 'put with a store\n' | run_ok "$KVBOS" put "$POOL_R" g -o "store=file:$STORE"
POOL_S=$KT_FAST/s.pool
make_pool 64M "$POOL_S"
KT_MOUNT_POOL=$POOL_S kvbos_mount -o "store=file:$STORE"
assert_eq "$(cat "$MNT/g")" "put with a store" "a key put with -o store= seen from another pool"
kvbos_unmount
expect_errno "not an object store option" "$KVBOS" get "$POOL_R" f -o "frobnicate=1"

# fsck of the restored pool: values only in the bucket are checked when -o store= is given.
out=$("$KVBOS" fsck "$POOL_R") || fail "kvbos fsck of the restored pool: $out"
[[ $out == *"only in the object store"* ]] || fail "kvbos fsck does not count values left in the store: $out"
out=$("$KVBOS" fsck "$POOL_R" -o "store=file:$STORE") || fail "kvbos fsck -o store= of a clean bucket: $out"
[[ $out == *clean* ]] || fail "kvbos fsck -o store=: $out"
for obj in "$STORE"/values/*; do printf 'XXXXXXXXXXXXXXXX' | dd of="$obj" bs=1 seek=2 conv=notrunc status=none; done
rc=0
out=$("$KVBOS" fsck "$POOL_R" -o "store=file:$STORE") || rc=$?
assert_eq "$rc" 4 "kvbos fsck -o store= exit status with damaged objects"
[[ $out == *"values/0x"*"fail"*checksum* ]] || fail "kvbos fsck -o store= does not name the damaged object: $out"
log "ok: fsck -o store= fetches and checks values in the bucket: $(grep damage <<<"$out" | head -n 1)"
log "ok: kvbos sync, then kill -9: an empty pool restores the file from the store"
