// `kvbos` subcommands on a mounted file system, through the live statistics
// file at its root (fuse/stats_json.h, kStatsFileName): stat reads the
// daemon's counters; sync fsyncs the file, which returns once everything
// written before is in the object store.
//
// Each function prints its results on stdout, errors as one line
// "kvbos: <what>: <problem>" on stderr, and returns the exit status (0 ok,
// 1 failure).
#pragma once

#include <string>

#include "mount-tools/admin_pool.h"

namespace kvbos {

// Prints the live counters of the kvbosfs mounted on `dir`. With
// `watch_seconds` > 0, redraws them every that many seconds, with rates, as
// top(1) does, until interrupted.
int MountStat(const std::string& dir, const OutputFormat& format, double watch_seconds);
// Blocks until everything written to `dir` before the call is in the object
// store (EIO, and exit 1, when the store cannot be reached).
int MountSync(const std::string& dir);

}  // namespace kvbos
