// The engine's counters as JSON, for `kvbos stat` (an unmounted pool) and for
// the live statistics file of a mounted file system (fuse/stats_file.h): the
// same field names in both, so scripts read either.
//
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include "core/engine.h"

namespace kvbosfs {

// The live statistics file at the root of a mounted kvbosfs: reading it gives
// the daemon's counters as JSON; fsync(2) on it snapshots to the object store
// (`kvbos sync`). It is not listed by readdir and no file can take its name.
inline constexpr const char* kStatsFileName = ".kvbos.stats";

// {"capacity_bytes", "used_bytes", "value_bytes", "value_blocks", ...}: the
// pool's geometry and use, all sizes in bytes.
nlohmann::json PoolStatsJson(const kvbos::EngineStats& stats);
// {"manifest", "objects_uploaded", "upload_backlog_bytes", ...}: the object
// store tier's counters.
nlohmann::json StoreStatsJson(const kvbos::EngineStats& stats);

}  // namespace kvbosfs
