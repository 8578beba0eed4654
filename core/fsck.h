// Fsck: verifies an unmounted pool offline, checking every checksum and
// pointer of the formats in docs/FORMAT.md, and reports each problem with
// where it is.
//
// Passes:
//   1. structure: superblock, checkpoint, frame table; every sealed key block
//      (footer, sorted index, filter checksum, each record's checksum and
//      value pointer, index entries sorted and pointing at their records);
//      the open key block's records up to the durable watermark, batch by
//      batch;
//   2. values: the newest record of every key (through the engine, opened
//      read-only) checked against its value checksums where the value is in
//      the pool (values only in the object store are counted, not fetched).
//
// Repair (FsckOptions::repair) drops torn tails only: when the open key
// block's durable records end in a damaged record or an incomplete batch,
// the durable watermark moves back to the end of the last whole batch (those
// writes were never acknowledged as persistent... or, if they were, they are
// damaged anyway). Nothing else is changed.
//
// Thread-safety: one call at a time per pool (it takes the pool's lock).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/object_store.h"
#include "core/status.h"

namespace kvbos {

struct FsckOptions {
  bool repair = false;
  // The pool's object store (not owned), or null. With it, value units that
  // are only in the bucket are fetched (one range GET each) and checked too.
  ObjectStore* store = nullptr;
  // Called as work progresses: done and total are key blocks plus live
  // records (total may grow once pass 2 knows the record count).
  std::function<void(uint64_t done, uint64_t total)> progress;
};

struct FsckProblem {
  std::string where;  // "superblock", "key block 0x...: offset 4096", "key a/b.txt", ...
  std::string what;   // the check that failed
  bool repaired = false;
};

struct FsckReport {
  uint64_t key_blocks = 0;       // blocks checked
  uint64_t records = 0;          // key records checked (all versions)
  uint64_t live_keys = 0;        // keys with a live newest record
  uint64_t units_checked = 0;    // value units whose checksum matched
  uint64_t bytes_checked = 0;    // bytes of those units
  uint64_t units_in_store = 0;   // units only in the object store (not checked)
  std::vector<FsckProblem> problems;

  // True when a problem is left unrepaired.
  bool damaged() const;
};

// Checks the pool at `path`. Returns Ok with the findings in *report
// (problems included); a non-Ok Status only when the check itself could not
// run (Busy: the pool is mounted; IOError: cannot read it).
Status Fsck(const std::string& path, const FsckOptions& options, FsckReport* report);

}  // namespace kvbos
