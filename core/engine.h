// Engine: kvbos's key-value store in a persistent-memory pool.
//
// Keys are byte strings up to kMaxKeySize bytes; a key's newest record wins.
// Values live in value blocks (append-only, growing up from address 0); key
// records live in key blocks (growing down from 2^64). A sealed key block
// carries a sorted pointer array and a Bloom filter, so Get costs at most one
// binary search per sealed block and usually none (docs/FORMAT.md).
//
// Durability: writes are visible to every reader at once, and become
// persistent at the next Sync() (group commit: one persist of the value
// range, the key range and then a checkpoint slot, whatever the number of
// writes since the last one). A crash loses only what no Sync covered; a
// batch is applied all or nothing.
//
// Errors: NotFound (absent key), NoSpace (pool full: nothing written before
// is lost), ReadOnly (opened read-only, or a persist failed and the engine
// went read-only: a sticky error), Corruption, IOError, TooLarge (a batch
// larger than one key block).
//
// Thread-safety: every method may be called from many threads at once.
// Readers never wait for writers of other keys except on the short append
// mutex; value reads take no lock.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/counting_store.h"
#include "core/extent_list.h"
#include "core/object_store.h"
#include "core/record.h"
#include "core/status.h"

namespace kvbos {

inline constexpr size_t kMaxKeySize = 8192;  // bytes

struct CreateOptions {
  uint64_t pool_size = 1ull << 30;          // bytes, whole pool file
  uint32_t value_block_size = 4u << 20;     // bytes, power of two, >= 1 MiB
  uint32_t key_block_size = 512u << 10;     // bytes, power of two, >= 64 KiB
};

// The smallest pool (bytes) that Engine::Create accepts with these block
// sizes: room for one value block and two key blocks.
uint64_t MinimumPoolSize(uint32_t value_block_size, uint32_t key_block_size);

struct OpenOptions {
  bool read_only = false;
  // The cold tier (DESIGN.md, "The object store tier"); null: the pool
  // alone. Not owned; must outlive the engine.
  ObjectStore* store = nullptr;
  uint64_t cache_bytes = 64ull << 20;  // DRAM cache for values read back from the store
  // Period of background snapshots to the store (ms); 0: only on Snapshot()
  // and when a value block fills (see StartBackgroundSnapshots).
  uint32_t snapshot_interval_ms = 10000;
  // How long a writer waits for an upload to free pool space before it gets
  // NoSpace (ms), while uploads are succeeding.
  uint32_t space_wait_ms = 60000;
  // Called from the snapshot thread when a background snapshot fails (the
  // next one retries); e.g. to log it. Must be thread-safe.
  std::function<void(const Status&)> on_background_error;
};

// Capacity and use, for statfs and `kvbos stat`. All sizes in bytes.
struct EngineStats {
  uint64_t pool_size = 0;
  uint64_t capacity = 0;       // bytes usable by blocks (frames area)
  uint64_t used = 0;           // bytes of frames holding blocks
  uint64_t value_bytes = 0;    // value bytes appended (the value watermark)
  uint64_t value_blocks = 0;   // value blocks below the watermark
  uint64_t resident_value_blocks = 0;  // of which in the pool
  uint64_t key_blocks = 0;
  uint32_t value_block_size = 0;
  uint32_t key_block_size = 0;
  // Object-store tier (zero without one).
  uint64_t manifest_sequence = 0;    // newest manifest written or restored
  uint64_t store_value_top = 0;      // value bytes confirmed in the bucket
  uint64_t objects_uploaded = 0;     // PUTs of blocks and manifests this process made
  uint64_t bytes_uploaded = 0;
  uint64_t upload_failures = 0;      // snapshots that failed (retried later)
  uint64_t evictions = 0;            // value blocks that left the pool
  uint64_t cache_hits = 0;           // values read back: from the DRAM cache
  uint64_t cache_misses = 0;         // ... and fetched by range GET
  uint64_t cache_bytes = 0;          // bytes the DRAM cache holds now
  StoreRequestCounts requests;       // every request this process made to the store
};

// A set of puts and deletes applied atomically by Engine::Apply.
// Records refer to values already appended with Engine::AppendValue (or to
// values of existing records: a rename or chmod copies no content).
class WriteBatch {
 public:
  struct Op {
    std::string key;
    Record record;  // record.key is ignored; flags carry tombstone/extent list
  };
  // Adds a record pointing at value bytes already in the pool.
  void PutRecord(std::string_view key, const Record& record);
  // Adds a tombstone for `key`.
  void Delete(std::string_view key);
  size_t size() const { return ops_.size(); }
  bool empty() const { return ops_.empty(); }
  const std::vector<Op>& ops() const { return ops_; }
  void Clear() { ops_.clear(); }

 private:
  std::vector<Op> ops_;
};

// Iterates live records (tombstones hidden) in key order.
// Thread-safety: one iterator per thread; it sees a consistent view of the
// sealed blocks and the open block as of its creation or last Seek.
class Iterator {
 public:
  virtual ~Iterator() = default;
  // Positions at the first key >= target.
  virtual void Seek(std::string_view target) = 0;
  virtual bool Valid() const = 0;
  virtual void Next() = 0;
  // Valid() must hold.
  virtual const Record& record() const = 0;
  // Non-ok when a block failed its checks during iteration.
  virtual Status status() const = 0;
};

class Engine {
 public:
  // Closes the pool without a final Sync: what no Sync covered is dropped on
  // the next Open, exactly as after a crash. Call Sync() first to keep it.
  virtual ~Engine() = default;

  // Creates a new pool file at `path` (refuses an existing file with
  // InvalidArgument) and allocates its pages.
  static Status Create(const std::string& path, const CreateOptions& options);
  // Opens a pool, taking an exclusive flock (Busy if another process has it),
  // validating the superblock (Corruption / VersionMismatch) and recovering
  // the open key block. With options.store: finds the bucket's newest
  // manifest; a pool never written restores from it (fetching the key
  // blocks; values come back lazily); a pool that wrote that manifest
  // carries on; anything else is refused (Busy: another writer's bucket;
  // InvalidArgument: block sizes differ, or the bucket lost this pool's
  // manifests).
  static Status Open(const std::string& path, const OpenOptions& options,
                     std::unique_ptr<Engine>* engine);

  // Key-value API ----------------------------------------------------------
  // Newest live record of `key`; NotFound if absent or deleted.
  virtual Status Get(std::string_view key, Record* record) = 0;
  // Stores `value` under `key` (any size; values larger than the space left
  // in a block become an extent list) with the given attributes.
  virtual Status Put(std::string_view key, std::string_view value,
                     const Attributes& attrs = {}) = 0;
  // Writes a tombstone. Deleting an absent key is not an error.
  virtual Status Delete(std::string_view key) = 0;
  // Calls fn for each live record whose key starts with `prefix`, in key
  // order, until fn returns false.
  virtual Status Scan(std::string_view prefix,
                      const std::function<bool(const Record&)>& fn) = 0;
  // Applies every op of `batch` or none (TooLarge if it cannot fit in one
  // key block).
  virtual Status Apply(const WriteBatch& batch) = 0;
  virtual std::unique_ptr<Iterator> NewIterator() = 0;

  // Values -----------------------------------------------------------------
  // Appends `bytes` to the value region and returns the extents they landed
  // in, with file offsets starting at `file_offset`: one extent per
  // kValueUnitBytes window, pending (no checksum until MakeContentRecord).
  // NoSpace if the pool cannot hold them (some may have been appended, and
  // are garbage).
  virtual Status AppendValue(std::string_view bytes, uint64_t file_offset,
                             std::vector<Extent>* extents) = 0;
  // Copies `length` raw bytes at `addr` into `out` (no checksum check).
  // Corruption if the range is not below the value watermark.
  virtual Status ReadValue(Address addr, uint64_t length, char* out) = 0;
  // The content extents of a record: its extent list (verified against
  // the record's value checksum when fetched from the object store), or one
  // extent for an inline value.
  virtual Status LoadExtents(const Record& record, ExtentList* extents) = 0;
  // Reads `length` bytes at `offset` of a record's content into `out`
  // (holes and bytes past the end of stored extents read as zeros; the
  // caller bounds the read by attrs.size). Bytes fetched from the object
  // store are checked against their unit's checksum: Corruption, never a
  // wrong byte.
  virtual Status ReadContent(const ExtentList& extents, uint64_t offset,
                             uint64_t length, char* out) = 0;
  // Builds a record for content `*extents`, first computing the checksum of
  // every pending extent (in place, so it is done once): inline when there
  // is one extent at offset 0 that is a whole unit, otherwise the list is
  // appended as a value. TooLarge when the list exceeds a value block.
  virtual Status MakeContentRecord(ExtentList* extents, const Attributes& attrs,
                                   Record* record) = 0;

  // Verification (fsck) ------------------------------------------------------
  struct ValueCheck {
    uint64_t units_checked = 0;   // value units whose checksum matched
    uint64_t bytes_checked = 0;
    uint64_t units_in_store = 0;  // units only in the object store: not checked
  };
  // Checks a record's value against its checksums (the extent list, then
  // every unit it names) where the bytes are in the pool, and, with an
  // object store, by fetching the others; Corruption naming the first unit
  // that fails. Adds to *check.
  virtual Status CheckValue(const Record& record, ValueCheck* check) = 0;

  // Durability -------------------------------------------------------------
  // Makes every write that returned before this call persistent (group
  // commit). Returns the sticky error if the engine went read-only.
  virtual Status Sync() = 0;
  // Sync, then copies what is new to the object store (sealed blocks, then
  // snapshots of the open blocks) and writes the next manifest: when it
  // returns Ok, every write before the call is in the bucket. Ok at once
  // without a store or when nothing changed since the last manifest (an idle
  // mount makes no requests). IOError when the store fails (the pool keeps
  // everything; the next snapshot retries); ReadOnly, sticky, when another
  // writer has written to the bucket. Runs in the background every
  // snapshot_interval_ms; one snapshot at a time.
  virtual Status Snapshot() = 0;
  // Starts the background snapshot thread (with a store, read-write; a no-op
  // otherwise). Separate from Open so that a daemon can open the pool, then
  // fork, then start threads. Idempotent.
  virtual void StartBackgroundSnapshots() = 0;
  // True when writes happened since the last Sync.
  virtual bool Dirty() const = 0;

  virtual EngineStats Stats() const = 0;
  virtual bool read_only() const = 0;
};

}  // namespace kvbos
