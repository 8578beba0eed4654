// Status: the result of every engine operation that can fail.
//
// The engine never throws; every fallible call returns a Status (LevelDB's
// pattern), checked by the caller. The FUSE layer maps each Code to one errno
// (see fuse/errno_map.h); nothing else in the code base turns a Status into
// an errno.
//
// Thread-safety: a Status is a value; copies are independent.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace kvbos {

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk = 0,
    kNotFound,         // key absent or deleted (tombstone)
    kCorruption,       // a checksum, magic or pointer check failed
    kIOError,          // the OS refused (open, map, persist)
    kNoSpace,          // the pool has no room for another block or record
    kInvalidArgument,  // the caller passed something malformed
    kReadOnly,         // the engine was opened read-only, or went read-only after an error
    kTooLarge,         // a batch does not fit in one key block
    kBusy,             // another process holds the pool
    kVersionMismatch,  // the pool was made by another format version
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status NotFound(std::string_view msg = {}) { return Status(Code::kNotFound, msg); }
  static Status Corruption(std::string_view msg) { return Status(Code::kCorruption, msg); }
  static Status IOError(std::string_view msg) { return Status(Code::kIOError, msg); }
  static Status NoSpace(std::string_view msg) { return Status(Code::kNoSpace, msg); }
  static Status InvalidArgument(std::string_view msg) { return Status(Code::kInvalidArgument, msg); }
  static Status ReadOnly(std::string_view msg) { return Status(Code::kReadOnly, msg); }
  static Status TooLarge(std::string_view msg) { return Status(Code::kTooLarge, msg); }
  static Status Busy(std::string_view msg) { return Status(Code::kBusy, msg); }
  static Status VersionMismatch(std::string_view msg) { return Status(Code::kVersionMismatch, msg); }

  bool ok() const { return code_ == Code::kOk; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "NotFound: message" style text for logs and error lines.
  std::string ToString() const;

 private:
  Status(Code code, std::string_view msg) : code_(code), message_(msg) {}
  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace kvbos

// Returns early from the enclosing function when `expr` is not ok.
#define KVBOS_RETURN_IF_ERROR(expr)          \
  do {                                       \
    ::kvbos::Status _kvbos_s = (expr);       \
    if (!_kvbos_s.ok()) return _kvbos_s;     \
  } while (0)
