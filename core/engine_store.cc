// EngineImpl, the object-store tier: opening against a bucket (carry on,
// restore, or refuse), Snapshot (blocks, then the manifest, then the
// checkpoint that records it: invariants 7-9 in engine_impl.h), the
// background snapshot thread, and writers waiting for space that an upload
// frees.
#include <chrono>
#include <cstring>

#include "core/engine_impl.h"

namespace kvbos {
namespace {

uint64_t NowNs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

// A pool that mkfs made and nothing ever wrote to.
bool NeverWritten(const Checkpoint& cp, uint64_t key_block_size) {
  return cp.value_top == 0 && cp.open_key_block == 0 - key_block_size && cp.open_key_used == 0 &&
         cp.store_sequence == 0;
}

// Records in `cp` that the bucket holds what manifest `m` names, with value
// bytes below `store_value_top` (m.value_top, or more after a restore).
void NoteManifest(const Manifest& m, uint64_t store_value_top, Checkpoint* cp) {
  cp->store_sequence = m.sequence;
  cp->store_epoch = m.epoch;
  cp->store_value_top = store_value_top;
  cp->store_open_key_block = m.open_key_block;
  cp->store_open_key_used = m.open_key_used;
  cp->sequence++;
}

}  // namespace

EngineImpl::~EngineImpl() {
  {
    std::lock_guard lock(loop_mu_);
    stop_loop_ = true;
    loop_cv_.notify_all();
  }
  if (snapshotter_.joinable()) snapshotter_.join();
}

Status EngineImpl::OpenStore(const OpenOptions& options) {
  counting_store_ = std::make_unique<CountingObjectStore>(options.store);
  store_ = counting_store_.get();
  space_wait_ms_ = options.space_wait_ms;
  snapshot_interval_ms_ = options.snapshot_interval_ms;
  on_background_error_ = options.on_background_error;
  values_.AttachStore(store_, options.cache_bytes);
  const Checkpoint& cp = pool_->checkpoint();
  const std::string where = store_->Describe();

  uint64_t newest = 0;
  KVBOS_RETURN_IF_ERROR(FindNewestManifest(store_, cp.store_sequence, &newest));
  if (newest == 0) {  // an empty bucket: this pool becomes its writer
    if (cp.store_sequence != 0) {
      return Status::InvalidArgument(where + " holds no manifest, but this pool wrote manifest " +
                                     std::to_string(cp.store_sequence) +
                                     " to its bucket: wrong bucket or prefix?");
    }
    writer_epoch_ = 1;
    return Status::Ok();
  }
  Manifest m;
  Status s = GetManifest(store_, newest, &m);
  if (s.IsNotFound()) {
    return Status::InvalidArgument(where + " lacks manifest " + std::to_string(newest) +
                                   ", which this pool wrote: wrong bucket or prefix?");
  }
  KVBOS_RETURN_IF_ERROR(s);
  if (m.value_block_size != value_block_size_ || m.key_block_size != key_block_size_) {
    return Status::InvalidArgument(
        where + " holds blocks of " + std::to_string(m.value_block_size) + " (values) and " +
        std::to_string(m.key_block_size) + " (keys) bytes, this pool's are " +
        std::to_string(value_block_size_) + " and " + std::to_string(key_block_size_) +
        ": make the pool with mkfs.kvbos --value-block-size and --key-block-size to match");
  }
  manifest_seq_.store(newest);
  const bool ours = std::memcmp(m.writer_uuid, pool_->superblock().uuid, sizeof m.writer_uuid) == 0;
  if ((ours && m.sequence >= cp.store_sequence) || m.sequence == cp.store_sequence) {
    // This pool wrote the newest manifest (perhaps without recording it
    // before a crash: then the next snapshot uploads a little again), or
    // restored from it and nobody has written since.
    writer_epoch_ = ours ? m.epoch : m.epoch + 1;
    evictable_below_.store(cp.store_value_top, std::memory_order_release);
    return Status::Ok();
  }
  if (NeverWritten(cp, key_block_size_)) {
    if (pool_->read_only()) {
      return Status::InvalidArgument("a read-only mount cannot restore " + where +
                                     " into a pool that was never written: mount it read-write once");
    }
    KVBOS_RETURN_IF_ERROR(RestoreFrom(m));
    writer_epoch_ = m.epoch + 1;
    return Status::Ok();
  }
  return Status::Busy(where + " was last written by another pool (manifest " +
                      std::to_string(m.sequence) + ", epoch " + std::to_string(m.epoch) +
                      "); one writer per bucket: mount an empty pool to restore it");
}

Status EngineImpl::RestoreFrom(const Manifest& m) {
  const uint64_t kbs = key_block_size_, vbs = value_block_size_;
  const uint64_t distance = 0 - m.open_key_block;
  if (distance == 0 || distance % kbs != 0 || m.open_key_used > kbs) {
    return Status::Corruption(ManifestName(m.sequence) + " names an invalid open key block");
  }
  const uint64_t key_blocks = distance / kbs;
  if (key_blocks + pool_->frames_per_slot() > pool_->superblock().frame_count) {
    return Status::NoSpace("the bucket holds " + std::to_string(key_blocks) +
                           " key blocks, more than this pool can hold beside one value block: "
                           "make a larger pool");
  }
  std::string bytes;
  for (Address block = 0 - kbs;; block -= kbs) {
    const bool open = block == m.open_key_block;
    const uint64_t length = open ? m.open_key_used : kbs;
    const std::string name = KeyBlockObjectName(block);
    if (length > 0) {
      bytes.assign(length, '\0');
      Status s = store_->GetRange(name, 0, length, bytes.data());
      if (s.IsNotFound()) return Status::Corruption(name + " is missing from " + store_->Describe());
      KVBOS_RETURN_IF_ERROR(s);
      char* frame = pool_->KeyBlockBytes(block);
      pool_->CopyNoFlush(frame, bytes.data(), length);
      pool_->Persist(frame, length);
    }
    if (open) {
      pool_->SetFrame(pool_->KeyBlockFrame(block), block, FrameKind::kKey, FrameState::kOpen);
      break;
    }
    SealedKeyBlock sealed;
    Status s = SealedKeyBlock::Load(pool_.get(), block, /*verify_index=*/true, &sealed);
    if (!s.ok()) return Status::Corruption(name + " in " + store_->Describe() + ": " + s.message());
    pool_->SetFrame(pool_->KeyBlockFrame(block), block, FrameKind::kKey, FrameState::kSealed);
  }
  // New values start in the next block: the bucket's last one is not ours to append to.
  Checkpoint next = pool_->checkpoint();
  next.value_top = (m.value_top + vbs - 1) / vbs * vbs;
  next.open_key_block = m.open_key_block;
  next.open_key_used = m.open_key_used;
  NoteManifest(m, next.value_top, &next);
  pool_->WriteCheckpoint(next);
  evictable_below_.store(next.store_value_top, std::memory_order_release);
  return Status::Ok();
}

Status EngineImpl::PutObject(const std::string& name, std::string_view bytes) {
  KVBOS_RETURN_IF_ERROR(store_->Put(name, bytes));
  objects_uploaded_.fetch_add(1, std::memory_order_relaxed);
  bytes_uploaded_.fetch_add(bytes.size(), std::memory_order_relaxed);
  return Status::Ok();
}

Status EngineImpl::UploadAndCommit(const Checkpoint& cp, Manifest* next) {
  const uint64_t kbs = key_block_size_, vbs = value_block_size_;
  // Value blocks new since the last manifest; the last one may be partial
  // (a snapshot of the open block, overwritten by a fuller one later).
  if (cp.value_top > cp.store_value_top) {
    std::string bytes;
    for (Address block = values_.BlockOf(cp.store_value_top); block < cp.value_top; block += vbs) {
      bytes.resize(std::min<uint64_t>(vbs, cp.value_top - block));
      KVBOS_RETURN_IF_ERROR(values_.Read(block, bytes.size(), bytes.data()));
      KVBOS_RETURN_IF_ERROR(PutObject(ValueRegion::ObjectName(block), bytes));
    }
  }
  // Key blocks sealed since the last manifest, then the open block's records.
  const Address first = cp.store_open_key_block != 0 ? cp.store_open_key_block : 0 - kbs;
  for (Address block = first; block != cp.open_key_block; block -= kbs) {
    KVBOS_RETURN_IF_ERROR(PutObject(KeyBlockObjectName(block),
                                    std::string_view(pool_->KeyBlockBytes(block), kbs)));
  }
  if (cp.open_key_used > 0 && (cp.open_key_block != cp.store_open_key_block ||
                               cp.open_key_used != cp.store_open_key_used)) {
    KVBOS_RETURN_IF_ERROR(
        PutObject(KeyBlockObjectName(cp.open_key_block),
                  std::string_view(pool_->KeyBlockBytes(cp.open_key_block), cp.open_key_used)));
  }

  // The commit point, unless someone else got there first.
  const uint64_t sequence = manifest_seq_.load() + 1;
  uint64_t size = 0;
  Status head = store_->Head(ManifestName(sequence), &size);
  if (head.ok()) {
    fenced_.store(true, std::memory_order_release);
    return Status::ReadOnly(ManifestName(sequence) + " already exists in " + store_->Describe() +
                            ": another writer is using the bucket; this pool is read-only now");
  }
  if (!head.IsNotFound()) return head;
  *next = Manifest{};
  next->sequence = sequence;
  next->epoch = writer_epoch_;
  std::memcpy(next->writer_uuid, pool_->superblock().uuid, sizeof next->writer_uuid);
  next->value_block_size = value_block_size_;
  next->key_block_size = key_block_size_;
  next->value_top = cp.value_top;
  next->open_key_block = cp.open_key_block;
  next->open_key_used = cp.open_key_used;
  next->created_ns = NowNs();
  KVBOS_RETURN_IF_ERROR(PutManifest(store_, *next));
  objects_uploaded_.fetch_add(1, std::memory_order_relaxed);
  bytes_uploaded_.fetch_add(sizeof(Manifest), std::memory_order_relaxed);
  manifest_seq_.store(sequence);
  return Status::Ok();
}

Status EngineImpl::Snapshot() {
  if (store_ == nullptr || pool_->read_only()) return Status::Ok();
  KVBOS_RETURN_IF_ERROR(CheckWritable());
  std::lock_guard snapshot_lock(snapshot_mu_);
  snapshots_started_.fetch_add(1);
  Status s = Sync();
  Checkpoint cp;
  {
    std::lock_guard lock(sync_mu_);
    cp = pool_->checkpoint();
  }
  const bool unchanged = cp.store_sequence != 0 && cp.value_top == cp.store_value_top &&
                         cp.open_key_block == cp.store_open_key_block &&
                         cp.open_key_used == cp.store_open_key_used;
  Manifest next;
  if (s.ok() && !unchanged) s = UploadAndCommit(cp, &next);
  if (s.ok() && !unchanged) {
    std::lock_guard lock(sync_mu_);
    Checkpoint noted = pool_->checkpoint();
    NoteManifest(next, next.value_top, &noted);
    pool_->WriteCheckpoint(noted);
    evictable_below_.store(next.value_top, std::memory_order_release);
  }
  if (!s.ok()) upload_failures_.fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard lock(space_mu_);
    snapshots_done_.fetch_add(1);
    space_cv_.notify_all();
  }
  return s;
}

void EngineImpl::StartBackgroundSnapshots() {
  if (store_ == nullptr || pool_->read_only() || snapshotter_.joinable()) return;
  snapshotter_ = std::thread([this] { SnapshotLoop(snapshot_interval_ms_); });
}

void EngineImpl::SnapshotLoop(uint32_t interval_ms) {
  using std::chrono::milliseconds;
  // After a failure, retry sooner than the interval (the pool may be filling
  // up behind a server that is down), backing off to the interval.
  uint32_t retry_ms = 0;
  std::unique_lock lock(loop_mu_);
  while (!stop_loop_) {
    const uint32_t wait_ms = retry_ms != 0 ? retry_ms : interval_ms;
    auto woken = [this] { return stop_loop_ || wake_loop_; };
    if (wait_ms == 0) {
      loop_cv_.wait(lock, woken);
    } else {
      loop_cv_.wait_for(lock, milliseconds(wait_ms), woken);
    }
    if (stop_loop_) break;
    wake_loop_ = false;
    lock.unlock();
    const Status s = Snapshot();
    if (s.ok()) {
      retry_ms = 0;
    } else {
      retry_ms = retry_ms == 0 ? 500 : std::min<uint32_t>(retry_ms * 2, std::max<uint32_t>(interval_ms, 500));
      if (on_background_error_) on_background_error_(s);
    }
    lock.lock();
  }
}

bool EngineImpl::WaitForSpace() {
  if (store_ == nullptr || space_wait_ms_ == 0 || fenced_.load()) return false;
  const uint64_t before = evictable_below_.load(std::memory_order_acquire);
  std::unique_lock lock(space_mu_);
  // Done when a snapshot that starts after this point has finished.
  const uint64_t target = snapshots_started_.load() + 1;
  {
    std::lock_guard loop_lock(loop_mu_);
    wake_loop_ = true;
    loop_cv_.notify_one();
  }
  space_cv_.wait_for(lock, std::chrono::milliseconds(space_wait_ms_),
                     [&] { return snapshots_done_.load() >= target; });
  return evictable_below_.load(std::memory_order_acquire) != before;
}

}  // namespace kvbos
