// ObjectStore: the cold tier's object interface, declared by core and
// implemented outside it (s3/: libs3 against an S3-compatible server, and a
// local directory). core never includes libs3 or anything of the network.
//
// An object store holds whole immutable-looking objects under names such as
// "values/0x0000000000400000" (DESIGN.md, "The object store tier"). kvbos
// uses only PUT, GET, range GET, HEAD and DELETE; nothing relies on listing.
//
// Errors (Status):
//   NotFound      the object does not exist (404, or no such file)
//   Corruption    the server answered with fewer bytes than asked for
//   IOError       the server could not be reached, or kept failing (5xx,
//                 timeouts, refused connections) after the backend's own
//                 retries; the caller may try again later
//   InvalidArgument / ReadOnly  refused for good (403 bad credentials,
//                 400 missing bucket, a read-only directory): retrying
//                 will not help
// Messages name the object and the server but never a credential.
//
// Thread-safety: every method may be called from many threads at once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace kvbos {

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // Stores `bytes` under `name`, replacing any object of that name. When it
  // returns Ok the object is durable in the store (the "confirmed upload").
  virtual Status Put(std::string_view name, std::string_view bytes) = 0;
  // Reads the whole object into *bytes.
  virtual Status Get(std::string_view name, std::string* bytes) = 0;
  // Reads `length` bytes at byte `offset` of the object into `out` (one
  // range GET). Corruption when the object ends before offset + length.
  virtual Status GetRange(std::string_view name, uint64_t offset, uint64_t length,
                          char* out) = 0;
  // The object's size in bytes, or NotFound.
  virtual Status Head(std::string_view name, uint64_t* size) = 0;
  // Removes the object; removing an absent object is not an error.
  virtual Status Delete(std::string_view name) = 0;
  // Where the objects live, for log lines and errors, without credentials
  // (e.g. "s3://bucket/prefix at http://127.0.0.1:7480", "file:/srv/objs").
  virtual std::string Describe() const = 0;
};

}  // namespace kvbos
