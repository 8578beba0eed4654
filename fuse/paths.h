// Paths and keys: how kvbosfs names things in the engine.
//
//   file, symlink, device   "a/b/c.txt"        (path without its leading '/')
//   directory               "a/b/"             (ends with '/'; the root is "")
//   extended attribute      "\0x" + object key + '\0' + name, where the
//                           object key is the file key or the directory key
//                           ("\0xa/b/\0user.tag"); the root's is "\0x\0name".
// Keys that start with '\0' are internal: readdir never shows them.
//
// In this file a "key" without qualification is the path's key without any
// trailing '/' ("a/b"); DirKey() adds the '/'. All functions are pure.
#pragma once

#include <string>
#include <string_view>

namespace kvbosfs {

inline constexpr size_t kMaxNameLength = 255;  // bytes per path component (NAME_MAX)

// 0 when `path` is absolute and every component fits kMaxNameLength;
// -ENAMETOOLONG or -EINVAL (not absolute) otherwise; -EPERM for the live
// statistics file (IsStatsPath), which no operation but getattr, open, read
// and fsync may touch.
int CheckPath(std::string_view path);

// True for "/.kvbos.stats" (kStatsFileName at the root; fuse/stats_json.h).
bool IsStatsPath(std::string_view path);

// "/a/b" -> "a/b"; "/" -> "". `path` must have passed CheckPath.
std::string KeyOfPath(std::string_view path);

// "a/b" -> "a/b/"; "" (the root) -> "".
std::string DirKey(std::string_view key);

// "a/b/c" -> "a/b"; "a" -> "" (the root). Undefined for the root itself.
std::string ParentKey(std::string_view key);

// True for keys reserved for kvbosfs's own records (they start with '\0').
bool IsInternalKey(std::string_view key);

// The first key after every key that starts with `child + "/"`: child + "0"
// ('0' is '/' + 1). readdir seeks here to skip a subdirectory's contents.
std::string PastSubtree(std::string_view child);

// Key of extended attribute `name` of the object stored under `object_key`
// (a file key or a DirKey()).
std::string XattrKey(std::string_view object_key, std::string_view name);
// Prefix of every xattr key of the object stored under `object_key`.
std::string XattrPrefix(std::string_view object_key);
// Prefix of the xattr keys of every object whose stored key starts with
// `key_prefix` (a directory's own xattrs and those of everything below it).
std::string XattrTreePrefix(std::string_view key_prefix);

}  // namespace kvbosfs
