// DirCursor: one directory's listing, read an entry at a time, so that a
// readdir request can stop when the kernel's buffer is full and the next
// request resume where it stopped (no full listing built per opendir).
//
// Entries come in key order: ".", "..", then each child once; a
// subdirectory's contents are skipped with one seek, never visited. The
// listing reads the engine snapshot taken when the cursor was made (see
// kvbos::Iterator): names created or removed after that may or may not
// appear, as POSIX allows for readdir.
//
// Thread-safety: one thread at a time (the owner serialises).
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/engine.h"

namespace kvbosfs {

class DirCursor {
 public:
  // `it` iterates the engine; `prefix` is the directory's stored key ("a/b/",
  // "" for the root). Positions at ".".
  DirCursor(std::unique_ptr<kvbos::Iterator> it, std::string prefix);

  // True while an entry is current.
  bool Valid() const { return valid_; }
  // The current entry's name; valid until Next(). Valid() must hold.
  std::string_view name() const { return name_; }
  // The current entry's type bits (S_IFDIR, S_IFREG, ...). Valid() must hold.
  mode_t type() const { return type_; }
  // Entries before the current one (0 at "."): a stable offset for readdir.
  uint64_t position() const { return position_; }
  // Moves to the next entry.
  void Next();
  // 0, or a negative errno when the engine failed during the listing (then
  // Valid() is false).
  int status() const;

 private:
  // Makes the engine's current record (or the next one that names a child)
  // the current entry.
  void Settle();

  std::unique_ptr<kvbos::Iterator> it_;
  const std::string prefix_;
  bool valid_ = true;
  bool in_children_ = false;  // past "." and ".."
  bool is_subdir_ = false;    // current entry stands for a subtree "name/..."
  std::string_view name_ = ".";
  mode_t type_ = S_IFDIR;
  uint64_t position_ = 0;
};

}  // namespace kvbosfs
