#!/usr/bin/env bash
# The object-store tier when the S3 server misbehaves (Ceph's RADOS Gateway on loopback, and a
# fault-injecting proxy, tests/s3/faultproxy.py, between kvbos and it):
#   - bad credentials or a missing bucket at mount time: one clear line, non-zero exit;
#   - the gateway stopped while writes continue: writes succeed into the pool, uploads resume
#     when it is back, nothing is lost;
#   - the pool full while the gateway is down: ENOSPC, and everything written before is kept;
#   - 503 on a share of requests, or requests that hang: retried with backoff and timeouts,
#     the mount stays responsive, nothing is lost;
#   - an object overwritten with garbage in the bucket: reads of the affected file get EIO,
#     others read fine, and the daemon's log names the object.
source "$(dirname "$0")/lib.sh"

start_rgw
BUCKET=$KVBOS_S3_BUCKET
EP=$KVBOS_S3_ENDPOINT
R=$KT_FAST/ref
mkdir -p "$R"

# --- Wrong store at mount time.
make_pool 64M
expect_mount_error() {
  local what=$1 rc=0
  shift
  timeout 120 "$KVBOSFS" "$POOL" "$MNT" -f -o "$@" >"$KT_TMP/err.out" 2>&1 </dev/null || rc=$?
  [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "$what: kvbosfs exited $rc"
  ! is_mounted || fail "$what: mounted anyway"
  assert_eq "$(wc -l <"$KT_TMP/err.out")" 1 "lines printed for $what"
  grep -qF "$AWS_SECRET_ACCESS_KEY" "$KT_TMP/err.out" && fail "$what: the error prints the secret"
  log "ok: $what -> $(cat "$KT_TMP/err.out")"
}
AWS_SECRET_ACCESS_KEY=wrong-secret expect_mount_error "bad credentials" "store=s3://$BUCKET/x,endpoint=$EP"
expect_mount_error "a missing bucket" "store=s3://no-such-bucket-kvbos/x,endpoint=$EP"
expect_mount_error "a server that is not there" "store=s3://$BUCKET/x,endpoint=http://127.0.0.1:9,store_attempts=2,store_timeout_ms=500"

# --- The gateway goes away while writes continue; nothing is lost.
S3="store=s3://$BUCKET/outage,endpoint=$EP,snapshot_interval=1,store_attempts=2,store_timeout_ms=1000"
kvbos_mount -o "$S3"
mkdir "$MNT/d" "$R/d"
for i in 1 2 3; do head -c 300000 /dev/urandom >"$R/d/before-$i"; cp -p "$R/d/before-$i" "$MNT/d/"; done
sleep 2
bash "$RGW_SH" stop-gateway "$RGW_DIR"
for i in $(seq 1 20); do head -c 200000 /dev/urandom >"$R/d/during-$i"; cp -p "$R/d/during-$i" "$MNT/d/" \
  || fail "a write failed while the gateway was down"; done
sync
sleep 3
grep -q "snapshot to the object store failed" "$KT_LOG" || fail "no log line about failing uploads while the gateway was down"
assert_same_tree "$R/d" "$MNT/d"
log "ok: writes succeeded while the gateway was down"
bash "$RGW_SH" start-gateway "$RGW_DIR"
kvbos_unmount   # flushes everything to the bucket
POOL_B=$KT_FAST/b.pool
make_pool 64M "$POOL_B"
KT_MOUNT_POOL=$POOL_B kvbos_mount -o "$S3"
assert_same_tree "$R/d" "$MNT/d"
kvbos_unmount
log "ok: after the gateway came back, an empty pool restored everything"

# --- The pool fills up while the gateway is down: ENOSPC, nothing lost.
POOL_F=$KT_FAST/full.pool
make_pool 32M "$POOL_F"
SF="store=s3://$BUCKET/full,endpoint=$EP,snapshot_interval=1,store_attempts=2,store_timeout_ms=500"
KT_MOUNT_POOL=$POOL_F kvbos_mount -o "$SF"
bash "$RGW_SH" stop-gateway "$RGW_DIR"
mkdir -p "$MNT/f" "$R/f"
n=0
while [ $n -lt 100 ]; do
  head -c $((1024 * 1024)) /dev/urandom >"$R/f/x$n"
  if ! out=$(cp -p "$R/f/x$n" "$MNT/f/x$n" 2>&1); then
    [[ $out == *"No space left on device"* ]] || fail "a write into a full pool failed with '$out', expected ENOSPC"
    rm -f "$R/f/x$n" "$MNT/f/x$n"
    break
  fi
  n=$((n + 1))
done
[ $n -lt 100 ] || fail "100 MiB went into a 32 MiB pool with the gateway down"
[ $n -ge 5 ] || fail "only $n MiB fit before ENOSPC"
log "ok: ENOSPC after $n MiB with the gateway down"
bash "$RGW_SH" start-gateway "$RGW_DIR"
kvbos_unmount
KT_MOUNT_POOL=$POOL_F kvbos_mount -o "$SF"
assert_same_tree "$R/f" "$MNT/f"
head -c $((4 * 1024 * 1024)) /dev/urandom >"$R/f/after"
cp -p "$R/f/after" "$MNT/f/after" || fail "no room after the gateway came back"
kvbos_unmount
log "ok: nothing lost, and room again once uploads could go on"

# --- 503s and hanging requests through a fault-injecting proxy.
CONTROL=$KT_TMP/proxy.control
echo pass >"$CONTROL"
python3 "$REPO_ROOT/tests/s3/faultproxy.py" "${EP##*:}" "$KT_TMP/proxy.port" "$CONTROL" >"$KT_TMP/proxy.log" 2>&1 &
PROXY_PID=$!
kt_at_exit kill "$PROXY_PID"
for _ in $(seq 50); do [ -s "$KT_TMP/proxy.port" ] && break; sleep 0.1; done
[ -s "$KT_TMP/proxy.port" ] || fail "the fault proxy did not start: $(cat "$KT_TMP/proxy.log")"
PEP=http://127.0.0.1:$(cat "$KT_TMP/proxy.port")
SP="store=s3://$BUCKET/proxy,endpoint=$PEP,snapshot_interval=1,store_attempts=8,store_timeout_ms=1000"
POOL_P=$KT_FAST/p.pool
make_pool 64M "$POOL_P"
KT_MOUNT_POOL=$POOL_P kvbos_mount -o "$SP"
echo "fail 0.3" >"$CONTROL"
make_tree "$R/p" 200
run_ok cp -a "$R/p" "$MNT/p"
kvbos_unmount
fails=$(grep -c '^503' "$KT_TMP/proxy.log" || true)
[ "$fails" -ge 1 ] || fail "the proxy injected no 503"
POOL_Q=$KT_FAST/q.pool
make_pool 64M "$POOL_Q"
KT_MOUNT_POOL=$POOL_Q kvbos_mount -o "$SP"
assert_same_tree "$R/p" "$MNT/p"
log "ok: $fails requests answered 503 (30%); the tree went up and came back whole"

echo "hang 0.3 3" >"$CONTROL"
hangs_before=$(grep -c '^hang' "$KT_TMP/proxy.log" || true)
kvbos_unmount
POOL_H=$KT_FAST/h.pool
make_pool 64M "$POOL_H"
KT_MOUNT_POOL=$POOL_H kvbos_mount -o "$SP"
( cat "$MNT"/p/d*/s*/file-* >/dev/null 2>&1 || true ) &
reader=$!
sleep 1
# Metadata (readdir and lstat of the whole tree: find -printf reads no symlink target, which
# would be a value read from the bucket) and a write must not wait for the hanging reads.
t0=$(date +%s%N)
find "$MNT/p" -printf '%p %s %m %U\n' >/dev/null || fail "find failed while requests hang"
t1=$(date +%s%N)
echo responsive >"$MNT/new-file" || fail "a write failed while requests hang"
elapsed_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
log "find took $(( (t1 - t0) / 1000000 )) ms, the write $(( ($(date +%s%N) - t1) / 1000000 )) ms"
[ "$elapsed_ms" -lt 1000 ] || fail "metadata and writes took $elapsed_ms ms while requests hang"
wait "$reader"
hangs=$(( $(grep -c '^hang' "$KT_TMP/proxy.log" || true) - hangs_before ))
[ "$hangs" -ge 1 ] || fail "the proxy made no request hang"
echo pass >"$CONTROL"
assert_same_tree "$R/p" "$MNT/p"
kvbos_unmount
log "ok: $hangs hanging requests; a find of the tree and a write answered in $elapsed_ms ms meanwhile; every file read back"

# --- Garbage in an object: EIO for the files in it, the others fine, the log names it.
victim=values/0x0000000000000000
head -c 4096 /dev/urandom >"$KT_TMP/garbage"
S3_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID S3_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY S3_HOSTNAME=${EP#http://} \
  s3 -u put "$BUCKET/outage/$victim" filename="$KT_TMP/garbage" >"$KT_TMP/s3put.out" 2>&1 || true
[ "$(rgw_count PUT "/$BUCKET/outage/$victim")" -ge 2 ] || fail "could not overwrite $victim: $(cat "$KT_TMP/s3put.out")"
POOL_G=$KT_FAST/g.pool
make_pool 64M "$POOL_G"
KT_MOUNT_POOL=$POOL_G kvbos_mount -o "store=s3://$BUCKET/outage,endpoint=$EP"
bad=0 good=0
for f in "$R"/d/*; do
  if out=$(cmp "$f" "$MNT/d/$(basename "$f")" 2>&1); then good=$((good + 1)); else
    [[ $out == *"Input/output error"* ]] || fail "reading $(basename "$f") from a damaged object: '$out', expected EIO"
    bad=$((bad + 1))
  fi
done
[ "$bad" -ge 1 ] || fail "no file failed after $victim was overwritten"
[ "$good" -ge 1 ] || fail "no file read fine after $victim was overwritten"
grep -q "$victim" "$KT_LOG" || fail "the daemon's log does not name $victim"
kvbos_unmount
log "ok: $victim overwritten: $bad files EIO, $good fine, the log names the object"
