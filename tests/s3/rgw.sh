#!/usr/bin/env bash
# A throwaway single-node Ceph cluster with the RADOS Gateway (S3) on loopback, for tests.
#
#   rgw.sh start DIR    start a monitor, one memstore OSD and radosgw under DIR (created if
#                       missing, must be empty), create an S3 user and a bucket (named
#                       KVBOS_RGW_BUCKET, default kvbos-test), and write
#                       DIR/env (shell assignments, mode 0600):
#                         KVBOS_S3_ENDPOINT=http://127.0.0.1:PORT  KVBOS_S3_BUCKET=...
#                         AWS_ACCESS_KEY_ID=...  AWS_SECRET_ACCESS_KEY=...  KVBOS_RGW_DIR=DIR
#                       and print its path. Fails with the tail of the daemon logs when a
#                       daemon does not come up within KVBOS_RGW_TIMEOUT seconds (default 60).
#                       With KVBOS_RGW_OWNER_PID=PID, a watchdog stops the cluster once
#                       process PID is gone (a test runner killed with SIGKILL leaks nothing).
#   rgw.sh stop DIR     stop exactly the daemons `start` started (by the PIDs in DIR/pids),
#                       the gateway and the OSD first, the monitor last; SIGKILL after 10 s.
#   rgw.sh stop-gateway DIR    stop only radosgw (the S3 server "goes away"; the cluster stays)
#   rgw.sh start-gateway DIR   start radosgw again on the same port and wait until it listens
#   rgw.sh requests DIR [METHOD] [PATH-REGEX]
#                       print the gateway's request lines (one `beast:` line per request:
#                       method, path, status, range), optionally only METHOD (GET, PUT, HEAD,
#                       DELETE; '' for any) and paths matching the extended regex PATH-REGEX
#                       (matched as a prefix of the path, /BUCKET/KEY). The gateway writes its
#                       log asynchronously: poll for a count instead of reading once. Example:
#   2026-12-05T18:44:36.014+0000 7f.. 1 beast: 0x7f..: 127.0.0.1 - kvbos-test [05/Dec/2026:
#   18:44:36.014 +0000] "GET /kvbos-test/range/values/0x0000000000800000 HTTP/1.1" 206 1000 -
#   "Mozilla/4.0 (Compatible; kvbos; libs3 2.0; Linux x86_64)" bytes=123457-124456 latency=0s
#   rgw.sh count DIR [METHOD] [PATH-REGEX] [range]
#                       the number of such requests; with `range`, only those with a
#                       `bytes=` range (range GETs).
#
# Everything listens on 127.0.0.1 only (msgr2, free ports); nothing else is contacted. No
# systemd, no /etc/ceph, no ceph-mgr: each daemon runs in the foreground with -c DIR/ceph.conf,
# backgrounded here. Authentication is off (auth_*_required = none): the cluster is reachable
# only from this machine and lives as long as the test. Objects live in RAM (memstore, capped
# by KVBOS_RGW_MEMSTORE_BYTES, default 2 GiB). Needs: ceph-mon ceph-osd radosgw ceph-common
# libs3-2 (scripts/install-deps.sh).
set -euo pipefail

usage() {
  sed -n '2,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//' >&2
  exit 2
}

die() { echo "rgw.sh: $*" >&2; exit 1; }

[ $# -ge 2 ] || usage
cmd=$1
dir=$2
shift 2

timeout_s=${KVBOS_RGW_TIMEOUT:-60}

# A TCP port on 127.0.0.1 that nobody listens on right now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The last lines of every daemon log, for error messages.
log_tails() {
  local f
  for f in "$dir"/log/*.log "$dir"/log/*.out; do
    [ -s "$f" ] || continue
    echo "----- tail of $f" >&2
    tail -n 15 "$f" >&2
  done
}

fail() {
  echo "rgw.sh: $*" >&2
  log_tails
  stop_daemons
  exit 1
}

ceph_cli() { timeout 20 ceph -c "$dir/ceph.conf" "$@"; }

# True while the process with PID $2 is the daemon $1 that we started (guards against a
# reused PID: the command line must name our config).
is_ours() {
  local pid=$2
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-c $dir/ceph.conf"
}

# Starts daemon NAME (mon, osd, rgw) in the foreground, in the background, and records its PID.
start_daemon() {
  local name=$1
  shift
  "$@" >"$dir/log/$name.out" 2>&1 &
  echo $! >"$dir/pids/$name.pid"
}

# Polls COMMAND every 0.2 s until it succeeds or $timeout_s seconds pass.
wait_for() {
  local what=$1
  shift
  local deadline=$(($(date +%s) + timeout_s))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      fail "$what not ready after ${timeout_s} s"
    fi
    local name
    for name in mon osd rgw; do
      local pidfile="$dir/pids/$name.pid"
      if [ -f "$pidfile" ] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        fail "the $name daemon exited while waiting for: $what"
      fi
    done
    sleep 0.2
  done
}

stop_daemons() {
  local name pid deadline
  local names=("$@")
  [ ${#names[@]} -gt 0 ] || names=(rgw osd mon)
  for name in "${names[@]}"; do
    local pidfile="$dir/pids/$name.pid"
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    if is_ours "$name" "$pid"; then
      kill -TERM "$pid" 2>/dev/null || true
      deadline=$(($(date +%s) + 10))
      while is_ours "$name" "$pid" && [ "$(date +%s)" -lt "$deadline" ]; do
        sleep 0.1
      done
      if is_ours "$name" "$pid"; then
        echo "rgw.sh: $name (pid $pid) did not stop in 10 s; killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
      fi
    fi
    rm -f "$pidfile"
  done
}

osd_up() { ceph_cli osd dump 2>/dev/null | grep -q '^osd\.0 up  *in '; }
rgw_listening() { (exec 3<>"/dev/tcp/127.0.0.1/$rgw_port") 2>/dev/null; }

# Creates the bucket with libs3's s3 tool, which exits 0 even on errors: judge by its output,
# then check that the bucket answers.
create_bucket() {
  local out
  out=$(S3_ACCESS_KEY_ID=$access_key S3_SECRET_ACCESS_KEY=$secret_key \
        S3_HOSTNAME=127.0.0.1:$rgw_port timeout 30 s3 -u create "$bucket" 2>&1) || true
  if [ "$out" != "Bucket successfully created." ]; then
    fail "creating bucket $bucket failed: $out"
  fi
  out=$(S3_ACCESS_KEY_ID=$access_key S3_SECRET_ACCESS_KEY=$secret_key \
        S3_HOSTNAME=127.0.0.1:$rgw_port timeout 30 s3 -u test "$bucket" 2>&1) || true
  if ! grep -q "^$bucket " <<<"$out"; then
    fail "bucket $bucket does not answer after creation: $out"
  fi
}

# Stops the cluster when process $1 has gone, unless `stop` came first (it removes the PID
# files). Detached from our stdout/stderr so that callers reading them do not wait for it.
start_watchdog() {
  local owner=$1
  kill -0 "$owner" 2>/dev/null || fail "KVBOS_RGW_OWNER_PID=$owner is not a running process"
  (
    while kill -0 "$owner" 2>/dev/null && [ -f "$dir/pids/mon.pid" ]; do sleep 1; done
    [ -f "$dir/pids/mon.pid" ] && bash "$0" stop "$dir"
  ) </dev/null >/dev/null 2>&1 &
}

do_start() {
  umask 077  # the directory holds the secret key (env, user-create.out)
  local start_ns
  start_ns=$(date +%s%N)
  for tool in ceph-mon ceph-osd radosgw radosgw-admin ceph monmaptool s3 python3 timeout; do
    command -v "$tool" >/dev/null || die "$tool is not installed (run scripts/install-deps.sh)"
  done
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [ -z "$(ls -A "$dir")" ] || die "$dir is not empty"
  mkdir -p "$dir"/{mon,osd,run,log,pids,rgw}

  local fsid mon_port osd_uuid
  fsid=$(python3 -c 'import uuid; print(uuid.uuid4())')
  osd_uuid=$(python3 -c 'import uuid; print(uuid.uuid4())')
  mon_port=$(free_port)
  rgw_port=$(free_port)
  while [ "$rgw_port" = "$mon_port" ]; do rgw_port=$(free_port); done
  access_key=KVBOSTEST$(python3 -c 'import secrets; print(secrets.token_hex(6).upper())')
  secret_key=$(python3 -c 'import secrets; print(secrets.token_urlsafe(30))')
  bucket=${KVBOS_RGW_BUCKET:-kvbos-test}

  cat >"$dir/ceph.conf" <<EOF
# Throwaway test cluster written by tests/s3/rgw.sh; loopback only.
[global]
fsid = $fsid
mon_host = v2:127.0.0.1:$mon_port
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
ms_bind_msgr1 = false
ms_bind_msgr2 = true
ms_bind_ipv6 = false
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
# Without cephx there is no session key: every connection mode must be crc (radosgw would
# otherwise insist on "secure" towards the monitor and never authenticate).
ms_mon_client_mode = crc
ms_mon_service_mode = crc
ms_mon_cluster_mode = crc
ms_client_mode = crc
ms_service_mode = crc
ms_cluster_mode = crc
keyring = $dir/keyring
run_dir = $dir/run
admin_socket = $dir/run/\$name.asok
log_file = $dir/log/\$name.log
pid_file =
mon_data = $dir/mon/\$name
osd_data = $dir/osd/\$name
rgw_data = $dir/rgw/\$name
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
mon_allow_pool_size_one = true
mon_max_pg_per_osd = 1000
osd_crush_chooseleaf_type = 0
paxos_propose_interval = 0.1
mon_warn_on_pool_no_redundancy = false
osd_objectstore = memstore
memstore_device_bytes = ${KVBOS_RGW_MEMSTORE_BYTES:-2147483648}
crash_dir = $dir/run/crash

[client]
rgw_frontends = beast endpoint=127.0.0.1:$rgw_port tcp_nodelay=1
rgw_enable_lc_threads = false
rgw_dns_name = localhost
EOF
  : >"$dir/keyring"

  # Monitor: a one-monitor map, mkfs, then the daemon.
  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" \
    "$dir/monmap" >"$dir/log/monmaptool.out" 2>&1 || fail "monmaptool failed"
  ceph-mon -c "$dir/ceph.conf" --mkfs -i a --monmap "$dir/monmap" \
    >"$dir/log/mon-mkfs.out" 2>&1 || fail "ceph-mon --mkfs failed"
  start_daemon mon ceph-mon -f -c "$dir/ceph.conf" -i a
  wait_for "the monitor" ceph_cli mon stat

  # OSD 0 on memstore.
  ceph_cli osd new "$osd_uuid" >"$dir/log/osd-new.out" 2>&1 || fail "ceph osd new failed"
  mkdir -p "$dir/osd/osd.0"
  ceph-osd -c "$dir/ceph.conf" -i 0 --mkfs --osd-uuid "$osd_uuid" \
    >"$dir/log/osd-mkfs.out" 2>&1 || fail "ceph-osd --mkfs failed"
  start_daemon osd ceph-osd -f -c "$dir/ceph.conf" -i 0
  wait_for "the OSD" osd_up

  # Gateway, its user, the bucket.
  start_daemon rgw radosgw -f -c "$dir/ceph.conf" -n client.rgw
  wait_for "the gateway on 127.0.0.1:$rgw_port" rgw_listening
  timeout 60 radosgw-admin -c "$dir/ceph.conf" user create --uid=kvbos-test \
    --display-name="kvbos test" --access-key="$access_key" --secret-key="$secret_key" \
    >"$dir/log/user-create.out" 2>&1 || fail "radosgw-admin user create failed"
  create_bucket

  cat >"$dir/env" <<EOF
KVBOS_RGW_DIR=$dir
KVBOS_S3_ENDPOINT=http://127.0.0.1:$rgw_port
KVBOS_S3_BUCKET=$bucket
AWS_ACCESS_KEY_ID=$access_key
AWS_SECRET_ACCESS_KEY=$secret_key
EOF
  if [ -n "${KVBOS_RGW_OWNER_PID:-}" ]; then
    start_watchdog "$KVBOS_RGW_OWNER_PID"
  fi
  local ms=$((($(date +%s%N) - start_ns) / 1000000))
  echo "rgw.sh: gateway ready at http://127.0.0.1:$rgw_port, bucket $bucket, in $ms ms" >&2
  echo "$dir/env"
}

# The gateway's request lines: `beast: 0x...: 127.0.0.1 - user [date] "GET /b/k HTTP/1.1" 206
# len - "agent" bytes=0-9 latency=...`.
request_lines() {
  local method=${1:-} path_re=${2:-}
  local log="$dir/log/client.rgw.log"
  [ -f "$log" ] || die "no gateway log at $log"
  grep -E ' beast: ' "$log" | grep -E "\"${method:-[A-Z]+} ${path_re:-[^ ]*}[^ ]* HTTP/" || true
}

case "$cmd" in
  start) do_start ;;
  stop)
    [ -d "$dir" ] || die "no such directory: $dir"
    dir=$(cd "$dir" && pwd)
    stop_daemons
    ;;
  stop-gateway)
    dir=$(cd "$dir" && pwd)
    stop_daemons rgw
    ;;
  start-gateway)
    dir=$(cd "$dir" && pwd)
    rgw_port=$(sed -n 's/^rgw_frontends = beast endpoint=127.0.0.1:\([0-9]*\) .*/\1/p' "$dir/ceph.conf")
    [ -n "$rgw_port" ] || die "no gateway port in $dir/ceph.conf"
    if [ -f "$dir/pids/rgw.pid" ] && is_ours rgw "$(cat "$dir/pids/rgw.pid")"; then
      die "the gateway is already running"
    fi
    start_daemon rgw radosgw -f -c "$dir/ceph.conf" -n client.rgw
    wait_for "the gateway on 127.0.0.1:$rgw_port" rgw_listening
    ;;
  requests)
    dir=$(cd "$dir" && pwd)
    request_lines "${1:-}" "${2:-}"
    ;;
  count)
    dir=$(cd "$dir" && pwd)
    if [ "${3:-}" = range ]; then
      request_lines "${1:-}" "${2:-}" | grep -c ' bytes=[0-9]' || true
    else
      request_lines "${1:-}" "${2:-}" | grep -c . || true
    fi
    ;;
  *) usage ;;
esac
