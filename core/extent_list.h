// ExtentList: a value's content as (file offset, length, value address)
// triples, sorted by offset and non-overlapping. Bytes not covered by any
// extent are holes and read as zeros.
//
// Writes are copy-on-write: new bytes are appended to the open value block and
// Insert() replaces whatever older extents covered that range.
//
// Checksums: every stored extent lies inside a checksummed *unit*, a range of
// value bytes with one XXH3-64 checksum, so a value fetched back from the
// object store is verified before use (a corrupt object is an error, never a
// wrong byte). A unit is at most kValueUnitBytes, which bounds what a cold
// read fetches, and never crosses a value block boundary. Bytes written since the file's record was last made have
// no checksum yet ("pending": unit_length 0); Engine::MakeContentRecord
// computes it, each pending extent becoming its own unit. Adjacent pending
// extents that are also adjacent in the address space merge when the result
// stays inside one kValueUnitBytes-aligned window (blocks are multiples of
// it, so it cannot cross one), so a file written sequentially stays about
// one extent per MiB. A
// piece of a checksummed extent (after an overwrite or a truncate) keeps
// pointing at its whole unit.
//
// Thread-safety: none; the owner (an open file, or one engine call) guards it.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/record.h"
#include "core/status.h"

namespace kvbos {

// Units are at most this many bytes.
inline constexpr uint64_t kValueUnitBytes = 1u << 20;
// Writes up to this size are never split across value blocks.
inline constexpr uint64_t kSmallValueBytes = 64u << 10;

struct Extent {
  uint64_t file_offset = 0;  // bytes
  uint64_t length = 0;       // bytes
  Address addr = 0;          // where the first byte lives
  uint32_t unit_offset = 0;  // bytes from the unit's first byte to addr
  uint32_t unit_length = 0;  // bytes in the unit; 0: pending (no checksum yet)
  uint64_t checksum = 0;     // XXH3-64 of the unit's bytes

  bool pending() const { return unit_length == 0; }
  Address unit_addr() const { return addr - unit_offset; }
  bool operator==(const Extent& o) const = default;
};

inline constexpr size_t kEncodedExtentBytes = 40;

class ExtentList {
 public:
  ExtentList() = default;
  explicit ExtentList(std::vector<Extent> extents) : extents_(std::move(extents)) {}

  // Maps [file_offset, file_offset+length) to bytes at addr, replacing any
  // older mapping of that range. A pending `e` merges with a pending
  // neighbour that continues it in the file and in the address space, within
  // one kValueUnitBytes window.
  void Insert(const Extent& e);
  // Drops every byte at or beyond `size` (truncate down). Growing a file
  // needs no call: the new range is a hole.
  void TruncateTo(uint64_t size);

  const std::vector<Extent>& extents() const { return extents_; }
  std::vector<Extent>& mutable_extents() { return extents_; }
  // Bytes covered by extents (not counting holes).
  uint64_t StoredBytes() const;
  // The extents that overlap [offset, offset + length), whole: what a read of
  // that range needs (a copy, so the read can run without the owner's lock).
  ExtentList Slice(uint64_t offset, uint64_t length) const;

  // The on-media form: per extent, little-endian {u64 file_offset, u64
  // length, u64 addr, u32 unit_offset, u32 unit_length, u64 checksum}, 40
  // bytes (kEncodedExtentBytes). Every extent must be checksummed.
  std::string Encode() const;
  // Parses Encode()'s output; Corruption when the bytes are not a sorted,
  // non-overlapping list of extents each inside its unit.
  static Status Decode(std::string_view bytes, ExtentList* out);

 private:
  std::vector<Extent> extents_;
};

}  // namespace kvbos
