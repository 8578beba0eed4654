#!/usr/bin/env bash
# Runs a test binary against a throwaway RADOS Gateway on loopback (tests/s3/rgw.sh):
#   run-rgw-test.sh BINARY [ARGS...]
# starts the cluster under a temporary directory, runs BINARY with the gateway's endpoint,
# bucket and credentials in the environment (KVBOS_S3_ENDPOINT, KVBOS_S3_BUCKET,
# AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, KVBOS_RGW_DIR, KVBOS_RGW_SH), and always stops
# the cluster and removes the directory, whatever happens (keep the directory, logs included,
# with KVBOS_RGW_KEEP=1). The binary is killed after KVBOS_RGW_TEST_TIMEOUT seconds (540).
# Exits with the binary's status.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 BINARY [ARGS...]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
rgw_sh=$here/rgw.sh
dir=$(mktemp -d "${TMPDIR:-/tmp}/kvbos-rgw.XXXXXX")

cleanup() {
  bash "$rgw_sh" stop "$dir" || true
  if [ "${KVBOS_RGW_KEEP:-0}" = 1 ]; then
    echo "run-rgw-test.sh: kept $dir" >&2
  else
    rm -rf "$dir"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

env_file=$(KVBOS_RGW_OWNER_PID=$$ bash "$rgw_sh" start "$dir")
set -a
# shellcheck disable=SC1090
. "$env_file"
set +a
export KVBOS_RGW_SH=$rgw_sh
# Our own watchdog fires before CTest's (600 s), so that the trap still stops the cluster.
status=0
timeout --kill-after=10 "${KVBOS_RGW_TEST_TIMEOUT:-540}" "$@" || status=$?
exit $status
