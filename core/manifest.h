// Manifest: the commit point of the object-store tier (DESIGN.md, "The
// object store tier"). A manifest names what of the address space is durable
// in the bucket; it is written after every block it names, so a reader that
// finds manifest N can fetch everything N names.
//
// Manifests are numbered consecutively from 1 and zero-padded
// ("manifest/00000000000000000042"). A reader finds the newest by probing
// the next numbers with HEAD until one is absent (as SlateDB does): no LIST.
// Each names the writer's epoch and pool UUID; a writer that finds a
// manifest it did not write where its next one should go has met a second
// writer and stops.
//
// What a manifest names (blocks are contiguous in both regions):
//   values/0x...   every value block below value_top (the last one may be
//                  shorter than a block: a snapshot of the open block)
//   keys/0x...     every key block from 2^64 down to open_key_block; those
//                  above it are sealed, open_key_block holds open_key_used
//                  bytes of records (a snapshot of the open block)
//
// Thread-safety: pure functions; the ObjectStore calls are thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "core/object_store.h"
#include "core/record.h"
#include "core/status.h"

namespace kvbos {

inline constexpr char kManifestMagic[8] = {'K', 'V', 'B', 'O', 'S', 'M', 'A', 'N'};
inline constexpr uint32_t kManifestFormatVersion = 1;

// On-store layout: this struct, little-endian, 128 bytes.
struct Manifest {
  char magic[8];             // kManifestMagic
  uint32_t format_version;   // kManifestFormatVersion
  uint32_t manifest_size;    // sizeof(Manifest)
  uint64_t sequence;         // 1, 2, 3, ... (the object name's number)
  uint64_t epoch;            // the writer's epoch: +1 each time another pool takes over
  uint8_t writer_uuid[16];   // superblock UUID of the pool that wrote it
  uint32_t value_block_size; // bytes
  uint32_t key_block_size;   // bytes
  uint64_t value_top;        // bytes of the value region in the bucket
  uint64_t open_key_block;   // address
  uint32_t open_key_used;    // bytes of records in open_key_block's object
  uint32_t reserved32;
  uint64_t created_ns;       // ns since the epoch
  uint64_t reserved[4];
  uint64_t checksum;         // Checksum64 of everything above
};
static_assert(sizeof(Manifest) == 128);

// "manifest/%020llu".
std::string ManifestName(uint64_t sequence);
// "keys/0x%016x".
std::string KeyBlockObjectName(Address block);

// Stores `manifest` (checksum filled in) under its sequence number.
Status PutManifest(ObjectStore* store, Manifest manifest);
// Reads and validates manifest `sequence` (NotFound, Corruption).
Status GetManifest(ObjectStore* store, uint64_t sequence, Manifest* manifest);
// The number of the newest manifest, 0 when there is none. `hint` is a
// number known to exist (0: none known); probing starts after it with
// exponentially growing steps, then bisects: O(log n) HEADs.
Status FindNewestManifest(ObjectStore* store, uint64_t hint, uint64_t* newest);

}  // namespace kvbos
