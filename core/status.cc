#include "core/status.h"

namespace kvbos {

std::string Status::ToString() const {
  const char* name = "OK";
  switch (code_) {
    case Code::kOk: return "OK";
    case Code::kNotFound: name = "not found"; break;
    case Code::kCorruption: name = "corruption"; break;
    case Code::kIOError: name = "I/O error"; break;
    case Code::kNoSpace: name = "no space"; break;
    case Code::kInvalidArgument: name = "invalid argument"; break;
    case Code::kReadOnly: name = "read-only"; break;
    case Code::kTooLarge: name = "too large"; break;
    case Code::kBusy: name = "busy"; break;
    case Code::kVersionMismatch: name = "format version mismatch"; break;
  }
  if (message_.empty()) return name;
  return std::string(name) + ": " + message_;
}

}  // namespace kvbos
