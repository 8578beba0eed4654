// On-media layout of a kvbos pool (docs/FORMAT.md is the prose version).
//
//   offset 0       Superblock            (4 KiB slot)
//   offset 4 KiB   Checkpoint slot 0     (4 KiB slot)
//   offset 8 KiB   Checkpoint slot 1     (4 KiB slot)
//   offset 12 KiB  frame table           (FrameEntry per frame, padded to 4 KiB)
//   frames_offset  frames                (frame_count * key_block_size bytes)
//
// A frame is key_block_size bytes. Value blocks live in *value slots*:
// value_block_size / key_block_size consecutive frames, slot s starting at
// frame s * that ratio, used from the bottom of the frames area; the frame
// table's entry for a slot's first frame names the value block it holds
// (any block: with an object store, blocks leave the pool once uploaded and
// their slot is reused). Key block m (address 2^64 - (m+1) * key_block_size)
// takes frame frame_count - 1 - m, from the top; the pool is full when the
// two meet.
// All integers are little-endian. Every structure ends with an XXH3-64
// checksum of the bytes before it.
#pragma once

#include <cstdint>

namespace kvbos {

inline constexpr char kPoolMagic[8] = {'K', 'V', 'B', 'O', 'S', 'P', 'O', 'L'};
inline constexpr uint32_t kPoolFormatVersion = 2;
inline constexpr uint64_t kSuperblockOffset = 0;
inline constexpr uint64_t kCheckpointOffset[2] = {4096, 8192};
inline constexpr uint64_t kFrameTableOffset = 12288;

struct Superblock {
  char magic[8];              // kPoolMagic: the first bytes of the pool
  uint32_t format_version;    // kPoolFormatVersion
  uint32_t superblock_size;   // sizeof(Superblock)
  uint8_t uuid[16];           // random, names this pool
  uint64_t pool_size;         // bytes
  uint32_t value_block_size;  // bytes, power of two, multiple of key_block_size
  uint32_t key_block_size;    // bytes, power of two; also the frame size
  uint64_t frame_table_offset;
  uint64_t frame_count;
  uint64_t frames_offset;     // bytes from pool start, multiple of 4 KiB
  uint64_t created_ns;        // creation time, ns since the epoch
  uint64_t reserved[4];       // zero; room for later format fields
  uint64_t checksum;          // Checksum64 of everything above
};

// The commit point. Two slots alternate; the valid one with the higher
// sequence wins after a crash (LMDB's two meta pages).
struct Checkpoint {
  uint64_t sequence;         // strictly increasing; slot = sequence % 2
  uint64_t value_top;        // address one past the last durable value byte
  uint64_t open_key_block;   // address of the open key block
  uint32_t open_key_used;    // bytes of the open key block holding durable records
  uint32_t store_open_key_used;   // bytes of store_open_key_block in the bucket
  // The object store (zero without one): the newest manifest this pool wrote
  // (or restored from) and what it names. Value bytes below store_value_top
  // and sealed key blocks above store_open_key_block are in the bucket, so
  // their frames may be reused.
  uint64_t store_sequence;        // manifest number; 0: none yet
  uint64_t store_epoch;           // writer epoch of that manifest
  uint64_t store_value_top;       // bytes
  uint64_t store_open_key_block;  // address
  uint64_t checksum;         // Checksum64 of everything above
};

enum class FrameKind : uint8_t { kFree = 0, kValue = 1, kKey = 2 };
// kUploaded is reserved: which blocks are in the bucket follows from the
// checkpoint's store_* fields, not from the frame table.
enum class FrameState : uint8_t { kFree = 0, kOpen = 1, kSealed = 2, kUploaded = 3 };

// One entry per frame; for a value block only its first frame's entry is
// set. Written when a block is opened or sealed, persisted before the
// checkpoint that depends on it.
struct FrameEntry {
  uint64_t block_address;
  FrameKind kind;
  FrameState state;
  uint8_t reserved[6];
};

static_assert(sizeof(Superblock) == 120);
static_assert(sizeof(Checkpoint) == 72);
static_assert(sizeof(FrameEntry) == 16);

}  // namespace kvbos
