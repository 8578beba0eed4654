// CountingObjectStore: an ObjectStore that counts the requests it passes to
// another one, by verb, for `kvbos stat` ("requests to the bucket"). The
// engine puts one in front of the store it is given.
//
// Thread-safety: as the wrapped store; the counters are relaxed atomics.
#pragma once

#include <atomic>
#include <cstdint>

#include "core/object_store.h"

namespace kvbos {

struct StoreRequestCounts {
  uint64_t puts = 0;
  uint64_t gets = 0;        // whole-object GETs
  uint64_t range_gets = 0;  // GETs of a byte range
  uint64_t heads = 0;
  uint64_t deletes = 0;
  uint64_t failures = 0;    // requests that did not succeed (NotFound excepted)
};

class CountingObjectStore final : public ObjectStore {
 public:
  // `store` must outlive this object.
  explicit CountingObjectStore(ObjectStore* store) : store_(store) {}

  Status Put(std::string_view name, std::string_view bytes) override {
    return Count(puts_, store_->Put(name, bytes));
  }
  Status Get(std::string_view name, std::string* bytes) override {
    return Count(gets_, store_->Get(name, bytes));
  }
  Status GetRange(std::string_view name, uint64_t offset, uint64_t length, char* out) override {
    return Count(range_gets_, store_->GetRange(name, offset, length, out));
  }
  Status Head(std::string_view name, uint64_t* size) override {
    return Count(heads_, store_->Head(name, size));
  }
  Status Delete(std::string_view name) override { return Count(deletes_, store_->Delete(name)); }
  std::string Describe() const override { return store_->Describe(); }

  StoreRequestCounts counts() const {
    StoreRequestCounts c;
    c.puts = puts_.load(std::memory_order_relaxed);
    c.gets = gets_.load(std::memory_order_relaxed);
    c.range_gets = range_gets_.load(std::memory_order_relaxed);
    c.heads = heads_.load(std::memory_order_relaxed);
    c.deletes = deletes_.load(std::memory_order_relaxed);
    c.failures = failures_.load(std::memory_order_relaxed);
    return c;
  }

 private:
  Status Count(std::atomic<uint64_t>& verb, Status s) {
    verb.fetch_add(1, std::memory_order_relaxed);
    if (!s.ok() && !s.IsNotFound()) failures_.fetch_add(1, std::memory_order_relaxed);
    return s;
  }

  ObjectStore* const store_;
  std::atomic<uint64_t> puts_{0}, gets_{0}, range_gets_{0}, heads_{0}, deletes_{0}, failures_{0};
};

}  // namespace kvbos
