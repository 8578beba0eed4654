// Private pieces shared by the files that implement Filesystem
// (filesystem.cc, file_io.cc, rename.cc, xattrs.cc). Not a public API.
#pragma once

#include <string>

#include "core/engine.h"
#include "fuse/errno_map.h"
#include "fuse/filesystem.h"

namespace kvbosfs {

// What a key names: the logical key ("a/b"), the key its record is stored
// under ("a/b" for a file, "a/b/" for a directory, "" for the root) and the
// record itself.
struct Filesystem::Node {
  std::string key;
  std::string record_key;
  kvbos::Record record;

  bool is_dir() const { return S_ISDIR(record.attrs.mode); }
};

// Shorthand for the one Status->errno mapping (fuse/errno_map.h).
inline int Errno(const kvbos::Status& s) { return ErrnoFromStatus(s); }

// True when `key` starts with `prefix`.
inline bool HasPrefix(std::string_view key, std::string_view prefix) {
  return key.substr(0, prefix.size()) == prefix;
}

}  // namespace kvbosfs
