// Test helper: an ObjectStore in memory, for the engine's unit tests of the
// object-store tier (the real backends, libs3 against Ceph's RADOS Gateway
// and a local directory, are tested in s3/ and by the integration tests).
// Counts requests and can refuse every request, as a server that is down.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>

#include "core/object_store.h"

namespace kvbos::testing {

class MemoryObjectStore : public ObjectStore {
 public:
  Status Put(std::string_view name, std::string_view bytes) override {
    std::lock_guard lock(mu_);
    if (down_) return Status::IOError("store is down");
    puts++;
    objects_[std::string(name)] = std::string(bytes);
    return Status::Ok();
  }
  Status Get(std::string_view name, std::string* bytes) override {
    std::lock_guard lock(mu_);
    if (down_) return Status::IOError("store is down");
    gets++;
    auto it = objects_.find(std::string(name));
    if (it == objects_.end()) return Status::NotFound(name);
    *bytes = it->second;
    return Status::Ok();
  }
  Status GetRange(std::string_view name, uint64_t offset, uint64_t length, char* out) override {
    std::lock_guard lock(mu_);
    if (down_) return Status::IOError("store is down");
    range_gets++;
    auto it = objects_.find(std::string(name));
    if (it == objects_.end()) return Status::NotFound(name);
    if (offset + length > it->second.size()) return Status::Corruption("short object");
    it->second.copy(out, length, offset);
    return Status::Ok();
  }
  Status Head(std::string_view name, uint64_t* size) override {
    std::lock_guard lock(mu_);
    if (down_) return Status::IOError("store is down");
    heads++;
    auto it = objects_.find(std::string(name));
    if (it == objects_.end()) return Status::NotFound(name);
    *size = it->second.size();
    return Status::Ok();
  }
  Status Delete(std::string_view name) override {
    std::lock_guard lock(mu_);
    if (down_) return Status::IOError("store is down");
    objects_.erase(std::string(name));
    return Status::Ok();
  }
  std::string Describe() const override { return "memory store"; }

  void SetDown(bool down) {
    std::lock_guard lock(mu_);
    down_ = down;
  }
  // Overwrites byte `offset` of object `name`; false if there is no such byte.
  bool Damage(const std::string& name, uint64_t offset) {
    std::lock_guard lock(mu_);
    auto it = objects_.find(name);
    if (it == objects_.end() || offset >= it->second.size()) return false;
    it->second[offset] = static_cast<char>(it->second[offset] ^ 0x5a);
    return true;
  }
  bool Has(const std::string& name) {
    std::lock_guard lock(mu_);
    return objects_.count(name) != 0;
  }
  uint64_t Requests() const { return puts + gets + range_gets + heads; }

  std::atomic<uint64_t> puts{0}, gets{0}, range_gets{0}, heads{0};

 private:
  std::mutex mu_;
  bool down_ = false;
  std::map<std::string, std::string> objects_;
};

}  // namespace kvbos::testing
