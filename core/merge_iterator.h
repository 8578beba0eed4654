// MergeIterator: live records in key order over a snapshot of the open
// block's index and the sealed key blocks, newest source winning when a key
// appears in several; tombstones hide older records and are not returned.
//
// The snapshot is taken by the engine when the iterator is made: the open
// block's entries under the prefix are copied, sealed blocks are immutable.
// Cost per step: one comparison per source (a linear merge; a heap or
// merged index runs would bound it when blocks number in the thousands).
//
// Thread-safety: one thread per iterator.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/engine.h"
#include "core/key_block.h"
#include "core/pool.h"

namespace kvbos {

class MergeIterator final : public Iterator {
 public:
  // `open_entries` sorted by key; `sealed_newest_first` in age order.
  MergeIterator(const Pool* pool, std::vector<std::pair<std::string, Address>> open_entries,
                std::vector<SealedKeyBlock> sealed_newest_first, std::string prefix);

  void Seek(std::string_view target) override;
  bool Valid() const override { return valid_; }
  void Next() override;
  const Record& record() const override { return current_; }
  Status status() const override { return Status::Ok(); }

 private:
  // Position of one source: the open snapshot (index 0) or a sealed block.
  struct Cursor {
    uint32_t pos = 0;
    uint32_t end = 0;
    std::string_view key;  // current key, empty view when exhausted
    bool valid = false;
  };
  void Load(size_t source);
  Address AddressOf(size_t source) const;
  void FindNextLive();

  const Pool* pool_;
  std::vector<std::pair<std::string, Address>> open_entries_;
  std::vector<SealedKeyBlock> sealed_;
  std::string prefix_;
  std::vector<Cursor> cursors_;  // [0] open snapshot, [1 + i] sealed_[i]
  bool valid_ = false;
  Record current_;
};

}  // namespace kvbos
