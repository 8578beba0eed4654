#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (.ci/run calls this file):
#   1. install the Debian packages (scripts/install-deps.sh, idempotent),
#   2. build into build/ and run every CTest test there: the engine's and the file system's
#      GoogleTest units, and the integration tests (tests/integration/*.sh, real FUSE mounts
#      of kvbosfs driven with cp, tar, rsync, git, ... and a kill -9 crash test),
#   3. build again with AddressSanitizer + UBSan into build-asan/ and run the units there.
# Exits non-zero if anything failed; runs the sanitizer pass even after a failure in step 2.
# Environment: KVBOS_JOBS (build parallelism, default 2), KVBOS_SANITIZE_TESTS=0 skips step 3,
# KVBOS_ASAN_INTEGRATION=1 also runs the integration tests (but the /usr/include copy) against
# the sanitizer build of kvbosfs.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${KVBOS_JOBS:-2}
start=$(date +%s)
stamp() { echo "=== $* ($(( $(date +%s) - start )) s)"; }

stamp "install packages"
bash scripts/install-deps.sh

stamp "build (build/)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$jobs"

status=0
stamp "tests: units and integration (build/)"
ctest --test-dir build --output-on-failure || status=1

if [ "${KVBOS_SANITIZE_TESTS:-1}" = 1 ]; then
  stamp "build with AddressSanitizer + UBSan (build-asan/)"
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DKVBOS_SANITIZE=ON
  cmake --build build-asan -j"$jobs"
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
  stamp "tests: units under ASan/UBSan (build-asan/)"
  if [ "${KVBOS_ASAN_INTEGRATION:-0}" = 1 ]; then
    ctest --test-dir build-asan --output-on-failure -E 'integration\.usr-include' || status=1
  else
    ctest --test-dir build-asan --output-on-failure -LE integration || status=1
  fi
fi

stamp "done: $([ $status -eq 0 ] && echo 'all tests passed' || echo 'SOME TESTS FAILED')"
exit $status
