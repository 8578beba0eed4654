#include "core/merge_iterator.h"

#include <algorithm>

namespace kvbos {

MergeIterator::MergeIterator(const Pool* pool,
                             std::vector<std::pair<std::string, Address>> open_entries,
                             std::vector<SealedKeyBlock> sealed_newest_first, std::string prefix)
    : pool_(pool),
      open_entries_(std::move(open_entries)),
      sealed_(std::move(sealed_newest_first)),
      prefix_(std::move(prefix)),
      cursors_(1 + sealed_.size()) {}

Address MergeIterator::AddressOf(size_t source) const {
  const Cursor& c = cursors_[source];
  return source == 0 ? open_entries_[c.pos].second : sealed_[source - 1].RecordAddressAt(c.pos);
}

void MergeIterator::Load(size_t source) {
  Cursor& c = cursors_[source];
  c.valid = false;
  if (c.pos >= c.end) return;
  std::string_view key = source == 0 ? std::string_view(open_entries_[c.pos].first)
                                     : sealed_[source - 1].KeyAt(c.pos);
  if (key.substr(0, prefix_.size()) != prefix_) return;  // past the prefix: exhausted
  c.key = key;
  c.valid = true;
}

void MergeIterator::Seek(std::string_view target) {
  std::string_view from = target < std::string_view(prefix_) ? std::string_view(prefix_) : target;
  {
    Cursor& c = cursors_[0];
    auto it = std::lower_bound(open_entries_.begin(), open_entries_.end(), from,
                               [](const auto& e, std::string_view k) { return e.first < k; });
    c.pos = static_cast<uint32_t>(it - open_entries_.begin());
    c.end = static_cast<uint32_t>(open_entries_.size());
    Load(0);
  }
  for (size_t i = 0; i < sealed_.size(); i++) {
    Cursor& c = cursors_[1 + i];
    c.pos = sealed_[i].LowerBound(from);
    c.end = sealed_[i].size();
    Load(1 + i);
  }
  FindNextLive();
}

void MergeIterator::Next() {
  if (valid_) FindNextLive();
}

// Emits the smallest key across sources from its newest source, advances
// every source past that key, and skips tombstones.
void MergeIterator::FindNextLive() {
  valid_ = false;
  while (true) {
    size_t winner = cursors_.size();
    for (size_t i = 0; i < cursors_.size(); i++) {
      if (!cursors_[i].valid) continue;
      if (winner == cursors_.size() || cursors_[i].key < cursors_[winner].key) winner = i;
    }
    if (winner == cursors_.size()) return;
    RecordView view = RecordAt(pool_->RecordBytes(AddressOf(winner)));
    const bool live = (view.header->flags & kFlagTombstone) == 0;
    if (live) ToRecord(view, &current_);
    // A view, not a copy: cursor keys point into the pool or into
    // open_entries_, neither of which moves while the iterator lives.
    const std::string_view key = cursors_[winner].key;
    for (size_t i = 0; i < cursors_.size(); i++) {
      if (cursors_[i].valid && cursors_[i].key == key) {
        cursors_[i].pos++;
        Load(i);
      }
    }
    if (live) {
      valid_ = true;
      return;
    }
  }
}

}  // namespace kvbos
