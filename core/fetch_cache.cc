#include "core/fetch_cache.h"

namespace kvbos {

FetchCache::Bytes FetchCache::Find(Address unit_addr, uint64_t length) {
  std::lock_guard lock(mu_);
  auto it = index_.find(unit_addr);
  if (it == index_.end() || it->second->bytes->size() != length) {
    misses_++;
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  hits_++;
  return it->second->bytes;
}

void FetchCache::Insert(Address unit_addr, Bytes bytes) {
  if (bytes->size() > capacity_) return;
  std::lock_guard lock(mu_);
  if (auto it = index_.find(unit_addr); it != index_.end()) {
    bytes_ -= it->second->bytes->size();
    lru_.erase(it->second);
    index_.erase(it);
  }
  bytes_ += bytes->size();
  lru_.push_front(Entry{unit_addr, std::move(bytes)});
  index_[unit_addr] = lru_.begin();
  while (bytes_ > capacity_) {
    const Entry& victim = lru_.back();
    bytes_ -= victim.bytes->size();
    index_.erase(victim.addr);
    lru_.pop_back();
  }
}

uint64_t FetchCache::hits() const {
  std::lock_guard lock(mu_);
  return hits_;
}

uint64_t FetchCache::misses() const {
  std::lock_guard lock(mu_);
  return misses_;
}

uint64_t FetchCache::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

}  // namespace kvbos
