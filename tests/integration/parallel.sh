#!/usr/bin/env bash
# Concurrency (the daemon is multi-threaded): 8 writers in parallel, each its own directory of
# files, while 4 readers re-read a shared set of files and 2 listers walk the tree; every byte
# compared afterwards and after a remount.
source "$(dirname "$0")/lib.sh"

make_pool 512M
kvbos_mount
R=$KT_FAST/ref
mkdir -p "$R/shared" "$MNT/shared"
for i in $(seq 1 20); do rand_file "$R/shared/s$i" $((i * 37000)); cp "$R/shared/s$i" "$MNT/shared/s$i"; done
for w in $(seq 1 8); do
  mkdir -p "$R/w$w"
  for i in $(seq 1 25); do rand_file "$R/w$w/f$i" $(((w * 131071 + i * 8191) % 600000)); done
done

pids=()
for w in $(seq 1 8); do
  ( mkdir "$MNT/w$w" && for i in $(seq 1 25); do cp -p "$R/w$w/f$i" "$MNT/w$w/f$i" || exit 1; done ) &
  pids+=($!)
done
for r in $(seq 1 4); do
  ( for pass in 1 2 3; do
      for i in $(seq 1 20); do cmp -s "$R/shared/s$i" "$MNT/shared/s$i" || { echo "reader $r: s$i differs" >&2; exit 1; }; done
    done ) &
  pids+=($!)
done
for l in 1 2; do
  ( for pass in $(seq 1 10); do find "$MNT" -type f >/dev/null || exit 1; done ) &
  pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
[ $failed -eq 0 ] || fail "$failed of ${#pids[@]} parallel workers failed"
for w in $(seq 1 8); do assert_same_tree "$R/w$w" "$MNT/w$w"; done
log "ok: 8 writers, 4 readers, 2 listers in parallel"

# Parallel appends to one file each and parallel creates in one directory.
pids=()
for w in $(seq 1 6); do
  ( for i in $(seq 1 200); do printf 'writer %d line %d\n' "$w" "$i" >>"$MNT/append-$w"; done ) &
  pids+=($!)
  ( for i in $(seq 1 150); do : >"$MNT/shared/c-$w-$i" || exit 1; done ) &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a parallel appender/creator failed"; done
for w in $(seq 1 6); do
  assert_eq "$(wc -l <"$MNT/append-$w")" 200 "lines appended to append-$w"
  assert_eq "$(sed -n 200p "$MNT/append-$w")" "writer $w line 200" "last line of append-$w"
done
assert_eq "$(ls "$MNT/shared" | grep -c '^c-')" 900 "files created in parallel in one directory"

kvbos_remount
for w in $(seq 1 8); do assert_same_tree "$R/w$w" "$MNT/w$w"; done
for i in $(seq 1 20); do assert_same_file "$R/shared/s$i" "$MNT/shared/s$i"; done
assert_eq "$(ls "$MNT/shared" | grep -c '^c-')" 900 "parallel creates after remount"
log "ok: identical after remount"
kvbos_unmount
