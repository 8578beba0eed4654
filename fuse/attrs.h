// Conversions between kvbos::Attributes (what a key record carries) and the
// POSIX structures FUSE speaks. Pure functions; thread-safe.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <ctime>

#include "core/record.h"

namespace kvbosfs {

// Nanoseconds since the epoch, from CLOCK_REALTIME.
int64_t NowNs();
int64_t TimespecToNs(const struct timespec& ts);
struct timespec NsToTimespec(int64_t ns);  // floors: works before 1970 too

// Fills *st from attributes (st_ino is left 0: libfuse numbers inodes).
// Directories report 2 links, everything else 1; st_blocks counts 512-byte
// units of the logical size.
void FillStat(const kvbos::Attributes& attrs, struct stat* st);

}  // namespace kvbosfs
