// The libfuse binding: one fuse_operations table whose handlers call
// Filesystem. Every handler catches every exception (-EIO, or -ENOMEM), so
// none crosses into libfuse.
#pragma once

#define FUSE_USE_VERSION 31
#include <fuse.h>

#include "fuse/filesystem.h"

namespace kvbosfs {

// What fuse_main's user_data points at for the mount's lifetime.
struct MountContext {
  Filesystem* fs = nullptr;
  Caller owner;              // the mounting user: owns a newly made root
  int init_error = 0;        // negative errno from Filesystem::Init, if any
  int shutdown_error = 0;    // negative errno from Filesystem::Shutdown, if any
};

// The operations table (static storage; pass to fuse_main).
const fuse_operations& Operations();

}  // namespace kvbosfs
