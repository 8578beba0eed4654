#include "fuse/attrs.h"

#include <cstring>

namespace kvbosfs {

namespace {
constexpr int64_t kNsPerSecond = 1000000000;
}  // namespace

int64_t NowNs() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return TimespecToNs(ts);
}

int64_t TimespecToNs(const struct timespec& ts) {
  return static_cast<int64_t>(ts.tv_sec) * kNsPerSecond + ts.tv_nsec;
}

struct timespec NsToTimespec(int64_t ns) {
  int64_t sec = ns / kNsPerSecond;
  int64_t rem = ns % kNsPerSecond;
  if (rem < 0) {
    rem += kNsPerSecond;
    sec--;
  }
  struct timespec ts;
  ts.tv_sec = static_cast<time_t>(sec);
  ts.tv_nsec = static_cast<long>(rem);
  return ts;
}

void FillStat(const kvbos::Attributes& attrs, struct stat* st) {
  std::memset(st, 0, sizeof *st);
  st->st_mode = attrs.mode;
  st->st_nlink = S_ISDIR(attrs.mode) ? 2 : 1;
  st->st_uid = attrs.uid;
  st->st_gid = attrs.gid;
  st->st_rdev = attrs.rdev;
  st->st_size = static_cast<off_t>(attrs.size);
  st->st_blksize = 4096;
  st->st_blocks = static_cast<blkcnt_t>((attrs.size + 511) / 512);
  st->st_atim = NsToTimespec(attrs.atime_ns);
  st->st_mtim = NsToTimespec(attrs.mtime_ns);
  st->st_ctim = NsToTimespec(attrs.ctime_ns);
}

}  // namespace kvbosfs
