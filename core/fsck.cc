#include "core/fsck.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <memory>

#include "core/engine.h"
#include "core/hex.h"
#include "core/key_block.h"
#include "core/pool.h"

namespace kvbos {
namespace {

std::string BlockWhere(Address block, uint32_t offset) {
  return "key block " + Hex(block) + " offset " + std::to_string(offset);
}

// Pass 1 over one pool: the checks that need no engine.
class StructureCheck {
 public:
  StructureCheck(const Pool* pool, FsckReport* report, const FsckOptions& options)
      : pool_(pool),
        report_(report),
        options_(options),
        cp_(pool->checkpoint()),
        kbs_(pool->superblock().key_block_size),
        vbs_(pool->superblock().value_block_size) {}

  // False when the checkpoint is unusable (nothing else can be checked).
  bool CheckCheckpoint() {
    const uint64_t distance = 0 - cp_.open_key_block;
    if (distance == 0 || distance % kbs_ != 0 || cp_.open_key_used > kbs_ ||
        distance / kbs_ > pool_->superblock().frame_count) {
      Problem("checkpoint " + std::to_string(cp_.sequence),
              "names an invalid open key block " + Hex(cp_.open_key_block));
      return false;
    }
    key_blocks_ = distance / kbs_;
    return true;
  }

  void CheckFrameTable() {
    const uint64_t slots = pool_->superblock().frame_count / pool_->frames_per_slot();
    std::vector<bool> seen((cp_.value_top + vbs_ - 1) / vbs_ + 2, false);
    for (uint64_t slot = 0; slot < slots; slot++) {
      const FrameEntry& e = pool_->frame(pool_->ValueSlotFrame(slot));
      if (e.kind != FrameKind::kValue) continue;
      const uint64_t n = e.block_address / vbs_;
      if (e.block_address % vbs_ != 0 || n >= seen.size()) {
        Problem("frame table slot " + std::to_string(slot),
                "names value block " + Hex(e.block_address) + " beyond the value watermark");
      } else if (seen[n]) {
        Problem("frame table slot " + std::to_string(slot),
                "value block " + Hex(e.block_address) + " is in two slots");
      } else {
        seen[n] = true;
      }
    }
    for (uint64_t m = 0; m < key_blocks_; m++) {
      const Address block = 0 - (m + 1) * kbs_;
      const FrameEntry& e = pool_->frame(pool_->KeyBlockFrame(block));
      if (e.kind != FrameKind::kKey || e.block_address != block) {
        Problem("frame table frame " + std::to_string(pool_->KeyBlockFrame(block)),
                "does not name key block " + Hex(block));
      }
    }
  }

  void CheckKeyBlocks() {
    for (uint64_t m = 0; m < key_blocks_; m++) {
      const Address block = 0 - (m + 1) * kbs_;
      if (block == cp_.open_key_block) {
        CheckOpenBlock();
      } else {
        CheckSealedBlock(block);
      }
      report_->key_blocks++;
      if (options_.progress) options_.progress(report_->key_blocks, key_blocks_);
    }
  }

  // The end of the last whole batch of the open block, when its tail is torn.
  bool torn() const { return torn_; }
  uint32_t good_end() const { return good_end_; }

 private:
  void Problem(std::string where, std::string what) {
    report_->problems.push_back(FsckProblem{std::move(where), std::move(what), false});
  }

  void CheckPointer(const RecordView& view, Address block, uint32_t offset) {
    const RecordHeader& h = *view.header;
    if (h.flags & kFlagTombstone) return;
    if (h.value_size > vbs_ || h.value_addr > cp_.value_top ||
        h.value_size > cp_.value_top - h.value_addr) {
      Problem(BlockWhere(block, offset), "record of '" + std::string(view.key) +
                                             "' points at value " + Hex(h.value_addr) + "+" +
                                             std::to_string(h.value_size) +
                                             ", above the value watermark " + Hex(cp_.value_top));
    }
  }

  void CheckSealedBlock(Address block) {
    SealedKeyBlock sealed;
    Status s = SealedKeyBlock::Load(pool_, block, /*verify_index=*/true, &sealed);
    if (!s.ok()) {
      Problem("key block " + Hex(block), s.message());
      return;
    }
    const char* bytes = pool_->KeyBlockBytes(block);
    s = CheckKeyBlockHeader(bytes, block);
    if (!s.ok()) {
      Problem("key block " + Hex(block), s.message());
      return;
    }
    KeyBlockFooter footer;
    std::memcpy(&footer, bytes + kbs_ - sizeof footer, sizeof footer);
    for (uint32_t offset = kKeyBlockHeaderSize; offset < footer.records_end;) {
      RecordView view;
      s = DecodeRecordAt(bytes, offset, footer.records_end, &view);
      if (!s.ok()) {
        Problem(BlockWhere(block, offset), s.message());
        break;
      }
      CheckPointer(view, block, offset);
      report_->records++;
      offset += view.header->record_size;
    }
    // The sorted index: ascending keys, each entry at a valid record of its key.
    std::string_view previous;
    for (uint32_t i = 0; i < sealed.size(); i++) {
      const Address addr = sealed.RecordAddressAt(i);
      const Address owner = addr & ~(uint64_t{kbs_} - 1);
      const uint32_t offset = static_cast<uint32_t>(addr - owner);
      if (owner < cp_.open_key_block || offset < kKeyBlockHeaderSize) {
        Problem("key block " + Hex(block) + " index entry " + std::to_string(i),
                "points at " + Hex(addr) + ", outside the key blocks");
        continue;
      }
      RecordView view;
      s = DecodeRecordAt(pool_->KeyBlockBytes(owner), offset, kbs_, &view);
      if (!s.ok()) {
        Problem("key block " + Hex(block) + " index entry " + std::to_string(i),
                "points at " + Hex(addr) + ": " + s.message());
        continue;
      }
      if (i > 0 && view.key <= previous) {
        Problem("key block " + Hex(block) + " index entry " + std::to_string(i),
                "is out of order ('" + std::string(view.key) + "' after '" + std::string(previous) + "')");
      }
      previous = view.key;
    }
  }

  void CheckOpenBlock() {
    const Address block = cp_.open_key_block;
    const uint32_t used = cp_.open_key_used;
    good_end_ = used;
    if (used == 0) return;
    const char* bytes = pool_->KeyBlockBytes(block);
    Status s = CheckKeyBlockHeader(bytes, block);
    if (!s.ok()) {
      Problem("key block " + Hex(block) + " (open)", s.message());
      return;
    }
    // last_whole: the end of the last complete batch, where a repair cuts.
    uint32_t offset = kKeyBlockHeaderSize, last_whole = offset, batch_left = 0;
    std::string torn_what;
    while (offset < used) {
      RecordView view;
      s = DecodeRecordAt(bytes, offset, used, &view);
      if (!s.ok()) {
        torn_what = s.message();
        break;
      }
      const uint32_t count = view.header->batch_count;
      if ((batch_left == 0) != (count != 0)) {
        torn_what = "a batch is broken";
        break;
      }
      batch_left = count != 0 ? count - 1 : batch_left - 1;
      CheckPointer(view, block, offset);
      report_->records++;
      offset += view.header->record_size;
      if (batch_left == 0) last_whole = offset;
    }
    if (torn_what.empty() && batch_left != 0) torn_what = "the durable records end inside a batch";
    if (torn_what.empty()) return;
    torn_ = true;
    good_end_ = last_whole;
    Problem(BlockWhere(block, offset) + " (open block, durable up to " + std::to_string(used) + ")",
            "torn tail: " + torn_what + "; --repair drops the records from offset " +
                std::to_string(last_whole));
  }

  const Pool* pool_;
  FsckReport* report_;
  const FsckOptions& options_;
  const Checkpoint cp_;
  const uint32_t kbs_, vbs_;
  uint64_t key_blocks_ = 0;
  bool torn_ = false;
  uint32_t good_end_ = 0;
};

}  // namespace

bool FsckReport::damaged() const {
  for (const FsckProblem& p : problems) {
    if (!p.repaired) return true;
  }
  return false;
}

Status Fsck(const std::string& path, const FsckOptions& options, FsckReport* report) {
  *report = FsckReport();
  {
    std::unique_ptr<Pool> pool;
    Status s = Pool::Open(path, /*read_only=*/!options.repair, &pool);
    if (s.code() == Status::Code::kCorruption || s.code() == Status::Code::kVersionMismatch) {
      report->problems.push_back(FsckProblem{"superblock", s.message(), false});
      return Status::Ok();
    }
    KVBOS_RETURN_IF_ERROR(s);
    StructureCheck check(pool.get(), report, options);
    if (!check.CheckCheckpoint()) return Status::Ok();
    check.CheckFrameTable();
    check.CheckKeyBlocks();
    if (check.torn() && options.repair && report->problems.size() == 1) {
      Checkpoint cp = pool->checkpoint();
      cp.open_key_used = check.good_end();
      cp.sequence++;
      pool->WriteCheckpoint(cp);
      report->problems.back().repaired = true;
    }
    if (report->damaged()) return Status::Ok();
  }

  // Pass 2: the newest record of every key, through the engine.
  std::unique_ptr<Engine> engine;
  OpenOptions open;
  open.read_only = true;
  open.store = options.store;
  open.snapshot_interval_ms = 0;
  Status s = Engine::Open(path, open, &engine);
  if (!s.ok()) {
    if (s.code() == Status::Code::kBusy || s.code() == Status::Code::kIOError) return s;
    report->problems.push_back(FsckProblem{"recovery", s.ToString(), false});
    return Status::Ok();
  }
  auto it = engine->NewIterator();
  Engine::ValueCheck values;
  for (it->Seek(""); it->Valid(); it->Next()) {
    const Record& record = it->record();
    report->live_keys++;
    if (Status v = engine->CheckValue(record, &values); !v.ok()) {
      report->problems.push_back(FsckProblem{"key '" + record.key + "'", v.message(), false});
    }
    if (options.progress && report->live_keys % 1024 == 0) {
      options.progress(report->key_blocks + report->live_keys, report->key_blocks + report->live_keys + 1024);
    }
  }
  if (!it->status().ok()) {
    report->problems.push_back(FsckProblem{"iteration", it->status().message(), false});
  }
  report->units_checked = values.units_checked;
  report->bytes_checked = values.bytes_checked;
  report->units_in_store = values.units_in_store;
  if (options.progress) options.progress(report->key_blocks + report->live_keys, report->key_blocks + report->live_keys);
  return Status::Ok();
}

}  // namespace kvbos
