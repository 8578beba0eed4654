// `kvbos` subcommands on an unmounted pool: stat, fsck, and direct key-value
// access (get, put, rm, ls). Keys are file-system paths without the leading
// '/' ("a/b.txt"; a directory is "a/b/"), values are file contents: put and
// rm go through the file system's own rules (fuse/filesystem.h), so a pool
// edited with them mounts as it would after cp and rm.
//
// Each function prints its results on stdout, errors as one line
// "kvbos: <what>: <problem>" on stderr, and returns the process exit status:
// 0 success, 1 failure, and for fsck the codes of fsck(8): 0 no errors,
// 1 errors corrected, 4 errors left uncorrected, 8 operational error.
#pragma once

#include <string>

#include "s3/store_config.h"

namespace kvbos {

struct OutputFormat {
  bool json = false;  // one JSON document on stdout instead of text for people
};

// A pool, and the object store it snapshots to (as kvbosfs's -o store=...
// options; empty: the pool alone). With a store, values that left the pool
// are read back from it, and what put and rm change is uploaded before they
// return.
struct PoolTarget {
  std::string pool;
  StoreOptions store;
};

int PoolStat(const PoolTarget& target, const OutputFormat& format);
// With target.store, value units only in the bucket are fetched and checked.
int PoolFsck(const PoolTarget& target, bool repair, const OutputFormat& format);
// Writes the value of `key` to stdout.
int PoolGet(const PoolTarget& target, const std::string& key);
// Stores the bytes of `file` ("-": stdin) under `key`, creating missing
// parent directories (mode 0755) as mkdir -p does; the file gets mode 0644
// and the caller's uid/gid.
int PoolPut(const PoolTarget& target, const std::string& key, const std::string& file);
// Removes `key` (a file, or an empty directory "a/b/").
int PoolRm(const PoolTarget& target, const std::string& key);
// Lists every key starting with `prefix`, in key order: mode, size (bytes),
// mtime and key per line, or a JSON array.
int PoolLs(const PoolTarget& target, const std::string& prefix, const OutputFormat& format);

}  // namespace kvbos
