// DirStore: the `file:` object store backend, a local directory holding one
// file per object under the object's name ("values/0x0000000000400000" is
// DIR/values/0x0000000000400000; the subdirectories are created as needed).
//
// Put writes a temporary file next to the object, fsyncs it, renames it over
// the object and fsyncs the directory: an object is either the old or the new
// bytes, and durable once Put returns Ok. Reads use pread.
//
// Errors: NotFound (no such object), Corruption (the object ends before the
// requested range), InvalidArgument (a malformed name such as "../x", or
// permission denied), ReadOnly (a read-only file system), IOError (anything
// else the OS refuses, e.g. a full disk: the caller may try again later).
//
// Thread-safety: every method may be called from many threads at once; a
// reader sees either the whole old or the whole new object.
#pragma once

#include <memory>
#include <string>

#include "core/object_store.h"

namespace kvbos {

class DirStore final : public ObjectStore {
 public:
  // Opens the store rooted at `directory`, which must exist and be a
  // directory (InvalidArgument otherwise, with the path in the message).
  static Status Open(const std::string& directory, std::unique_ptr<DirStore>* store);

  Status Put(std::string_view name, std::string_view bytes) override;
  Status Get(std::string_view name, std::string* bytes) override;
  Status GetRange(std::string_view name, uint64_t offset, uint64_t length, char* out) override;
  Status Head(std::string_view name, uint64_t* size) override;
  Status Delete(std::string_view name) override;
  // "file:/the/directory".
  std::string Describe() const override;

 private:
  explicit DirStore(std::string root) : root_(std::move(root)) {}
  // The path of object `name`, or InvalidArgument for a name that is empty,
  // absolute, or has an empty, "." or ".." component.
  Status PathOf(std::string_view name, std::string* path) const;
  // Creates the missing directories between root_ and `path`'s parent,
  // fsyncing each parent so that the new entries are durable.
  Status MakeParents(const std::string& path) const;

  const std::string root_;  // absolute, no trailing '/'
};

}  // namespace kvbos
