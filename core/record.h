// KeyRecord: what the engine stores for one key — where its value lives and
// the attributes a filesystem needs (mode, owner, times, size).
//
// A record's value is one of three kinds (flags):
//   - inline extent: value_addr/value_size is the content from offset 0
//     (small files, symlink targets, plain key-value pairs), one checksummed
//     unit by itself (value_checksum);
//   - extent list (kFlagExtentList): value_addr/value_size holds an array of
//     Extent triples, for values larger than a block and files written at
//     random offsets; see core/extent_list.h (value_checksum covers the
//     encoded array, each extent carries its own unit's checksum);
//   - tombstone (kFlagTombstone, value_addr == kTombstoneAddress): the key is
//     deleted and shadows every older record of it.
// The on-media layout is in docs/FORMAT.md and core/key_block_format.h.
#pragma once

#include <cstdint>
#include <string>

namespace kvbos {

// A persistent pointer: an address in kvbos's 64-bit address space. Value
// blocks grow up from 0, key blocks grow down from 2^64.
using Address = uint64_t;

inline constexpr Address kTombstoneAddress = 0xffffffffffffffffull;
inline constexpr Address kNoValueAddress = 0;  // with value_size 0: an empty value

inline constexpr uint16_t kFlagTombstone = 1u << 0;
inline constexpr uint16_t kFlagExtentList = 1u << 1;

// Filesystem attributes carried by every key record. Times are nanoseconds
// since the Unix epoch; size is the logical file size in bytes.
struct Attributes {
  uint32_t mode = 0;  // st_mode: type bits and permissions
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint32_t rdev = 0;
  int64_t atime_ns = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  uint64_t size = 0;  // logical size in bytes (may exceed stored bytes: holes)
};

// One key's newest record, as returned by Engine::Get and iterators.
struct Record {
  std::string key;
  uint16_t flags = 0;
  Address value_addr = kNoValueAddress;
  uint64_t value_size = 0;  // bytes at value_addr (inline content or extent array)
  uint64_t value_checksum = 0;  // XXH3-64 of those bytes (0 when value_size is 0)
  Attributes attrs;

  bool is_tombstone() const { return (flags & kFlagTombstone) != 0; }
  bool has_extent_list() const { return (flags & kFlagExtentList) != 0; }
};

}  // namespace kvbos
