#include "core/engine_impl.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "core/bloom.h"
#include "core/checksum.h"
#include "core/hex.h"
#include "core/merge_iterator.h"

namespace kvbos {

Status Engine::Create(const std::string& path, const CreateOptions& options) {
  return Pool::Create(path, options);
}

Status Engine::Open(const std::string& path, const OpenOptions& options,
                    std::unique_ptr<Engine>* engine) {
  std::unique_ptr<Pool> pool;
  KVBOS_RETURN_IF_ERROR(Pool::Open(path, options.read_only, &pool));
  auto impl = std::make_unique<EngineImpl>(std::move(pool));
  if (options.store != nullptr) KVBOS_RETURN_IF_ERROR(impl->OpenStore(options));
  KVBOS_RETURN_IF_ERROR(impl->Recover());
  *engine = std::move(impl);
  return Status::Ok();
}

EngineImpl::EngineImpl(std::unique_ptr<Pool> pool)
    : pool_(std::move(pool)),
      value_block_size_(pool_->superblock().value_block_size),
      key_block_size_(pool_->superblock().key_block_size),
      values_(pool_.get()) {}

Status EngineImpl::Recover() {
  const Checkpoint& cp = pool_->checkpoint();
  const uint64_t kbs = key_block_size_, frames = pool_->superblock().frame_count;
  const uint64_t distance = 0 - cp.open_key_block;  // bytes from 2^64 down to the open block
  if (distance == 0 || distance % kbs != 0 || cp.open_key_used > kbs) {
    return Status::Corruption("checkpoint names an invalid open key block " + Hex(cp.open_key_block));
  }
  open_block_ = cp.open_key_block;
  open_used_ = cp.open_key_used;
  key_blocks_ = distance / kbs;
  KVBOS_RETURN_IF_ERROR(values_.Recover(cp.value_top));
  if (values_.slots_high() * pool_->frames_per_slot() + key_blocks_ > frames) {
    return Status::Corruption("frame table and checkpoint overlap: value slots reach the key "
                              "blocks (open key block " + Hex(cp.open_key_block) + ")");
  }

  // Sealed blocks, oldest (highest address) first. Only footers are read.
  sealed_.reserve(key_blocks_ - 1);
  for (Address block = 0 - kbs; block != open_block_; block -= kbs) {
    SealedKeyBlock sealed;
    KVBOS_RETURN_IF_ERROR(SealedKeyBlock::Load(pool_.get(), block, false, &sealed));
    sealed_.push_back(sealed);
  }

  // The open block: every record up to the durable watermark must validate.
  if (open_used_ == 0) return Status::Ok();
  const char* block = pool_->KeyBlockBytes(open_block_);
  KVBOS_RETURN_IF_ERROR(CheckKeyBlockHeader(block, open_block_));
  uint32_t offset = kKeyBlockHeaderSize;
  uint32_t batch_left = 0;
  while (offset < open_used_) {
    RecordView view;
    Status s = DecodeRecordAt(block, offset, open_used_, &view);
    if (!s.ok()) {
      return Status::Corruption("open key block " + Hex(open_block_) + " offset " +
                                std::to_string(offset) + ": " + s.message());
    }
    const uint32_t batch_count = view.header->batch_count;
    if ((batch_left == 0) != (batch_count != 0)) {
      return Status::Corruption("open key block " + Hex(open_block_) + ": broken batch at offset " +
                                std::to_string(offset));
    }
    batch_left = batch_count != 0 ? batch_count - 1 : batch_left - 1;
    if ((view.header->flags & kFlagTombstone) == 0 &&
        view.header->value_addr + view.header->value_size > cp.value_top) {
      return Status::Corruption("key record at offset " + std::to_string(offset) +
                                " points above the value watermark");
    }
    open_index_[std::string(view.key)] = open_block_ + offset;
    offset += view.header->record_size;
  }
  if (batch_left != 0) return Status::Corruption("open key block ends inside a batch");
  return Status::Ok();
}

Status EngineImpl::CheckWritable() const {
  if (pool_->read_only()) return Status::ReadOnly("the pool is open read-only");
  if (fenced_.load(std::memory_order_acquire)) {
    return Status::ReadOnly("another writer has written to the bucket; this pool is read-only");
  }
  return Status::Ok();
}

// Reads ------------------------------------------------------------------

Status EngineImpl::Get(std::string_view key, Record* record) {
  std::shared_lock lock(index_mu_);
  Address addr = 0;
  if (auto it = open_index_.find(key); it != open_index_.end()) {
    addr = it->second;
  } else {
    const uint64_t hash = BloomHash(key);
    for (auto it2 = sealed_.rbegin(); it2 != sealed_.rend() && addr == 0; ++it2) {
      addr = it2->Find(key, hash);
    }
  }
  if (addr == 0) return Status::NotFound();
  RecordView view = RecordAt(pool_->RecordBytes(addr));
  if (view.header->flags & kFlagTombstone) return Status::NotFound();
  ToRecord(view, record);
  return Status::Ok();
}

std::unique_ptr<Iterator> EngineImpl::NewPrefixIterator(std::string_view prefix) {
  std::vector<std::pair<std::string, Address>> open_entries;
  std::vector<SealedKeyBlock> sealed;
  {
    std::shared_lock lock(index_mu_);
    for (auto it = open_index_.lower_bound(prefix);
         it != open_index_.end() && std::string_view(it->first).substr(0, prefix.size()) == prefix;
         ++it) {
      open_entries.emplace_back(it->first, it->second);
    }
    sealed.assign(sealed_.rbegin(), sealed_.rend());
  }
  return std::make_unique<MergeIterator>(pool_.get(), std::move(open_entries), std::move(sealed),
                                         std::string(prefix));
}

std::unique_ptr<Iterator> EngineImpl::NewIterator() { return NewPrefixIterator({}); }

Status EngineImpl::Scan(std::string_view prefix, const std::function<bool(const Record&)>& fn) {
  auto it = NewPrefixIterator(prefix);
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    if (!fn(it->record())) break;
  }
  return it->status();
}

Status EngineImpl::ReadValue(Address addr, uint64_t length, char* out) {
  return values_.Read(addr, length, out);
}

Status EngineImpl::LoadExtents(const Record& record, ExtentList* extents) {
  if (record.is_tombstone() || record.value_size == 0) {
    *extents = ExtentList();
    return Status::Ok();
  }
  if (record.value_size > value_block_size_) {
    return Status::Corruption("record of " + record.key + " names a value larger than a block");
  }
  if (!record.has_extent_list()) {
    const auto length = static_cast<uint32_t>(record.value_size);
    *extents = ExtentList({Extent{0, length, record.value_addr, 0, length, record.value_checksum}});
    return Status::Ok();
  }
  std::string bytes(record.value_size, '\0');
  KVBOS_RETURN_IF_ERROR(values_.ReadVerified(record.value_addr, record.value_size,
                                             record.value_checksum, record.value_addr,
                                             record.value_size, bytes.data()));
  return ExtentList::Decode(bytes, extents);
}

Status EngineImpl::ReadContent(const ExtentList& list, uint64_t offset, uint64_t length,
                               char* out) {
  std::memset(out, 0, length);  // holes read as zeros
  const uint64_t end = offset + length;
  const auto& extents = list.extents();
  auto it = std::upper_bound(extents.begin(), extents.end(), offset,
                             [](uint64_t off, const Extent& e) { return off < e.file_offset; });
  if (it != extents.begin()) --it;
  for (; it != extents.end() && it->file_offset < end; ++it) {
    const uint64_t from = std::max(offset, it->file_offset);
    const uint64_t to = std::min(end, it->file_offset + it->length);
    if (from >= to) continue;
    const Address addr = it->addr + (from - it->file_offset);
    char* dst = out + (from - offset);
    if (it->pending()) {
      KVBOS_RETURN_IF_ERROR(values_.Read(addr, to - from, dst));
    } else {
      KVBOS_RETURN_IF_ERROR(values_.ReadVerified(it->unit_addr(), it->unit_length, it->checksum,
                                                 addr, to - from, dst));
    }
  }
  return Status::Ok();
}

// Writes -----------------------------------------------------------------

Status EngineImpl::AppendValueLocked(std::string_view bytes, uint64_t file_offset,
                                     std::vector<Extent>* extents) {
  while (!bytes.empty()) {
    const uint64_t top = values_.top();
    if (store_ != nullptr && top % value_block_size_ == 0 && top > 0) {
      // A block was just filled: upload it soon, so that its frames can be reused.
      std::lock_guard loop_lock(loop_mu_);
      wake_loop_ = true;
      loop_cv_.notify_one();
    }
    // A small write that does not fit in this block starts the next one, so
    // that a small file stays one unit, fetched back by one range GET (the
    // block loses at most kSmallValueBytes).
    if (bytes.size() <= kSmallValueBytes && bytes.size() > values_.RoomInBlock()) {
      values_.PadToBlock();
    }
    const uint64_t room = std::min<uint64_t>(values_.RoomInBlock(), kValueUnitBytes);
    const std::string_view piece = bytes.substr(0, room);
    Address addr;
    KVBOS_RETURN_IF_ERROR(values_.Append(piece, key_blocks_, EvictableBelow(), &addr));
    extents->push_back(Extent{file_offset, piece.size(), addr});
    file_offset += piece.size();
    bytes.remove_prefix(piece.size());
  }
  return Status::Ok();
}

Status EngineImpl::AppendWholeValueLocked(std::string_view bytes, Address* addr,
                                          uint64_t* checksum) {
  if (bytes.size() > value_block_size_) {
    return Status::TooLarge("a value of " + std::to_string(bytes.size()) +
                            " bytes does not fit in one value block");
  }
  if (bytes.size() > values_.RoomInBlock()) values_.PadToBlock();
  KVBOS_RETURN_IF_ERROR(values_.Append(bytes, key_blocks_, EvictableBelow(), addr));
  *checksum = Checksum64(bytes.data(), bytes.size());
  return Status::Ok();
}

Status EngineImpl::AppendValue(std::string_view bytes, uint64_t file_offset,
                               std::vector<Extent>* extents) {
  KVBOS_RETURN_IF_ERROR(CheckWritable());
  extents->clear();
  uint64_t done = 0;  // bytes appended so far
  for (;;) {
    std::vector<Extent> more;
    Status s;
    {
      std::lock_guard lock(write_mu_);
      s = AppendValueLocked(bytes.substr(done), file_offset + done, &more);
    }
    for (const Extent& e : more) done += e.length;
    extents->insert(extents->end(), more.begin(), more.end());
    // A full pool with uploads under way: wait for space, then carry on.
    if (s.code() != Status::Code::kNoSpace || !WaitForSpace()) return s;
  }
}

Status EngineImpl::StartOpenBlockLocked() {
  char* block = pool_->KeyBlockBytes(open_block_);
  KeyBlockHeader header = MakeKeyBlockHeader(open_block_);
  pool_->CopyNoFlush(block, &header, sizeof header);
  pool_->SetFrame(pool_->KeyBlockFrame(open_block_), open_block_, FrameKind::kKey, FrameState::kOpen);
  open_used_ = kKeyBlockHeaderSize;
  return Status::Ok();
}

Status EngineImpl::SealAndAdvanceLocked() {
  if (values_.slots_high() * pool_->frames_per_slot() + key_blocks_ + 1 >
      pool_->superblock().frame_count) {
    return Status::NoSpace("the pool has no free frame for another key block");
  }
  std::vector<std::pair<std::string_view, Address>> entries;
  entries.reserve(open_index_.size());
  for (const auto& [key, addr] : open_index_) entries.emplace_back(key, addr);  // sorted, one per key
  uint32_t index_offset = 0;
  std::string seal = BuildSeal(open_block_, key_block_size_, open_used_, entries, &index_offset);
  pool_->CopyNoFlush(pool_->KeyBlockBytes(open_block_) + index_offset, seal.data(), seal.size());
  SealedKeyBlock sealed;
  KVBOS_RETURN_IF_ERROR(SealedKeyBlock::Load(pool_.get(), open_block_, true, &sealed));
  pool_->SetFrame(pool_->KeyBlockFrame(open_block_), open_block_, FrameKind::kKey, FrameState::kSealed);
  {
    std::unique_lock lock(index_mu_);
    sealed_.push_back(sealed);
    open_index_.clear();
  }
  open_block_ -= key_block_size_;
  key_blocks_++;
  return StartOpenBlockLocked();
}

Status EngineImpl::AppendRecordsLocked(const std::vector<PendingRecord>& records) {
  std::string encoded;
  std::vector<uint32_t> offsets;
  for (size_t i = 0; i < records.size(); i++) {
    if (records[i].key.size() > kMaxKeySize) return Status::InvalidArgument("key too long");
    offsets.push_back(static_cast<uint32_t>(encoded.size()));
    EncodeRecord(records[i].key, *records[i].record,
                 i == 0 ? static_cast<uint32_t>(records.size()) : 0, &encoded);
  }
  const uint32_t count = static_cast<uint32_t>(records.size());
  auto fits = [&] {
    return open_used_ + encoded.size() + SealSize(static_cast<uint32_t>(open_index_.size()) + count) <=
           key_block_size_;
  };
  if (open_used_ == 0) KVBOS_RETURN_IF_ERROR(StartOpenBlockLocked());
  if (!fits()) {
    if (kKeyBlockHeaderSize + encoded.size() + SealSize(count) > key_block_size_) {
      return Status::TooLarge("a batch of " + std::to_string(count) + " records (" +
                              std::to_string(encoded.size()) + " bytes) does not fit in one key block");
    }
    KVBOS_RETURN_IF_ERROR(SealAndAdvanceLocked());
  }
  char* block = pool_->KeyBlockBytes(open_block_);
  pool_->CopyNoFlush(block + open_used_, encoded.data(), encoded.size());
  {
    std::unique_lock lock(index_mu_);
    for (size_t i = 0; i < records.size(); i++) {
      const Address addr = open_block_ + open_used_ + offsets[i];
      auto it = open_index_.find(records[i].key);
      if (it != open_index_.end()) {
        it->second = addr;
      } else {
        open_index_.emplace(std::string(records[i].key), addr);
      }
    }
  }
  open_used_ += static_cast<uint32_t>(encoded.size());
  return Status::Ok();
}

Status EngineImpl::Put(std::string_view key, std::string_view value, const Attributes& attrs) {
  std::vector<Extent> extents;
  KVBOS_RETURN_IF_ERROR(AppendValue(value, 0, &extents));
  ExtentList list(std::move(extents));
  Record record;
  KVBOS_RETURN_IF_ERROR(MakeContentRecord(&list, attrs, &record));
  std::lock_guard lock(write_mu_);
  return AppendRecordsLocked({PendingRecord{key, &record}});
}

Status EngineImpl::Delete(std::string_view key) {
  KVBOS_RETURN_IF_ERROR(CheckWritable());
  Record tombstone;
  tombstone.flags = kFlagTombstone;
  tombstone.value_addr = kTombstoneAddress;
  std::lock_guard lock(write_mu_);
  return AppendRecordsLocked({PendingRecord{key, &tombstone}});
}

Status EngineImpl::Apply(const WriteBatch& batch) {
  KVBOS_RETURN_IF_ERROR(CheckWritable());
  if (batch.empty()) return Status::Ok();
  std::vector<PendingRecord> records;
  records.reserve(batch.size());
  for (const auto& op : batch.ops()) records.push_back(PendingRecord{op.key, &op.record});
  std::lock_guard lock(write_mu_);
  return AppendRecordsLocked(records);
}

Status EngineImpl::ChecksumPending(ExtentList* list) {
  std::string bytes;
  for (Extent& e : list->mutable_extents()) {
    if (!e.pending()) continue;
    bytes.resize(e.length);
    KVBOS_RETURN_IF_ERROR(values_.Read(e.addr, e.length, bytes.data()));
    e.unit_offset = 0;
    e.unit_length = static_cast<uint32_t>(e.length);
    e.checksum = Checksum64(bytes.data(), bytes.size());
  }
  return Status::Ok();
}

namespace {

// True when `list` is stored inline: one extent at offset 0 that is a whole unit.
bool IsInlineContent(const ExtentList& list) {
  const auto& extents = list.extents();
  return extents.size() == 1 && extents[0].file_offset == 0 && extents[0].unit_offset == 0 &&
         extents[0].unit_length == extents[0].length;
}

}  // namespace

Status EngineImpl::MakeContentRecordLocked(const ExtentList& list, const Attributes& attrs,
                                           Record* record) {
  *record = Record();
  record->attrs = attrs;
  const auto& extents = list.extents();
  if (extents.empty()) return Status::Ok();
  if (IsInlineContent(list)) {
    record->value_addr = extents[0].addr;
    record->value_size = extents[0].length;
    record->value_checksum = extents[0].checksum;
    return Status::Ok();
  }
  KVBOS_RETURN_IF_ERROR(AppendWholeValueLocked(list.Encode(), &record->value_addr,
                                               &record->value_checksum));
  record->value_size = extents.size() * kEncodedExtentBytes;
  record->flags = kFlagExtentList;
  return Status::Ok();
}

Status EngineImpl::MakeContentRecord(ExtentList* list, const Attributes& attrs, Record* record) {
  KVBOS_RETURN_IF_ERROR(ChecksumPending(list));
  if (list->extents().empty() || IsInlineContent(*list)) {
    return MakeContentRecordLocked(*list, attrs, record);  // appends nothing: no lock
  }
  KVBOS_RETURN_IF_ERROR(CheckWritable());
  std::lock_guard lock(write_mu_);
  return MakeContentRecordLocked(*list, attrs, record);
}

Status EngineImpl::CheckValue(const Record& record, ValueCheck* check) {
  if (record.is_tombstone() || record.value_size == 0) return Status::Ok();
  auto check_unit = [&](Address addr, uint64_t length, uint64_t checksum) {
    bool resident = false;
    KVBOS_RETURN_IF_ERROR(values_.CheckResidentUnit(addr, length, checksum, &resident));
    if (!resident && store_ == nullptr) {
      check->units_in_store++;
      return Status::Ok();
    }
    if (!resident) {  // fetched whole and verified
      std::string bytes(length, '\0');
      KVBOS_RETURN_IF_ERROR(values_.ReadVerified(addr, length, checksum, addr, length, bytes.data()));
    }
    check->units_checked++;
    check->bytes_checked += length;
    return Status::Ok();
  };
  KVBOS_RETURN_IF_ERROR(check_unit(record.value_addr, record.value_size, record.value_checksum));
  if (!record.has_extent_list()) return Status::Ok();
  ExtentList list;
  KVBOS_RETURN_IF_ERROR(LoadExtents(record, &list));
  for (const Extent& e : list.extents()) {
    KVBOS_RETURN_IF_ERROR(check_unit(e.unit_addr(), e.unit_length, e.checksum));
  }
  return Status::Ok();
}

// Durability -------------------------------------------------------------

Status EngineImpl::Sync() {
  if (pool_->read_only()) return Status::Ok();
  std::lock_guard sync_lock(sync_mu_);
  Checkpoint next = pool_->checkpoint();
  {
    std::lock_guard lock(write_mu_);  // a batch boundary (invariant 3)
    next.value_top = values_.top();
    next.open_key_block = open_block_;
    next.open_key_used = open_used_;
  }
  const Checkpoint& durable = pool_->checkpoint();
  if (next.value_top == durable.value_top && next.open_key_block == durable.open_key_block &&
      next.open_key_used == durable.open_key_used) {
    return Status::Ok();  // group commit: someone else's Sync covered us
  }
  // (1) values, (2) key records, then the checkpoint.
  values_.Persist(durable.value_top, next.value_top);
  if (next.open_key_block == durable.open_key_block) {
    const char* block = pool_->KeyBlockBytes(next.open_key_block);
    const uint32_t from = durable.open_key_used;
    pool_->Persist(block + from, next.open_key_used - from);
  } else {
    // Blocks sealed since the last checkpoint, and the new open block.
    pool_->Persist(pool_->KeyBlockBytes(next.open_key_block),
                   durable.open_key_block - next.open_key_block + key_block_size_);
  }
  next.sequence = durable.sequence + 1;
  pool_->WriteCheckpoint(next);
  return Status::Ok();
}

bool EngineImpl::Dirty() const {
  if (pool_->read_only()) return false;
  std::lock_guard lock(write_mu_);
  const Checkpoint& durable = pool_->checkpoint();
  return values_.top() != durable.value_top ||
         open_block_ != durable.open_key_block || open_used_ != durable.open_key_used;
}

EngineStats EngineImpl::Stats() const {
  std::lock_guard lock(write_mu_);
  EngineStats s;
  s.pool_size = pool_->superblock().pool_size;
  s.capacity = pool_->frames_size();
  s.resident_value_blocks = values_.resident_blocks();
  s.used = (s.resident_value_blocks * pool_->frames_per_slot() + key_blocks_) * key_block_size_;
  s.value_bytes = values_.top();
  s.value_blocks = (s.value_bytes + value_block_size_ - 1) / value_block_size_;
  s.key_blocks = key_blocks_;
  s.value_block_size = value_block_size_;
  s.key_block_size = key_block_size_;
  s.manifest_sequence = manifest_seq_.load(std::memory_order_relaxed);
  s.store_value_top = EvictableBelow();
  s.objects_uploaded = objects_uploaded_.load(std::memory_order_relaxed);
  s.bytes_uploaded = bytes_uploaded_.load(std::memory_order_relaxed);
  s.upload_failures = upload_failures_.load(std::memory_order_relaxed);
  s.evictions = values_.evictions();
  if (counting_store_) s.requests = counting_store_->counts();
  if (const FetchCache* cache = values_.cache()) {
    s.cache_hits = cache->hits();
    s.cache_misses = cache->misses();
    s.cache_bytes = cache->bytes();
  }
  return s;
}

}  // namespace kvbos
