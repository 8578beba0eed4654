#include "fuse/errno_map.h"

#include <cerrno>

#include <spdlog/spdlog.h>

namespace kvbosfs {

int ErrnoFromStatus(const kvbos::Status& status) {
  using Code = kvbos::Status::Code;
  switch (status.code()) {
    case Code::kOk: return 0;
    case Code::kNotFound: return -ENOENT;
    case Code::kNoSpace: return -ENOSPC;
    case Code::kReadOnly: return -EROFS;
    case Code::kTooLarge: return -EXDEV;
    case Code::kInvalidArgument: return -EINVAL;
    case Code::kBusy: return -EBUSY;
    case Code::kCorruption:
    case Code::kIOError:
    case Code::kVersionMismatch:
      break;
  }
  spdlog::error("I/O error: {}", status.ToString());
  return -EIO;
}

}  // namespace kvbosfs
