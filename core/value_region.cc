#include "core/value_region.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "core/checksum.h"
#include "core/hex.h"

namespace kvbos {

ValueRegion::ValueRegion(Pool* pool)
    : pool_(pool),
      block_size_(pool->superblock().value_block_size),
      slot_count_(pool->superblock().frame_count / pool->frames_per_slot()),
      last_use_(new std::atomic<uint64_t>[slot_count_]()),
      block_in_slot_(slot_count_, -1) {}

std::string ValueRegion::ObjectName(Address block) { return "values/" + Hex(block); }

Status ValueRegion::Recover(uint64_t value_top) {
  std::unique_lock lock(map_mu_);
  top_.store(value_top, std::memory_order_release);
  for (uint64_t slot = 0; slot < slot_count_; slot++) {
    const FrameEntry& e = pool_->frame(pool_->ValueSlotFrame(slot));
    if (e.kind != FrameKind::kValue) continue;
    if (e.block_address % block_size_ != 0 || e.block_address >= (uint64_t{1} << 63)) {
      return Status::Corruption("frame table: slot " + std::to_string(slot) +
                                " names an invalid value block " + Hex(e.block_address));
    }
    const uint64_t n = e.block_address / block_size_;
    if (n >= slot_of_block_.size()) slot_of_block_.resize(n + 1, -1);
    if (slot_of_block_[n] >= 0) {
      return Status::Corruption("frame table: value block " + Hex(e.block_address) +
                                " is in two slots");
    }
    slot_of_block_[n] = static_cast<int64_t>(slot);
    block_in_slot_[slot] = static_cast<int64_t>(n);
    slots_high_ = slot + 1;
  }
  return Status::Ok();
}

void ValueRegion::AttachStore(ObjectStore* store, uint64_t cache_bytes) {
  store_ = store;
  cache_ = std::make_unique<FetchCache>(cache_bytes);
}

int64_t ValueRegion::SlotOfLocked(Address block) const {
  const uint64_t n = block / block_size_;
  return n < slot_of_block_.size() ? slot_of_block_[n] : -1;
}

uint64_t ValueRegion::slots_high() const {
  std::shared_lock lock(map_mu_);
  return slots_high_;
}

uint64_t ValueRegion::resident_blocks() const {
  std::shared_lock lock(map_mu_);
  return static_cast<uint64_t>(
      std::count_if(block_in_slot_.begin(), block_in_slot_.end(), [](int64_t b) { return b >= 0; }));
}

void ValueRegion::PadToBlock() {
  const uint64_t top = this->top();
  if (top % block_size_ != 0) top_.store(BlockOf(top) + block_size_, std::memory_order_release);
}

bool ValueRegion::EvictOneLocked(Address below, Address keep) {
  int64_t victim = -1;  // block number
  uint64_t victim_use = UINT64_MAX;
  for (uint64_t n = 0; n < slot_of_block_.size(); n++) {
    const Address block = n * block_size_;
    if (block + block_size_ > below) break;
    const int64_t slot = slot_of_block_[n];
    if (slot < 0 || block == keep) continue;
    const uint64_t use = last_use_[static_cast<size_t>(slot)].load(std::memory_order_relaxed);
    if (use < victim_use) victim = static_cast<int64_t>(n), victim_use = use;
  }
  if (victim < 0) return false;
  const int64_t slot = slot_of_block_[static_cast<size_t>(victim)];
  pool_->SetFrame(pool_->ValueSlotFrame(static_cast<uint64_t>(slot)), 0, FrameKind::kFree,
                  FrameState::kFree);
  slot_of_block_[static_cast<size_t>(victim)] = -1;
  block_in_slot_[static_cast<size_t>(slot)] = -1;
  evictions_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

Status ValueRegion::OpenBlock(Address block, uint64_t key_frames, uint64_t evictable_below) {
  std::unique_lock lock(map_mu_);
  if (SlotOfLocked(block) >= 0) return Status::Ok();  // opened before a crash: reuse
  const uint64_t per_slot = pool_->frames_per_slot(), frames = pool_->superblock().frame_count;
  auto find_free = [&]() -> int64_t {
    for (uint64_t s = 0; s < slots_high_; s++) {
      if (block_in_slot_[s] < 0) return static_cast<int64_t>(s);
    }
    if ((slots_high_ + 1) * per_slot + key_frames <= frames) return static_cast<int64_t>(slots_high_);
    return -1;
  };
  int64_t slot = find_free();
  if (slot < 0 && EvictOneLocked(evictable_below, block)) slot = find_free();
  if (slot < 0) {
    return Status::NoSpace(store_ == nullptr
                               ? "the pool has no free frame for another value block"
                               : "the pool has no free frame for another value block and no "
                                 "block whose upload is confirmed to evict");
  }
  // The previous block, if still here, is sealed now (its bytes never change again).
  if (block >= block_size_) {
    const int64_t prev = SlotOfLocked(block - block_size_);
    if (prev >= 0) {
      pool_->SetFrame(pool_->ValueSlotFrame(static_cast<uint64_t>(prev)), block - block_size_,
                      FrameKind::kValue, FrameState::kSealed);
    }
  }
  pool_->SetFrame(pool_->ValueSlotFrame(static_cast<uint64_t>(slot)), block, FrameKind::kValue,
                  FrameState::kOpen);
  const uint64_t n = block / block_size_;
  if (n >= slot_of_block_.size()) slot_of_block_.resize(n + 1, -1);
  slot_of_block_[n] = slot;
  block_in_slot_[static_cast<size_t>(slot)] = static_cast<int64_t>(n);
  slots_high_ = std::max<uint64_t>(slots_high_, static_cast<uint64_t>(slot) + 1);
  last_use_[static_cast<size_t>(slot)].store(generation_.fetch_add(1) + 1, std::memory_order_relaxed);
  return Status::Ok();
}

Status ValueRegion::Append(std::string_view bytes, uint64_t key_frames, uint64_t evictable_below,
                           Address* addr) {
  const uint64_t top = this->top();
  *addr = top;
  if (bytes.empty()) return Status::Ok();
  if (bytes.size() > RoomInBlock()) {
    return Status::InvalidArgument("value append crosses a value block boundary");
  }
  const Address block = BlockOf(top);
  int64_t slot;
  {
    std::shared_lock lock(map_mu_);
    slot = SlotOfLocked(block);
  }
  if (slot < 0) {
    KVBOS_RETURN_IF_ERROR(OpenBlock(block, key_frames, evictable_below));
    std::shared_lock lock(map_mu_);
    slot = SlotOfLocked(block);
  }
  // Only this thread (holding the engine's write mutex) evicts, so the slot
  // stays ours while we copy.
  pool_->CopyNoFlush(pool_->ValueSlotBytes(static_cast<uint64_t>(slot)) + (top - block),
                     bytes.data(), bytes.size());
  top_.store(top + bytes.size(), std::memory_order_release);
  return Status::Ok();
}

void ValueRegion::Persist(Address from, Address to) const {
  std::shared_lock lock(map_mu_);
  while (from < to) {
    const Address block = BlockOf(from);
    const uint64_t n = std::min<uint64_t>(to, block + block_size_) - from;
    const int64_t slot = SlotOfLocked(block);
    if (slot >= 0) pool_->Persist(pool_->ValueSlotBytes(static_cast<uint64_t>(slot)) + (from - block), n);
    from += n;
  }
}

Status ValueRegion::FetchRange(Address addr, uint64_t length, char* out) const {
  const Address block = BlockOf(addr);
  if (store_ == nullptr) {
    return Status::Corruption("value block " + Hex(block) +
                              " is not in the pool and no object store is configured");
  }
  Status s = store_->GetRange(ObjectName(block), addr - block, length, out);
  if (s.IsNotFound()) {
    return Status::Corruption("object " + ObjectName(block) + " is missing from " +
                              store_->Describe());
  }
  return s;
}

Status ValueRegion::Read(Address addr, uint64_t length, char* out) const {
  const uint64_t top = this->top();
  if (addr > top || length > top - addr) {
    return Status::Corruption("value range " + Hex(addr) + "+" + std::to_string(length) +
                              " lies above the value watermark");
  }
  while (length > 0) {
    const Address block = BlockOf(addr);
    const uint64_t n = std::min<uint64_t>(length, block + block_size_ - addr);
    bool copied = false;
    {
      std::shared_lock lock(map_mu_);
      const int64_t slot = SlotOfLocked(block);
      if (slot >= 0) {
        Touch(slot);
        std::memcpy(out, pool_->ValueSlotBytes(static_cast<uint64_t>(slot)) + (addr - block), n);
        copied = true;
      }
    }
    if (!copied) KVBOS_RETURN_IF_ERROR(FetchRange(addr, n, out));
    addr += n, length -= n, out += n;
  }
  return Status::Ok();
}

Status ValueRegion::CheckResidentUnit(Address unit_addr, uint64_t unit_length,
                                      uint64_t checksum, bool* resident) const {
  const uint64_t top = this->top();
  if (unit_addr > top || unit_length > top - unit_addr ||
      BlockOf(unit_addr) != BlockOf(unit_addr + unit_length - 1)) {
    return Status::Corruption("value unit " + Hex(unit_addr) + "+" + std::to_string(unit_length) +
                              " lies above the value watermark or across a block");
  }
  const Address block = BlockOf(unit_addr);
  std::shared_lock lock(map_mu_);
  const int64_t slot = SlotOfLocked(block);
  *resident = slot >= 0;
  if (!*resident) return Status::Ok();
  const char* bytes = pool_->ValueSlotBytes(static_cast<uint64_t>(slot)) + (unit_addr - block);
  if (Checksum64(bytes, unit_length) != checksum) {
    return Status::Corruption("value unit " + Hex(unit_addr) + "+" + std::to_string(unit_length) +
                              " fails its checksum");
  }
  return Status::Ok();
}

Status ValueRegion::ReadVerified(Address unit_addr, uint64_t unit_length, uint64_t checksum,
                                 Address addr, uint64_t length, char* out) const {
  if (addr < unit_addr || length > unit_length || addr - unit_addr > unit_length - length ||
      BlockOf(unit_addr) != BlockOf(unit_addr + unit_length - 1)) {
    return Status::Corruption("value range " + Hex(addr) + "+" + std::to_string(length) +
                              " lies outside its unit " + Hex(unit_addr) + "+" +
                              std::to_string(unit_length));
  }
  const Address block = BlockOf(unit_addr);
  {
    std::shared_lock lock(map_mu_);
    const int64_t slot = SlotOfLocked(block);
    if (slot >= 0) {
      const uint64_t top = this->top();
      if (addr > top || length > top - addr) {
        return Status::Corruption("value range " + Hex(addr) + " lies above the value watermark");
      }
      Touch(slot);
      std::memcpy(out, pool_->ValueSlotBytes(static_cast<uint64_t>(slot)) + (addr - block), length);
      return Status::Ok();
    }
  }
  FetchCache::Bytes unit = cache_ ? cache_->Find(unit_addr, unit_length) : nullptr;
  if (!unit) {
    auto bytes = std::make_shared<std::string>(unit_length, '\0');
    KVBOS_RETURN_IF_ERROR(FetchRange(unit_addr, unit_length, bytes->data()));
    if (Checksum64(bytes->data(), bytes->size()) != checksum) {
      return Status::Corruption("object " + ObjectName(block) + " in " + store_->Describe() +
                                ": bytes " + std::to_string(unit_addr - block) + "+" +
                                std::to_string(unit_length) + " fail their checksum");
    }
    unit = bytes;
    if (cache_) cache_->Insert(unit_addr, unit);
  }
  std::memcpy(out, unit->data() + (addr - unit_addr), length);
  return Status::Ok();
}

}  // namespace kvbos
