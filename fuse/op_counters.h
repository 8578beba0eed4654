// OpCounter: how many times one FUSE operation has run, for the live
// statistics file (fuse/stats_json.h). Each handler owns one, made on first
// use by KVBOS_OP("name"); all of them register in one process-wide list.
//
// Thread-safety: Add is a relaxed atomic increment (on every FUSE call);
// registration takes a mutex once per operation.
#pragma once

#include <atomic>
#include <cstdint>

#include <nlohmann/json.hpp>

namespace kvbosfs {

class OpCounter {
 public:
  // Registers the counter; `name` must be a string literal.
  explicit OpCounter(const char* name);
  OpCounter(const OpCounter&) = delete;
  OpCounter& operator=(const OpCounter&) = delete;

  void Add() { calls_.fetch_add(1, std::memory_order_relaxed); }
  const char* name() const { return name_; }
  uint64_t calls() const { return calls_.load(std::memory_order_relaxed); }

 private:
  const char* const name_;
  std::atomic<uint64_t> calls_{0};
};

// {"getattr": 12, "read": 3, ...}: every operation that has run at least once.
nlohmann::json OpCountersJson();

}  // namespace kvbosfs

// The counter of the operation `name` at this call site.
#define KVBOS_OP(name)                                  \
  ([]() -> ::kvbosfs::OpCounter& {                      \
    static ::kvbosfs::OpCounter counter(name);          \
    return counter;                                     \
  }())
