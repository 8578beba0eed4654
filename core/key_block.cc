#include "core/key_block.h"

#include <cstddef>
#include <cstring>

#include "core/bloom.h"
#include "core/checksum.h"
#include "core/hex.h"
#include "core/pool_format.h"

namespace kvbos {
namespace {

constexpr size_t kChecksummedFrom = offsetof(RecordHeader, key_size);

uint32_t Align8(uint32_t v) { return (v + 7) & ~7u; }

// Orders a sorted entry against a target key: prefix first, the full key on a tie.
int CompareEntry(const Pool* pool, const SortedEntry& e, std::string_view target,
                 uint64_t target_prefix) {
  if (e.prefix != target_prefix) return e.prefix < target_prefix ? -1 : 1;
  return RecordAt(pool->RecordBytes(e.record_address)).key.compare(target);
}

}  // namespace

uint32_t SealSize(uint32_t entry_count) {
  return 8 + entry_count * sizeof(SortedEntry) + Align8(BloomBytes(entry_count)) +
         sizeof(KeyBlockFooter);
}

uint64_t KeyPrefix(std::string_view key) {
  uint64_t p = 0;
  for (size_t i = 0; i < 8; i++) {
    p = (p << 8) | (i < key.size() ? static_cast<uint8_t>(key[i]) : 0);
  }
  return p;
}

void EncodeRecord(std::string_view key, const Record& r, uint32_t batch_count, std::string* out) {
  const uint32_t size = RecordSize(key.size());
  const size_t at = out->size();
  out->resize(at + size, '\0');
  RecordHeader h{};
  h.key_size = static_cast<uint16_t>(key.size());
  h.flags = r.flags;
  h.batch_count = batch_count;
  h.record_size = size;
  h.value_addr = r.is_tombstone() ? kTombstoneAddress : r.value_addr;
  h.value_size = r.is_tombstone() ? 0 : r.value_size;
  h.value_checksum = r.is_tombstone() ? 0 : r.value_checksum;
  h.mode = r.attrs.mode, h.uid = r.attrs.uid, h.gid = r.attrs.gid, h.rdev = r.attrs.rdev;
  h.atime_ns = r.attrs.atime_ns, h.mtime_ns = r.attrs.mtime_ns, h.ctime_ns = r.attrs.ctime_ns;
  h.file_size = r.attrs.size;
  char* p = out->data() + at;
  std::memcpy(p, &h, sizeof h);
  std::memcpy(p + sizeof h, key.data(), key.size());
  h.checksum = Checksum32(p + kChecksummedFrom, sizeof h - kChecksummedFrom + key.size());
  std::memcpy(p, &h.checksum, sizeof h.checksum);
}

Status DecodeRecordAt(const char* block, uint32_t offset, uint32_t limit, RecordView* view) {
  if (offset + sizeof(RecordHeader) > limit) return Status::Corruption("key record truncated");
  const auto* h = reinterpret_cast<const RecordHeader*>(block + offset);
  if (h->record_size != RecordSize(h->key_size) || offset + h->record_size > limit) {
    return Status::Corruption("key record size is inconsistent");
  }
  const char* p = block + offset;
  if (h->checksum != Checksum32(p + kChecksummedFrom, sizeof *h - kChecksummedFrom + h->key_size)) {
    return Status::Corruption("key record checksum mismatch");
  }
  view->header = h;
  view->key = std::string_view(p + sizeof *h, h->key_size);
  return Status::Ok();
}

RecordView RecordAt(const char* p) {
  const auto* h = reinterpret_cast<const RecordHeader*>(p);
  return RecordView{h, std::string_view(p + sizeof *h, h->key_size)};
}

void ToRecord(const RecordView& v, Record* r) {
  const RecordHeader& h = *v.header;
  r->key.assign(v.key);
  r->flags = h.flags;
  r->value_addr = h.value_addr;
  r->value_size = h.value_size;
  r->value_checksum = h.value_checksum;
  r->attrs = Attributes{h.mode, h.uid, h.gid, h.rdev, h.atime_ns, h.mtime_ns, h.ctime_ns, h.file_size};
}

KeyBlockHeader MakeKeyBlockHeader(Address block_address) {
  KeyBlockHeader h{};
  std::memcpy(h.magic, kKeyBlockMagic, sizeof h.magic);
  h.block_address = block_address;
  h.format_version = kPoolFormatVersion;
  h.header_size = sizeof h;
  h.checksum = Checksum64(&h, offsetof(KeyBlockHeader, checksum));
  return h;
}

Status CheckKeyBlockHeader(const char* block, Address block_address) {
  KeyBlockHeader h;
  std::memcpy(&h, block, sizeof h);
  if (std::memcmp(h.magic, kKeyBlockMagic, sizeof h.magic) != 0 ||
      h.checksum != Checksum64(&h, offsetof(KeyBlockHeader, checksum)) ||
      h.block_address != block_address) {
    return Status::Corruption("key block header is damaged");
  }
  return Status::Ok();
}

std::string BuildSeal(Address block_address, uint32_t block_size, uint32_t records_end,
                      const std::vector<std::pair<std::string_view, Address>>& entries,
                      uint32_t* index_offset) {
  const uint32_t count = static_cast<uint32_t>(entries.size());
  const uint32_t index_at = Align8(records_end);
  const uint32_t bloom_bytes = BloomBytes(count);
  const uint32_t bloom_at = index_at + count * sizeof(SortedEntry);
  const uint32_t footer_at = block_size - sizeof(KeyBlockFooter);
  std::string out(block_size - index_at, '\0');

  std::vector<uint64_t> hashes;
  hashes.reserve(count);
  auto* sorted = reinterpret_cast<SortedEntry*>(out.data());
  for (uint32_t i = 0; i < count; i++) {
    sorted[i] = SortedEntry{KeyPrefix(entries[i].first), entries[i].second};
    hashes.push_back(BloomHash(entries[i].first));
  }
  BloomBuild(hashes, reinterpret_cast<uint8_t*>(out.data() + (bloom_at - index_at)), bloom_bytes);

  KeyBlockFooter f{};
  std::memcpy(f.magic, kKeyBlockFooterMagic, sizeof f.magic);
  f.block_address = block_address;
  f.entry_count = count;
  f.records_end = records_end;
  f.index_offset = index_at;
  f.bloom_offset = bloom_at;
  f.bloom_bytes = bloom_bytes;
  f.bloom_probes = kBloomProbes;
  f.index_checksum = Checksum64(out.data(), bloom_at + bloom_bytes - index_at);
  f.checksum = Checksum64(&f, offsetof(KeyBlockFooter, checksum));
  std::memcpy(out.data() + (footer_at - index_at), &f, sizeof f);
  *index_offset = index_at;
  return out;
}

Status SealedKeyBlock::Load(const Pool* pool, Address block_address, bool verify_index,
                            SealedKeyBlock* out) {
  const uint32_t size = pool->superblock().key_block_size;
  const char* block = pool->KeyBlockBytes(block_address);
  KeyBlockFooter f;
  std::memcpy(&f, block + size - sizeof f, sizeof f);
  const std::string where = "key block " + Hex(block_address) + ": ";
  if (std::memcmp(f.magic, kKeyBlockFooterMagic, sizeof f.magic) != 0 ||
      f.checksum != Checksum64(&f, offsetof(KeyBlockFooter, checksum)) ||
      f.block_address != block_address) {
    return Status::Corruption(where + "footer is damaged");
  }
  if (f.index_offset < kKeyBlockHeaderSize || f.bloom_offset != f.index_offset + f.entry_count * sizeof(SortedEntry) ||
      f.bloom_offset + f.bloom_bytes > size - sizeof f || f.bloom_bytes == 0) {
    return Status::Corruption(where + "footer geometry is inconsistent");
  }
  if (verify_index &&
      f.index_checksum != Checksum64(block + f.index_offset, f.bloom_offset + f.bloom_bytes - f.index_offset)) {
    return Status::Corruption(where + "sorted index checksum mismatch");
  }
  out->pool_ = pool;
  out->address_ = block_address;
  out->entries_ = reinterpret_cast<const SortedEntry*>(block + f.index_offset);
  out->count_ = f.entry_count;
  out->bloom_ = reinterpret_cast<const uint8_t*>(block + f.bloom_offset);
  out->bloom_bytes_ = f.bloom_bytes;
  return Status::Ok();
}

uint32_t SealedKeyBlock::LowerBound(std::string_view target) const {
  const uint64_t prefix = KeyPrefix(target);
  uint32_t lo = 0, hi = count_;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (CompareEntry(pool_, entries_[mid], target, prefix) < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

bool SealedKeyBlock::MayContain(uint64_t key_hash) const {
  return BloomMayContain(bloom_, bloom_bytes_, key_hash);
}

Address SealedKeyBlock::Find(std::string_view key, uint64_t key_hash) const {
  if (!MayContain(key_hash)) return 0;
  uint32_t i = LowerBound(key);
  if (i < count_ && CompareEntry(pool_, entries_[i], key, KeyPrefix(key)) == 0) {
    return entries_[i].record_address;
  }
  return 0;
}

std::string_view SealedKeyBlock::KeyAt(uint32_t i) const {
  return RecordAt(pool_->RecordBytes(entries_[i].record_address)).key;
}

}  // namespace kvbos
