// EngineImpl: the Engine over one Pool.
//
// Commit and recovery invariants (each has a test in core/recovery_test.cc):
//  (1) Value bytes are persisted before any checkpoint that covers a record
//      pointing at them: Sync persists the value range first.
//  (2) Key records are persisted before the checkpoint that covers them.
//  (3) The checkpoint is written only at batch boundaries (appends and the
//      capture of the watermarks both hold write_mu_), so a batch is either
//      wholly below the durable watermark or wholly above it.
//  (4) Nothing above a durable watermark (value_top, open_key_used) is
//      trusted after a restart; new appends overwrite it.
//  (5) The newest checkpoint slot with a valid checksum wins.
//  (6) A block is sealed (index, filter, footer written) before the
//      checkpoint that names the next block as open.
//
// States of a key block: open (records appended; indexed in DRAM by
// open_index_) --Seal()--> sealed (immutable; SortedEntry array + filter in
// the pool; searched by SealedKeyBlock). Recovery rebuilds open_index_ by
// scanning the open block up to the durable watermark (Recover()).
//
// With an object store (core/engine_store.cc), Snapshot() adds:
//  (7) A block is uploaded before the manifest that names it, and the
//      manifest before the checkpoint that records it (store_* fields).
//  (8) A value block leaves the pool only when wholly below the checkpoint's
//      store_value_top: its upload is confirmed by a durable manifest.
//  (9) Manifest N+1 is written only if absent: finding it present means a
//      second writer, and the engine goes read-only (sticky).
//
// Lock order: snapshot_mu_ before sync_mu_ before write_mu_ before index_mu_.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/engine.h"
#include "core/key_block.h"
#include "core/manifest.h"
#include "core/pool.h"
#include "core/value_region.h"

namespace kvbos {

class EngineImpl final : public Engine {
 public:
  explicit EngineImpl(std::unique_ptr<Pool> pool);
  ~EngineImpl() override;
  // Attaches the object store of `options` (before Recover): finds the
  // newest manifest and restores from it, carries on, or refuses (see
  // Engine::Open).
  Status OpenStore(const OpenOptions& options);
  // Loads sealed blocks and rebuilds the open block's index.
  Status Recover();


  Status Get(std::string_view key, Record* record) override;
  Status Put(std::string_view key, std::string_view value, const Attributes& attrs) override;
  Status Delete(std::string_view key) override;
  Status Scan(std::string_view prefix, const std::function<bool(const Record&)>& fn) override;
  Status Apply(const WriteBatch& batch) override;
  std::unique_ptr<Iterator> NewIterator() override;

  Status AppendValue(std::string_view bytes, uint64_t file_offset,
                     std::vector<Extent>* extents) override;
  Status ReadValue(Address addr, uint64_t length, char* out) override;
  Status LoadExtents(const Record& record, ExtentList* extents) override;
  Status ReadContent(const ExtentList& extents, uint64_t offset, uint64_t length,
                     char* out) override;
  Status MakeContentRecord(ExtentList* extents, const Attributes& attrs,
                           Record* record) override;

  Status CheckValue(const Record& record, ValueCheck* check) override;
  Status Sync() override;
  Status Snapshot() override;
  void StartBackgroundSnapshots() override;
  bool Dirty() const override;
  EngineStats Stats() const override;
  bool read_only() const override { return pool_->read_only(); }

  // An iterator limited to keys starting with `prefix` (Scan and readdir).
  std::unique_ptr<Iterator> NewPrefixIterator(std::string_view prefix);

 private:
  struct PendingRecord {
    std::string_view key;
    const Record* record;
  };

  Status CheckWritable() const;
  // Appends file bytes, split into pending extents at unit windows.
  Status AppendValueLocked(std::string_view bytes, uint64_t file_offset,
                           std::vector<Extent>* extents);
  // Appends a value that must stay whole (an extent list): padded to the
  // next block when it does not fit in this one. Returns its address and
  // checksum. TooLarge when larger than a value block.
  Status AppendWholeValueLocked(std::string_view bytes, Address* addr, uint64_t* checksum);
  // Checksums pending extents (no lock needed: their bytes are immutable).
  Status ChecksumPending(ExtentList* extents);
  // MakeContentRecord once every extent has a checksum.
  Status MakeContentRecordLocked(const ExtentList& extents, const Attributes& attrs,
                                 Record* record);
  Status AppendRecordsLocked(const std::vector<PendingRecord>& records);
  Status StartOpenBlockLocked();
  Status SealAndAdvanceLocked();
  // Value addresses below which blocks may leave the pool (their upload is
  // confirmed by a durable manifest); 0 without an object store.
  uint64_t EvictableBelow() const { return evictable_below_.load(std::memory_order_acquire); }
  // Waits (without locks) until a snapshot frees pool space, if one might:
  // true to retry after NoSpace, false to give up.
  bool WaitForSpace();
  // Fetches the blocks manifest `m` names into this fresh pool and makes
  // them its state (engine_store.cc).
  Status RestoreFrom(const Manifest& m);
  // Uploads what `cp` has that the bucket lacks, then manifest `next`.
  Status UploadAndCommit(const Checkpoint& cp, Manifest* next);
  // One PUT, counted.
  Status PutObject(const std::string& name, std::string_view bytes);
  void SnapshotLoop(uint32_t interval_ms);

  const std::unique_ptr<Pool> pool_;
  const uint32_t value_block_size_;
  const uint32_t key_block_size_;

  mutable std::mutex sync_mu_;   // one Sync at a time
  mutable std::mutex write_mu_;  // appends of values and records
  ValueRegion values_;                  // appends under write_mu_; reads from any thread
  std::atomic<uint64_t> evictable_below_{0};
  Address open_block_ = 0;              // GUARDED_BY(write_mu_)
  uint32_t open_used_ = 0;              // GUARDED_BY(write_mu_); 0 = header not yet written
  uint64_t key_blocks_ = 0;             // GUARDED_BY(write_mu_), including the open one

  mutable std::shared_mutex index_mu_;
  std::map<std::string, Address, std::less<>> open_index_;  // GUARDED_BY(index_mu_)
  std::vector<SealedKeyBlock> sealed_;  // GUARDED_BY(index_mu_), oldest first

  // Object-store tier (engine_store.cc).
  std::unique_ptr<CountingObjectStore> counting_store_;  // wraps OpenOptions::store
  ObjectStore* store_ = nullptr;                          // counting_store_, or null
  uint32_t space_wait_ms_ = 0;
  uint32_t snapshot_interval_ms_ = 0;
  uint64_t writer_epoch_ = 0;         // epoch of the manifests this engine writes
  std::mutex snapshot_mu_;            // one Snapshot at a time
  std::atomic<bool> fenced_{false};   // a second writer was seen: read-only (sticky)
  std::atomic<uint64_t> objects_uploaded_{0}, bytes_uploaded_{0}, upload_failures_{0};
  std::atomic<uint64_t> manifest_seq_{0};  // newest manifest in the bucket that we know of
  std::atomic<uint64_t> snapshots_started_{0}, snapshots_done_{0};
  std::function<void(const Status&)> on_background_error_;
  std::mutex space_mu_;               // with space_cv_: writers waiting for evictable space
  std::condition_variable space_cv_;
  std::mutex loop_mu_;                // with loop_cv_: the snapshot thread's sleep
  std::condition_variable loop_cv_;
  bool stop_loop_ = false;            // GUARDED_BY(loop_mu_)
  bool wake_loop_ = false;            // GUARDED_BY(loop_mu_)
  std::thread snapshotter_;           // started once, by StartBackgroundSnapshots

};

}  // namespace kvbos
