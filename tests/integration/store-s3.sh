#!/usr/bin/env bash
# The object-store tier against a real S3 server, Ceph's RADOS Gateway started on loopback by
# the test: a tree round-trips through the bucket (pool A writes, an empty pool B shows it,
# diff -r identical); after a find over the restored tree, reading one small file is exactly one
# range GET of that file's bytes, and 1,000 cold small files cost 1,000 GETs; a 64 MiB pool
# holds 512 MiB of files that all read back, with the daemon's memory bounded; an idle mount
# makes no requests; credentials never show in ps or the logs, and a credentials file that
# others can read is refused.
source "$(dirname "$0")/lib.sh"

start_rgw
BUCKET=$KVBOS_S3_BUCKET
S3="store=s3://$BUCKET/roundtrip,endpoint=$KVBOS_S3_ENDPOINT"
R=$KT_FAST/ref

# --- Round trip: A writes, B (empty) reads.
make_pool 256M
kvbos_mount -o "$S3,snapshot_interval=1"
make_tree "$R/tree" 300
mkdir -p "$R/tree/small"
for i in $(seq 1 1000); do head -c $((1000 + i)) /dev/urandom >"$R/tree/small/f$i"; done
run_ok cp -a "$R/tree" "$MNT/tree"
assert_same_tree "$R/tree" "$MNT/tree"
ps -eo args | grep -F "$AWS_SECRET_ACCESS_KEY" | grep -v grep && fail "the secret key shows in ps"
kvbos_unmount
grep -qF "$AWS_SECRET_ACCESS_KEY" "$KT_LOG" && fail "the secret key is in the daemon's log"
[ "$(rgw_count PUT "/$BUCKET/roundtrip/manifest/")" -ge 1 ] || fail "no manifest PUT in the gateway's log"
log "ok: pool A wrote $(rgw_count PUT "/$BUCKET/roundtrip/") objects; $(grep -o 'uploaded .*' "$KT_LOG" | tail -n 1)"

POOL_B=$KT_FAST/b.pool
make_pool 256M "$POOL_B"
KT_MOUNT_POOL=$POOL_B kvbos_mount -o "$S3"
find "$MNT/tree" -ls >/dev/null   # metadata only: answered from the key blocks
before=$(rgw_count GET "/$BUCKET/roundtrip/values/")
cmp -s "$R/tree/name with spaces.txt" "$MNT/tree/name with spaces.txt" || fail "cold read of one small file differs"
after=$(rgw_count GET "/$BUCKET/roundtrip/values/")
ranged=$(rgw_count GET "/$BUCKET/roundtrip/values/" range)
assert_eq "$((after - before))" 1 "GETs for one cold small file after a find"
size=$(stat -c %s "$R/tree/name with spaces.txt")
last=$(bash "$RGW_SH" requests "$RGW_DIR" GET "/$BUCKET/roundtrip/values/" | tail -n 1)
[[ $last == *"bytes="* ]] || fail "the cold read was not a range GET: $last"
log "ok: one cold small file ($size bytes) = one range GET ($ranged ranged so far): ${last##*\"GET }"

before=$(rgw_count GET "/$BUCKET/roundtrip/values/")
t0=$(date +%s.%N)
for i in $(seq 1 1000); do cat "$MNT/tree/small/f$i"; done >"$KT_TMP/small.cat"
t1=$(date +%s.%N)
for i in $(seq 1 1000); do cat "$R/tree/small/f$i"; done | cmp -s - "$KT_TMP/small.cat" || fail "cold small files differ"
gets=$(( $(rgw_count GET "/$BUCKET/roundtrip/values/") - before ))
log "figure: cold read of 1,000 small files: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", 1000 / (b - a) }') files/s, $gets GETs ($(awk -v g="$gets" 'BEGIN { printf "%.2f", g / 1000 }') per file)"
[ "$gets" -le 1000 ] || fail "1,000 cold small files took $gets GETs"
assert_same_tree "$R/tree" "$MNT/tree"
log "ok: an empty pool on the bucket shows the whole tree"

# --- An idle mount makes no requests.
before=$(rgw_count)
sleep "${KVBOS_IDLE_SECONDS:-5}"
assert_eq "$(( $(rgw_count) - before ))" 0 "requests from an idle mount in ${KVBOS_IDLE_SECONDS:-5} s"
log "ok: an idle mount made no requests in ${KVBOS_IDLE_SECONDS:-5} s (snapshot_interval 1 s)"
kvbos_unmount

# --- A 64 MiB pool holding 512 MiB of files.
S3BIG="store=s3://$BUCKET/big,endpoint=$KVBOS_S3_ENDPOINT"
POOL_S=$KT_FAST/small.pool
make_pool 64M "$POOL_S"
KT_MOUNT_POOL=$POOL_S kvbos_mount -o "$S3BIG,snapshot_interval=2,cache_size=32M"
mkdir "$R/big"
for i in $(seq 1 64); do head -c $((8 * 1024 * 1024)) /dev/urandom >"$R/big/f$i"; done
run_ok cp -a "$R/big" "$MNT/big"
rss=$(ps -o rss= -p "$KT_DAEMON_PID")
for i in $(seq 1 64); do assert_same_file "$R/big/f$i" "$MNT/big/f$i"; done
rss2=$(ps -o rss= -p "$KT_DAEMON_PID")
log "figure: daemon RSS with 512 MiB of data in a 64 MiB pool: $((rss / 1024)) MiB after writing, $((rss2 / 1024)) MiB after reading it all back"
[ "$rss2" -lt $((300 * 1024)) ] || fail "daemon RSS $((rss2 / 1024)) MiB is not bounded by its caches"
kvbos_unmount
log "figure: $(grep -o 'uploaded .*' "$KT_LOG" | tail -n 1) for 512 MiB written"
POOL_S2=$KT_FAST/small2.pool
make_pool 64M "$POOL_S2"
KT_MOUNT_POOL=$POOL_S2 kvbos_mount -o "$S3BIG,cache_size=32M"
for i in 1 17 64; do assert_same_file "$R/big/f$i" "$MNT/big/f$i"; done
kvbos_unmount
log "ok: 512 MiB through a 64 MiB pool, read back there and from another empty pool"

# --- Credentials from a file: 0600 works, readable by others is refused.
CRED=$KT_TMP/credentials
printf 'AWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" >"$CRED"
chmod 0644 "$CRED"
POOL_C=$KT_FAST/c.pool
make_pool 64M "$POOL_C"
rc=0
env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$KVBOSFS" "$POOL_C" "$MNT" -f \
  -o "store=s3://$BUCKET/cred,endpoint=$KVBOS_S3_ENDPOINT,credentials=$CRED" >"$KT_TMP/cred.out" 2>&1 </dev/null || rc=$?
[ "$rc" -ne 0 ] || fail "a credentials file readable by others was accepted"
assert_eq "$(wc -l <"$KT_TMP/cred.out")" 1 "lines printed for a 0644 credentials file"
grep -qF "$AWS_SECRET_ACCESS_KEY" "$KT_TMP/cred.out" && fail "the refusal prints the secret"
log "ok: 0644 credentials file refused: $(cat "$KT_TMP/cred.out")"
chmod 0600 "$CRED"
(
  unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
  KT_MOUNT_POOL=$POOL_C kvbos_mount -o "store=s3://$BUCKET/cred,endpoint=$KVBOS_S3_ENDPOINT,credentials=$CRED"
  echo via-file >"$MNT/f"
  kvbos_unmount
)
[ "$(rgw_count PUT "/$BUCKET/cred/manifest/")" -ge 1 ] || fail "nothing reached the bucket with credentials from a file"
log "ok: credentials from a 0600 file"
