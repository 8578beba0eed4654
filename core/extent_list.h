// ExtentList: a value's content as (file offset, length, value address)
// triples, sorted by offset and non-overlapping. Bytes not covered by any
// extent are holes and read as zeros.
//
// Writes are copy-on-write: new bytes are appended to the open value block and
// Insert() replaces whatever older extents covered that range. Adjacent
// extents that are also adjacent in the address space are merged, so a file
// written sequentially stays one extent per value block.
//
// Thread-safety: none; the owner (an open file, or one engine call) guards it.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/record.h"
#include "core/status.h"

namespace kvbos {

struct Extent {
  uint64_t file_offset = 0;  // bytes
  uint64_t length = 0;       // bytes
  Address addr = 0;          // where the first byte lives

  bool operator==(const Extent& o) const {
    return file_offset == o.file_offset && length == o.length && addr == o.addr;
  }
};

class ExtentList {
 public:
  ExtentList() = default;
  explicit ExtentList(std::vector<Extent> extents) : extents_(std::move(extents)) {}

  // Maps [file_offset, file_offset+length) to bytes at addr, replacing any
  // older mapping of that range.
  void Insert(const Extent& e);
  // Drops every byte at or beyond `size` (truncate down). Growing a file
  // needs no call: the new range is a hole.
  void TruncateTo(uint64_t size);

  const std::vector<Extent>& extents() const { return extents_; }
  // Bytes covered by extents (not counting holes).
  uint64_t StoredBytes() const;

  // The on-media form: the extents as little-endian {u64 offset, u64 length,
  // u64 addr} triples, 24 bytes each.
  std::string Encode() const;
  // Parses Encode()'s output; Corruption when the bytes are not a sorted,
  // non-overlapping list.
  static Status Decode(std::string_view bytes, ExtentList* out);

 private:
  std::vector<Extent> extents_;
};

}  // namespace kvbos
