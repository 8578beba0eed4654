#!/usr/bin/env bash
# statfs (df): the size comes from the pool's real capacity, the use grows when data is
# written and fsync'ed, and df works on a fresh and on a remounted pool.
source "$(dirname "$0")/lib.sh"

make_pool 256M
kvbos_mount
read -r size used avail < <(df -B1 --output=size,used,avail "$MNT" | tail -n 1)
log "fresh 256 MiB pool: size $size, used $used, avail $avail"
pool=$((256 * 1024 * 1024))
[ "$size" -le "$pool" ] || fail "df size $size is larger than the pool ($pool)"
[ "$size" -ge $((pool / 2)) ] || fail "df size $size is less than half the pool ($pool)"
[ "$avail" -ge $((pool / 2)) ] || fail "df avail $avail on a fresh pool is less than half of it"
[ "$avail" -le "$size" ] || fail "df avail $avail > size $size"

dd if=/dev/urandom of="$MNT/blob" bs=1M count=32 conv=fsync status=none
read -r size2 used2 avail2 < <(df -B1 --output=size,used,avail "$MNT" | tail -n 1)
log "after 32 MiB: size $size2, used $used2, avail $avail2"
assert_eq "$size2" "$size" "df size after writing"
[ $((avail - avail2)) -ge $((24 * 1024 * 1024)) ] || fail "avail fell by $((avail - avail2)) bytes after writing 32 MiB"
[ $((used2 - used)) -ge $((24 * 1024 * 1024)) ] || fail "used grew by $((used2 - used)) bytes after writing 32 MiB"
stat -f -c '%n: blocks %b bsize %S free %f avail %a files %c ffree %d namelen %l' "$MNT"
assert_eq "$(stat -f -c %l "$MNT")" 255 "maximum name length reported by statfs"

kvbos_remount
read -r size3 used3 avail3 < <(df -B1 --output=size,used,avail "$MNT" | tail -n 1)
assert_eq "$size3" "$size" "df size after remount"
[ "$used3" -ge $((used2 - 4 * 1024 * 1024)) ] || fail "used fell from $used2 to $used3 across the remount"
kvbos_unmount
