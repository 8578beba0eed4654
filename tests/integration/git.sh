#!/usr/bin/env bash
# git inside the mount: init, add, commit, fsck; a second commit, branch, checkout, status,
# log, gc/repack, clone inside the mount (git falls back from hard links to copies), fsck again
# after a remount.
source "$(dirname "$0")/lib.sh"

export HOME=$KT_TMP GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_DATE='2020-01-01T00:00:00Z' GIT_COMMITTER_DATE='2020-01-01T00:00:00Z'
G=(git -c user.name=kvbos-test -c user.email=test@kvbos.invalid -c init.defaultBranch=main -c gc.auto=0)
make_pool 256M
kvbos_mount
R=$KT_FAST/ref
make_tree "$R/work" 200

run_ok "${G[@]}" init -q "$MNT/repo"
cp -a "$R/work/." "$MNT/repo/"
cd "$MNT/repo"
run_ok "${G[@]}" add -A
run_ok "${G[@]}" commit -q -m "first commit"
out=$("${G[@]}" fsck --full --strict 2>&1) || fail "git fsck failed: $out"
[ -z "$(grep -v -e '^Checking' -e '^dangling' <<<"$out")" ] || fail "git fsck reports: $out"
assert_eq "$("${G[@]}" status --porcelain)" "" "git status after commit"
assert_eq "$("${G[@]}" rev-list --count HEAD)" 1 "commits"
log "ok: git init/add/commit/fsck"

# The same tree committed outside the mount gives the same tree hash.
"${G[@]}" init -q "$KT_FAST/ref-repo"
cp -a "$R/work/." "$KT_FAST/ref-repo/"
(cd "$KT_FAST/ref-repo" && "${G[@]}" add -A && "${G[@]}" commit -q -m "first commit")
assert_eq "$("${G[@]}" rev-parse HEAD^{tree})" "$(cd "$KT_FAST/ref-repo" && "${G[@]}" rev-parse HEAD^{tree})" "tree hash vs the same commit on tmpfs"
assert_eq "$("${G[@]}" rev-parse HEAD)" "$(cd "$KT_FAST/ref-repo" && "${G[@]}" rev-parse HEAD)" "commit hash vs tmpfs"

# Second commit with a modification, a removal and a rename; a branch and checkouts.
echo "changed" >>"a/b/c/d/e/deep.txt"
"${G[@]}" rm -q -r d6
"${G[@]}" mv "name with spaces.txt" renamed.txt
run_ok "${G[@]}" commit -q -a -m "second commit"
run_ok "${G[@]}" checkout -q -b side HEAD~1
[ -d d6 ] || fail "checkout of the first commit did not bring d6 back"
[ "$(cat a/b/c/d/e/deep.txt)" = "hello kvbos" ] || fail "checkout of the first commit: wrong deep.txt"
run_ok "${G[@]}" checkout -q main
[ ! -e d6 ] || fail "checkout main left d6"
assert_eq "$("${G[@]}" log --format=%s | tr '\n' ,)" "second commit,first commit," "git log"
assert_eq "$("${G[@]}" status --porcelain)" "" "git status after checkouts"
run_ok "${G[@]}" gc -q --aggressive
run_ok "${G[@]}" fsck --full --strict
log "ok: second commit, branch, checkout, gc"

# Clone inside the mount: git tries link(2), gets EPERM, and copies instead.
cd "$MNT"
run_ok "${G[@]}" clone -q repo clone
assert_eq "$(cd clone && "${G[@]}" rev-parse HEAD)" "$(cd repo && "${G[@]}" rev-parse HEAD)" "HEAD of the clone"
run_ok "${G[@]}" -C clone fsck --full --strict
cd /

kvbos_remount
run_ok "${G[@]}" -C "$MNT/repo" fsck --full --strict
assert_eq "$("${G[@]}" -C "$MNT/repo" status --porcelain)" "" "git status after remount"
run_ok "${G[@]}" -C "$MNT/clone" fsck --full --strict
log "ok: repository intact after remount"
kvbos_unmount
