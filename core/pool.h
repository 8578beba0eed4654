// Pool: the pool file (or DAX device) mapped with libpmem2, with its
// superblock, checkpoint slots and frame table, and the translation from
// block addresses to mapped memory.
//
// Writes go through CopyNoFlush() and become persistent only at Persist(),
// so a caller batches many writes into one persist (PMDK's NOFLUSH + one
// persist pattern). The same code serves page granularity (msync) and
// cache-line granularity (CPU flushes) through pmem2's persist and memcpy
// functions.
//
// Thread-safety: Persist and CopyNoFlush may be called concurrently on
// disjoint ranges; WriteCheckpoint and SetFrame need external serialisation
// (the engine's sync and write mutexes).
#pragma once

#include <libpmem2.h>

#include <cstdint>
#include <memory>
#include <string>

#include "core/engine.h"
#include "core/pool_format.h"
#include "core/status.h"

namespace kvbos {

class Pool {
 public:
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Creates and formats a pool file; refuses an existing path.
  static Status Create(const std::string& path, const CreateOptions& options);
  // Maps an existing pool; flock()s it (exclusive, or shared when
  // read_only); validates the superblock and picks the newest valid
  // checkpoint. Busy, Corruption, VersionMismatch, IOError.
  static Status Open(const std::string& path, bool read_only, std::unique_ptr<Pool>* pool);

  const Superblock& superblock() const { return superblock_; }
  const Checkpoint& checkpoint() const { return checkpoint_; }
  bool read_only() const { return read_only_; }
  uint64_t frames_size() const { return superblock_.frame_count * superblock_.key_block_size; }

  // Frames per value slot, and the number of slots the frames area could hold.
  uint64_t frames_per_slot() const {
    return superblock_.value_block_size / superblock_.key_block_size;
  }
  // Mapped memory of value slot `slot` (value_block_size bytes).
  char* ValueSlotBytes(uint64_t slot) const {
    return base_ + superblock_.frames_offset + slot * superblock_.value_block_size;
  }
  // Mapped memory of the key block at `block_addr` (a multiple of
  // key_block_size in the key region).
  char* KeyBlockBytes(Address block_addr) const {
    return base_ + superblock_.frames_offset + frames_size() - (0 - block_addr);
  }

  // Mapped memory of the key record at `record_addr`.
  const char* RecordBytes(Address record_addr) const {
    const uint64_t kbs = superblock_.key_block_size;
    return KeyBlockBytes(record_addr & ~(kbs - 1)) + (record_addr & (kbs - 1));
  }

  // Copies without flushing; persistent only after a Persist of the range.
  void CopyNoFlush(char* dst, const void* src, size_t size) {
    memcpy_fn_(dst, src, size, PMEM2_F_MEM_NOFLUSH);
  }
  // Makes [ptr, ptr+size) persistent (msync on a file, flushes on pmem).
  void Persist(const void* ptr, size_t size) { persist_fn_(const_cast<void*>(ptr), size); }

  // Writes `checkpoint` (with a fresh checksum) into slot sequence % 2 and
  // persists it. The caller has persisted everything it names.
  void WriteCheckpoint(Checkpoint checkpoint);
  // Records a block in the frame table entry of its first frame and
  // persists it (blocks open and seal rarely: one persist each).
  void SetFrame(uint64_t frame_index, Address block_address, FrameKind kind, FrameState state);
  const FrameEntry& frame(uint64_t index) const { return frame_table_[index]; }
  // Frame index of a value slot's first frame / of a key block.
  uint64_t ValueSlotFrame(uint64_t slot) const { return slot * frames_per_slot(); }
  uint64_t KeyBlockFrame(Address block_addr) const {
    return superblock_.frame_count - (0 - block_addr) / superblock_.key_block_size;
  }

 private:
  Pool() = default;

  int fd_ = -1;
  bool read_only_ = false;
  char* base_ = nullptr;
  pmem2_map* map_ = nullptr;
  pmem2_source* source_ = nullptr;
  pmem2_config* config_ = nullptr;
  pmem2_persist_fn persist_fn_ = nullptr;
  pmem2_memcpy_fn memcpy_fn_ = nullptr;
  Superblock superblock_{};
  Checkpoint checkpoint_{};
  FrameEntry* frame_table_ = nullptr;
};

}  // namespace kvbos
