#!/usr/bin/env bash
# Install every Debian 12 package kvbos needs to build, run, test and benchmark.
# Idempotent: when everything is already installed it does nothing (no apt-get update).
# Works as root, or as a user with sudo.
set -euo pipefail

PACKAGES=(
  # build
  g++ cmake make pkg-config git
  libfuse3-dev libpmem2-dev libxxhash-dev libcli11-dev libspdlog-dev libgtest-dev nlohmann-json3-dev
  # run
  fuse3
  # object store: libs3 (the S3 client library and its `s3` command-line tool)
  libs3-dev libs3-2
  # integration tests and benchmarks (shell tools driven against a real mount)
  rsync tar diffutils procps psmisc attr coreutils util-linux findutils grep sed
  # S3 tests: a throwaway single-node Ceph cluster with the RADOS Gateway on loopback
  ceph-mon ceph-osd radosgw ceph-common python3
  # man pages: mandoc lints them (mandoc -Tlint) and renders them for the --help comparison
  mandoc
)

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "install-deps.sh: not root and sudo is not available; install these packages: ${PACKAGES[*]}" >&2
    exit 1
  fi
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps.sh: all ${#PACKAGES[@]} packages already installed"
else
  echo "install-deps.sh: installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Refresh the package lists only when there are none yet or an install from them fails.
  if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
    "${SUDO[@]}" apt-get update -q
  fi
  if ! "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"; then
    "${SUDO[@]}" apt-get update -q
    "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
fi

# FUSE needs the device node; in some containers the module is there but the node is not.
if [ ! -e /dev/fuse ]; then
  "${SUDO[@]}" modprobe fuse 2>/dev/null || true
  [ -e /dev/fuse ] || "${SUDO[@]}" mknod -m 0666 /dev/fuse c 10 229 2>/dev/null || true
fi
if [ ! -e /dev/fuse ]; then
  echo "install-deps.sh: /dev/fuse is missing; FUSE mounts will not work on this machine" >&2
  exit 1
fi
