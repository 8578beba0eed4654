#!/usr/bin/env bash
# readdir: a directory of 3,000 entries lists exactly its names (no duplicates, none missing,
# across several getdents batches); grandchildren are not listed; odd names (spaces, UTF-8,
# leading dash, 255 bytes, bytes above 0x7f) round-trip; telldir/seekdir/rewinddir resume right.
source "$(dirname "$0")/lib.sh"

make_pool 128M
kvbos_mount

mkdir "$MNT/many"
for i in $(seq 1 3000); do : >"$MNT/many/entry-$i"; done
seq 1 3000 | sed 's/^/entry-/' | sort >"$KT_FAST/expected"
ls -f "$MNT/many" | grep -v '^\.\.\?$' | sort >"$KT_FAST/got" || true
diff "$KT_FAST/expected" "$KT_FAST/got" >/dev/null || fail "ls -f of 3000 entries: $(diff "$KT_FAST/expected" "$KT_FAST/got" | head -5)"
assert_eq "$(ls -f "$MNT/many" | wc -l)" 3002 "ls -f | wc -l (3000 + . and ..)"
assert_eq "$(ls -a "$MNT/many" | head -2 | tr '\n' ' ')" ". .. " "first entries of ls -a"
assert_eq "$(find "$MNT/many" -mindepth 1 | wc -l)" 3000 "find count"
log "ok: 3000 entries listed exactly once"

# telldir/seekdir and rewinddir: readdir resumes at any offset it handed out, not only the
# next one (the daemon keeps a cursor for the next offset and re-positions for others).
perl -e '
  opendir(my $d, $ARGV[0]) or die "opendir: $!";
  readdir($d) for 1 .. 1000;
  my $pos = telldir($d);
  my @first = map { scalar readdir($d) } 1 .. 1500;
  seekdir($d, $pos);
  my @again = map { scalar readdir($d) } 1 .. 1500;
  "@first" eq "@again" or die "seekdir: a different sequence after seeking back\n";
  rewinddir($d);
  my %seen; my $n = 0;
  while (defined(my $e = readdir($d))) { $n++; $seen{$e}++ }
  $n == 3002 && keys(%seen) == 3002 or die "rewinddir: $n entries, " . keys(%seen) . " distinct\n";
' "$MNT/many" || fail "telldir/seekdir/rewinddir on a 3000-entry directory"
log "ok: seekdir and rewinddir"

# Grandchildren are not children.
mkdir -p "$MNT/p/c1/g1/gg" "$MNT/p/c2"
: >"$MNT/p/c1/g1/gg/leaf"; : >"$MNT/p/c1/file"; : >"$MNT/p/top"; : >"$MNT/p/c2/x"
assert_eq "$(ls "$MNT/p" | tr '\n' ' ')" "c1 c2 top " "ls p (children only)"
assert_eq "$(ls "$MNT/p/c1" | tr '\n' ' ')" "file g1 " "ls p/c1"
assert_eq "$(cd "$MNT/p" && find . | sort | tr '\n' ' ')" ". ./c1 ./c1/file ./c1/g1 ./c1/g1/gg ./c1/g1/gg/leaf ./c2 ./c2/x ./top " "find p"
assert_eq "$(stat -c %F "$MNT/p/c1") $(stat -c %F "$MNT/p/top")" "directory regular empty file" "types"

# Odd names.
long=$(printf 'n%.0s' $(seq 1 255))
names=("with space" "tab	in" "-leading-dash" "ünïcødé-файл-名前" "$long" "a.b.c" ".hidden" "..dots" "x=y,z;q" "star*?[x]")
mkdir "$MNT/odd"
for n in "${names[@]}"; do printf '%s' "$n" >"$MNT/odd/$n"; done
hi=$(printf 'hi\xff\xfe-bytes')
echo raw >"$MNT/odd/$hi"
for n in "${names[@]}"; do
  assert_eq "$(cat "$MNT/odd/$n")" "$n" "content of the file named '$n'"
done
assert_eq "$(cat "$MNT/odd/$hi")" raw "content of a name with bytes 0xff 0xfe"
assert_eq "$(ls -A "$MNT/odd" | wc -l)" $((${#names[@]} + 1)) "odd names listed"
ls -A "$MNT/odd" | grep -qxF -- "$long" || fail "the 255-byte name is not listed"

kvbos_remount
ls -f "$MNT/many" | grep -v '^\.\.\?$' | sort >"$KT_FAST/got" || true
diff -q "$KT_FAST/expected" "$KT_FAST/got" >/dev/null || fail "3000 entries differ after remount"
for n in "${names[@]}"; do assert_eq "$(cat "$MNT/odd/$n")" "$n" "'$n' after remount"; done
log "ok: listings survived the remount"
kvbos_unmount
