#!/usr/bin/env bash
# A first look at kvbos: installs the packages, builds, creates a 1 GiB pool, mounts it on
# /mnt/kvbos, copies real files in and shows them. Safe to run again: an existing pool is
# reused and a live mount is kept (a dead one is detached and mounted again).
# Environment: KVBOS_DEMO_POOL (default /var/tmp/kvbos-demo.pool), KVBOS_DEMO_MNT (/mnt/kvbos).
set -euo pipefail
cd "$(dirname "$0")/.."
POOL=${KVBOS_DEMO_POOL:-/var/tmp/kvbos-demo.pool}
MNT=${KVBOS_DEMO_MNT:-/mnt/kvbos}
DATA=/usr/include/linux

is_mounted() { awk -v m="$MNT" '$5 == m { f = 1 } END { exit !f }' /proc/self/mountinfo; }
fstype() { awk -v m="$MNT" '$5 == m { for (i = 6; i <= NF; i++) if ($i == "-") { print $(i + 1); exit } }' /proc/self/mountinfo; }

echo "== installing packages and building"
bash scripts/install-deps.sh
cmake -S . -B build >/dev/null
cmake --build build -j2
BIN=$PWD/build/bin

mkdir -p "$MNT"
MNT=$(realpath "$MNT")
if is_mounted; then
  case $(fstype) in
    fuse.kvbos*|fuse)
      if timeout 5 stat "$MNT" >/dev/null 2>&1; then
        echo "== $MNT is already mounted ($(fstype)); using it"
      else
        echo "== $MNT is mounted but its daemon is gone; detaching it"
        fusermount3 -uz "$MNT"
      fi ;;
    *) echo "demo.sh: $MNT is already a mount point of type $(fstype); pick another with KVBOS_DEMO_MNT" >&2
       exit 1 ;;
  esac
fi

if ! is_mounted; then
  if [ -e "$POOL" ]; then
    echo "== reusing the pool $POOL"
  else
    echo "== creating a 1 GiB pool: mkfs.kvbos --size 1G $POOL"
    "$BIN/mkfs.kvbos" --size 1G "$POOL"
  fi
  echo "== mounting: kvbosfs $POOL $MNT"
  "$BIN/kvbosfs" "$POOL" "$MNT"
  for _ in $(seq 100); do is_mounted && break; sleep 0.1; done
  is_mounted || { echo "demo.sh: kvbosfs returned but $MNT is not mounted" >&2; exit 1; }
fi

echo "== copying $DATA into the mount: cp -a $DATA $MNT/"
time cp -a "$DATA" "$MNT/"
echo "== ls -l $MNT/linux | head"
ls -l "$MNT/linux" | head || true   # head closes the pipe early (SIGPIPE)
echo "== the copy is byte-identical: diff -r $DATA $MNT/linux"
diff -r "$DATA" "$MNT/linux" && echo "identical ($(find "$MNT/linux" -type f | wc -l) files)"
echo "== write, read, rename, remove"
echo "hello from kvbos" >"$MNT/hello.txt"
cat "$MNT/hello.txt"
mv "$MNT/hello.txt" "$MNT/hello-renamed.txt" && ls -l "$MNT/hello-renamed.txt"
rm "$MNT/hello-renamed.txt"
echo "== df -h $MNT"
df -h "$MNT"
echo "== the daemon's live counters: kvbos stat $MNT (excerpt)"
"$BIN/kvbos" stat "$MNT" | sed -n '/^files:/,/^operations:/p' | head -n 4
cat <<MSG

kvbos is mounted on $MNT (pool: $POOL). Use it with any shell tool.
Unmount with:        fusermount3 -u $MNT
Mount again with:    $BIN/kvbosfs $POOL $MNT
MSG
