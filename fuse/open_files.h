// Open-file state: what kvbosfs keeps in memory while a file is open.
//
// Several opens of one path share one OpenFile (the content's extent list,
// its attributes and whether they differ from the stored key record). The
// state lives only while some handle is open; nothing is held per inode and
// no OS resource is held per file.
//
// Locking (see also Filesystem):
//   - OpenFile::mu guards extents, attrs, dirty and unlinked. Readers take it
//     shared, writers exclusive: readers and writers of different files never
//     wait for each other.
//   - OpenFile::key is changed only by rename, under the Filesystem's namespace
//     lock held exclusively and the table's mutex; it may be read under either.
//   - OpenFileTable's mutex guards only the map and the handle counts; it is
//     never held while reading or writing a file's content.
// Lock order: namespace lock, then table mutex, then OpenFile::mu.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/extent_list.h"
#include "core/record.h"

namespace kvbosfs {

struct OpenFile {
  std::string key;  // the file's key ("a/b.txt"); see the locking rules above

  std::shared_mutex mu;
  kvbos::ExtentList extents;  // content, including writes not yet in a key record
  kvbos::Attributes attrs;    // current attributes; attrs.size is the file size
  bool dirty = false;         // extents/attrs differ from the stored key record
  bool unlinked = false;      // unlinked or replaced: never write its record again

  int handles = 0;  // open handles; guarded by the table's mutex
};

// One open(2) of a file: what FUSE's fi->fh points at.
struct FileHandle {
  std::shared_ptr<OpenFile> file;  // null for the live statistics file
  int flags = 0;  // open(2) flags (O_APPEND, O_ACCMODE)
  std::string stats;  // the statistics file: its JSON text as of open
};

// Path-keyed table of open files. Thread-safe.
class OpenFileTable {
 public:
  // Returns the state of `key` with one more handle counted, creating it with
  // `load` (called with the table mutex held: keep it short) when the file is
  // not open yet. Returns load's negative errno on failure.
  int Acquire(const std::string& key, const std::function<int(OpenFile*)>& load,
              std::shared_ptr<OpenFile>* out);
  // Drops one handle; forgets the state after the last one.
  void Release(const std::shared_ptr<OpenFile>& file);
  // The open state of `key`, or null when it is not open.
  std::shared_ptr<OpenFile> Find(std::string_view key) const;
  // Removes `key` from the table and marks it unlinked (unlink, or replaced by
  // a rename): its open handles keep working on the orphaned state.
  void Detach(std::string_view key);
  // Marks `key` unlinked and files it under `new_key` (an in-memory-only name
  // for an unlinked open file; see Filesystem::HideOpenFile). Caller holds
  // the namespace lock exclusively.
  void Orphan(std::string_view key, const std::string& new_key);
  // Renames entries: every key for which new_key_of returns a value moves to
  // it. Caller holds the namespace lock exclusively.
  void Rekey(const std::function<std::optional<std::string>(const std::string&)>& new_key_of);
  // Every open file, for periodic and final write-back.
  std::vector<std::shared_ptr<OpenFile>> All() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<OpenFile>, std::less<>> files_;  // GUARDED_BY(mu_)
};

}  // namespace kvbosfs
