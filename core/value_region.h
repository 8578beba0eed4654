// ValueRegion: the value half of the address space. Value blocks (growing
// up from address 0) live in pool slots while resident; with an object store
// a block whose upload is confirmed may leave its slot (eviction), after
// which its bytes come back by range GET into a bounded DRAM cache
// (FetchCache), verified against the unit checksums of core/extent_list.h.
//
// Block -> slot map: rebuilt from the frame table at open (Recover), changed
// when a block opens (Append) or leaves (eviction), each change persisted in
// the frame table before it is used.
//
// Thread-safety: Append, PadToBlock and Persist are called with the engine's
// write mutex held (one writer). Read and ReadVerified may run on any thread
// at any time: a reader copies from a slot under a shared lock that eviction
// takes exclusively, and never holds it during a network request.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/fetch_cache.h"
#include "core/object_store.h"
#include "core/pool.h"
#include "core/record.h"
#include "core/status.h"

namespace kvbos {

class ValueRegion {
 public:
  explicit ValueRegion(Pool* pool);

  // Rebuilds the block -> slot map from the frame table; `value_top` is the
  // durable watermark (bytes). Corruption on an inconsistent frame table.
  Status Recover(uint64_t value_top);
  // Attaches the cold tier: blocks not in the pool are read from `store`
  // (which must outlive this object) through a cache of `cache_bytes`.
  void AttachStore(ObjectStore* store, uint64_t cache_bytes);

  // Object name of the value block holding `addr`: "values/0x%016x".
  static std::string ObjectName(Address block);
  Address BlockOf(Address addr) const { return addr & ~(uint64_t{block_size_} - 1); }
  uint32_t block_size() const { return block_size_; }

  // Writes (caller holds the engine's write mutex) ----------------------
  // Next value address (bytes). Readable from any thread.
  uint64_t top() const { return top_.load(std::memory_order_acquire); }
  // Bytes that fit before the next block boundary.
  uint64_t RoomInBlock() const { return block_size_ - (top() & (block_size_ - 1)); }
  // Moves top() to the next block boundary; the rest of the block stays unused.
  void PadToBlock();
  // Appends `bytes` (at most RoomInBlock()) at top(), opening a block in a
  // free slot when top() is at a boundary. Slots may not reach the
  // `key_frames` frames at the top of the pool; blocks wholly below
  // `evictable_below` may leave the pool to free a slot. NoSpace when no
  // slot can be had: nothing is appended.
  Status Append(std::string_view bytes, uint64_t key_frames, uint64_t evictable_below,
                Address* addr);
  // Makes the resident bytes of [from, to) persistent.
  void Persist(Address from, Address to) const;
  // Slots from the bottom of the frames area up to the highest one in use.
  uint64_t slots_high() const;
  uint64_t resident_blocks() const;
  uint64_t evictions() const { return evictions_.load(std::memory_order_relaxed); }
  const FetchCache* cache() const { return cache_.get(); }

  // Reads (any thread) ---------------------------------------------------
  // Raw bytes of [addr, addr+length): from the pool when resident, else one
  // range GET per block, unverified. Corruption when the range is not below
  // top() or a block is neither resident nor in a store.
  Status Read(Address addr, uint64_t length, char* out) const;
  // `length` bytes at `addr`, which lie inside the checksummed unit
  // [unit_addr, unit_addr + unit_length). A unit not in the pool is fetched
  // whole by one range GET, checked against `checksum` (Corruption naming
  // the object on a mismatch) and cached. Resident bytes are copied as they
  // are: the pool is trusted, the network is not.
  Status ReadVerified(Address unit_addr, uint64_t unit_length, uint64_t checksum, Address addr,
                      uint64_t length, char* out) const;
  // fsck: checks the unit [unit_addr, +unit_length) against `checksum` when
  // its block is in the pool (*resident true; Corruption on a mismatch);
  // *resident false and Ok when it is only in the object store.
  Status CheckResidentUnit(Address unit_addr, uint64_t unit_length, uint64_t checksum,
                           bool* resident) const;

 private:
  // Slot of `block` or -1; caller holds map_mu_.
  int64_t SlotOfLocked(Address block) const;
  // Frees the slot of the least recently used resident block wholly below
  // `below` (but not `keep`); false when there is none. Caller holds map_mu_
  // exclusively.
  bool EvictOneLocked(Address below, Address keep);
  // Records a read of `slot` (for the LRU choice of EvictOneLocked). Caller
  // holds map_mu_ (shared is enough).
  void Touch(int64_t slot) const {
    const uint64_t now = generation_.load(std::memory_order_relaxed);
    std::atomic<uint64_t>& last = last_use_[static_cast<size_t>(slot)];
    if (last.load(std::memory_order_relaxed) != now) last.store(now, std::memory_order_relaxed);
  }
  Status OpenBlock(Address block, uint64_t key_frames, uint64_t evictable_below);
  Status FetchRange(Address addr, uint64_t length, char* out) const;

  Pool* const pool_;
  const uint32_t block_size_;
  const uint64_t slot_count_;  // slots the frames area could hold
  std::atomic<uint64_t> top_{0};
  ObjectStore* store_ = nullptr;
  std::unique_ptr<FetchCache> cache_;
  std::atomic<uint64_t> evictions_{0};
  // LRU clock: the number of blocks opened so far; each slot remembers the
  // generation of its last read (or of its opening).
  std::atomic<uint64_t> generation_{0};
  const std::unique_ptr<std::atomic<uint64_t>[]> last_use_;

  mutable std::shared_mutex map_mu_;
  std::vector<int64_t> slot_of_block_;  // GUARDED_BY(map_mu_): block number -> slot or -1
  std::vector<int64_t> block_in_slot_;  // GUARDED_BY(map_mu_): slot -> block number or -1
  uint64_t slots_high_ = 0;             // GUARDED_BY(map_mu_)
};

}  // namespace kvbos
