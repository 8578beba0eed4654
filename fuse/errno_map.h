// The one place where an engine Status becomes an errno (see core/status.h).
#pragma once

#include "core/status.h"

namespace kvbosfs {

// 0 for ok, otherwise a negative errno: NotFound -ENOENT, NoSpace -ENOSPC,
// ReadOnly -EROFS, Corruption/IOError/VersionMismatch -EIO (logged, with the
// message, since the shell user only sees "Input/output error"),
// TooLarge -EXDEV (so mv falls back to copy+delete), InvalidArgument
// -EINVAL, Busy -EBUSY. Thread-safe.
int ErrnoFromStatus(const kvbos::Status& status);

}  // namespace kvbosfs
