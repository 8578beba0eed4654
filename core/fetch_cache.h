// FetchCache: a bounded LRU cache, in DRAM, of value units fetched from the
// object store (verified before they are inserted), keyed by the unit's
// first address. Its size bounds the daemon's memory for cold data whatever
// the data size: inserting past the capacity drops the least recently used
// units.
//
// Thread-safety: every method may be called from many threads at once (one
// mutex, held only for map and list updates, never during a fetch).
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/record.h"

namespace kvbos {

class FetchCache {
 public:
  using Bytes = std::shared_ptr<const std::string>;

  // `capacity` in bytes; 0 caches nothing.
  explicit FetchCache(uint64_t capacity) : capacity_(capacity) {}

  // The unit starting at `unit_addr` if cached with `length` bytes, or null.
  Bytes Find(Address unit_addr, uint64_t length);
  // Caches a unit (replacing one at the same address).
  void Insert(Address unit_addr, Bytes bytes);

  uint64_t hits() const;
  uint64_t misses() const;
  uint64_t bytes() const;

 private:
  struct Entry {
    Address addr;
    Bytes bytes;
  };
  const uint64_t capacity_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;  // GUARDED_BY(mu_), most recent first
  std::unordered_map<Address, std::list<Entry>::iterator> index_;  // GUARDED_BY(mu_)
  uint64_t bytes_ = 0;   // GUARDED_BY(mu_)
  uint64_t hits_ = 0;    // GUARDED_BY(mu_)
  uint64_t misses_ = 0;  // GUARDED_BY(mu_)
};

}  // namespace kvbos
