// Key blocks: the format of key records and of a sealed block's sorted
// pointer array, Bloom filter and footer (docs/FORMAT.md, "Key blocks").
//
//   [0, 64)                 KeyBlockHeader
//   [64, records_end)       key records in arrival order, 8-byte aligned
//   [index_offset, ...)     SortedEntry[entry_count], ascending by key   } written
//   [bloom_offset, ...)     Bloom filter, bloom_bytes                    } at seal
//   [size - 72, size)       KeyBlockFooter                               }
//
// Records grow up from the header and the index is written after them at
// seal time (the seed drew the index below the records; the order does not
// change what a lookup reads). A SortedEntry holds an 8-byte key prefix and
// a 64-bit record address, which may point into another block: merged index
// runs reuse this format.
//
// Thread-safety: sealed blocks are immutable; SealedKeyBlock is read-only
// and safe to share between threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/pool.h"
#include "core/record.h"
#include "core/status.h"

namespace kvbos {

inline constexpr char kKeyBlockMagic[8] = {'K', 'V', 'B', 'O', 'S', 'K', 'B', 'H'};
inline constexpr char kKeyBlockFooterMagic[8] = {'K', 'V', 'B', 'O', 'S', 'K', 'B', 'F'};

struct KeyBlockHeader {
  char magic[8];
  uint64_t block_address;
  uint32_t format_version;
  uint32_t header_size;
  uint64_t reserved[4];
  uint64_t checksum;  // Checksum64 of the fields above
};

// A key record; the key bytes follow, then zero padding to 8 bytes.
struct RecordHeader {
  uint32_t checksum;     // Checksum32 of the record from key_size to the end of the key
  uint16_t key_size;     // bytes
  uint16_t flags;        // kFlagTombstone, kFlagExtentList
  uint32_t batch_count;  // records in the batch this record starts; 0 inside a batch
  uint32_t record_size;  // bytes including padding
  uint64_t value_addr;
  uint64_t value_size;   // bytes
  uint64_t value_checksum;  // XXH3-64 of the value bytes (0 for an empty value)
  uint32_t mode, uid, gid, rdev;
  int64_t atime_ns, mtime_ns, ctime_ns;
  uint64_t file_size;    // bytes
};

struct SortedEntry {
  uint64_t prefix;          // first 8 key bytes, big-endian, zero padded
  uint64_t record_address;  // persistent pointer to the key record
};

struct KeyBlockFooter {
  char magic[8];
  uint64_t block_address;
  uint32_t entry_count;
  uint32_t records_end;   // bytes: end of the record area
  uint32_t index_offset;  // bytes from block start
  uint32_t bloom_offset;
  uint32_t bloom_bytes;
  uint32_t bloom_probes;
  uint64_t index_checksum;  // Checksum64 of the sorted entries and the filter
  uint64_t reserved[2];
  uint64_t checksum;        // Checksum64 of the fields above
};

static_assert(sizeof(KeyBlockHeader) == 64);
static_assert(sizeof(RecordHeader) == 88);
static_assert(sizeof(SortedEntry) == 16);
static_assert(sizeof(KeyBlockFooter) == 72);

inline constexpr uint32_t kKeyBlockHeaderSize = sizeof(KeyBlockHeader);

// Bytes a record of a key of `key_size` bytes takes.
inline uint32_t RecordSize(size_t key_size) {
  return static_cast<uint32_t>((sizeof(RecordHeader) + key_size + 7) & ~size_t{7});
}
// Bytes the seal adds for `entry_count` distinct keys (entries, filter, footer).
uint32_t SealSize(uint32_t entry_count);

// The 8-byte prefix used by sorted entries.
uint64_t KeyPrefix(std::string_view key);

// Appends the encoded record for `key` to `out`.
void EncodeRecord(std::string_view key, const Record& record, uint32_t batch_count,
                  std::string* out);

// A validated record in mapped memory.
struct RecordView {
  const RecordHeader* header = nullptr;
  std::string_view key;
};
// Validates the record at `offset` of a block whose records end at `limit`.
Status DecodeRecordAt(const char* block, uint32_t offset, uint32_t limit, RecordView* view);
// The record at a trusted address (one taken from an index or open-block
// map); keys are not re-checksummed on this hot path.
RecordView RecordAt(const char* record_bytes);
void ToRecord(const RecordView& view, Record* record);

// The header of a fresh key block.
KeyBlockHeader MakeKeyBlockHeader(Address block_address);
Status CheckKeyBlockHeader(const char* block, Address block_address);

// Builds the seal of a block: the bytes from index_offset to the end of the
// block. `entries` are (key, record address) sorted by key, one per key.
std::string BuildSeal(Address block_address, uint32_t block_size, uint32_t records_end,
                      const std::vector<std::pair<std::string_view, Address>>& entries,
                      uint32_t* index_offset);

// Read access to a sealed key block.
class SealedKeyBlock {
 public:
  // Checks the footer (magic, address, checksum); with verify_index also the
  // checksum of the sorted entries and filter.
  static Status Load(const Pool* pool, Address block_address, bool verify_index,
                     SealedKeyBlock* out);

  Address address() const { return address_; }
  uint32_t size() const { return count_; }
  // False when the filter proves `key_hash` (BloomHash) absent.
  bool MayContain(uint64_t key_hash) const;
  // Record address of the newest record of `key` in this block, or 0.
  Address Find(std::string_view key, uint64_t key_hash) const;
  // Index of the first entry with key >= target (size() if none).
  uint32_t LowerBound(std::string_view target) const;
  Address RecordAddressAt(uint32_t i) const { return entries_[i].record_address; }
  std::string_view KeyAt(uint32_t i) const;

 private:
  const Pool* pool_ = nullptr;
  Address address_ = 0;
  const SortedEntry* entries_ = nullptr;
  uint32_t count_ = 0;
  const uint8_t* bloom_ = nullptr;
  uint32_t bloom_bytes_ = 0;
};

}  // namespace kvbos
