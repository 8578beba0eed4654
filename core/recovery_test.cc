// Crash recovery: a simulated crash is the engine destroyed without Sync
// (nothing past the durable watermarks is trusted), followed by damage to
// the bytes a real crash could leave behind: a torn or zeroed tail of the
// open key block, a torn checkpoint slot. Each test names the invariant of
// core/engine_impl.h it checks.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "core/engine.h"
#include "core/key_block.h"
#include "core/pool.h"
#include "core/test_pool.h"

namespace kvbos {
namespace {

class RecoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CreateOptions options;
    options.pool_size = 32 << 20;
    options.value_block_size = 1 << 20;
    options.key_block_size = 64 << 10;
    ASSERT_TRUE(Engine::Create(path_.path(), options).ok());
    Open();
  }
  void Open() {
    engine_.reset();
    Status s = Engine::Open(path_.path(), {}, &engine_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  Status TryOpen() {
    engine_.reset();
    return Engine::Open(path_.path(), {}, &engine_);
  }
  void Put(const std::string& key) {
    Attributes attrs;
    attrs.size = key.size();
    ASSERT_TRUE(engine_->Put(key, key, attrs).ok());
  }
  bool Has(const std::string& key) {
    Record r;
    Status s = engine_->Get(key, &r);
    if (!s.ok()) return false;
    std::string value(r.value_size, '\0');
    EXPECT_TRUE(engine_->ReadValue(r.value_addr, r.value_size, value.data()).ok());
    EXPECT_EQ(value, key);
    return true;
  }
  // Pool-file offset of the open key block and its durable watermark.
  void OpenBlockGeometry(uint64_t* block_offset, uint32_t* used) {
    std::unique_ptr<Pool> pool;
    ASSERT_TRUE(Pool::Open(path_.path(), true, &pool).ok());
    const Superblock& sb = pool->superblock();
    *block_offset = sb.frames_offset + sb.frame_count * sb.key_block_size -
                    (0 - pool->checkpoint().open_key_block);
    *used = pool->checkpoint().open_key_used;
  }
  void WriteAt(uint64_t offset, const std::string& bytes) {
    int fd = open(path_.path().c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(offset)),
              static_cast<ssize_t>(bytes.size()));
    close(fd);
  }

  testing::TempPoolPath path_;
  std::unique_ptr<Engine> engine_;
};

// Invariant (4): records past the durable watermark are dropped, whatever
// the tail holds: zeros or garbage.
TEST_F(RecoveryTest, TornOrZeroedTailDropsOnlyUncommittedRecords) {
  for (int i = 0; i < 50; i++) Put("committed-" + std::to_string(i));
  ASSERT_TRUE(engine_->Sync().ok());
  Put("uncommitted-1");
  Put("uncommitted-2");
  engine_.reset();  // crash: no Sync

  uint64_t block;
  uint32_t used;
  OpenBlockGeometry(&block, &used);
  WriteAt(block + used, std::string(200, '\xa5'));  // torn garbage tail
  Open();
  for (int i = 0; i < 50; i++) EXPECT_TRUE(Has("committed-" + std::to_string(i))) << i;
  EXPECT_FALSE(Has("uncommitted-1"));
  EXPECT_FALSE(Has("uncommitted-2"));

  // New writes go over the dropped tail and survive the next restart.
  Put("after");
  ASSERT_TRUE(engine_->Sync().ok());
  engine_.reset();
  OpenBlockGeometry(&block, &used);
  WriteAt(block + used, std::string(4096, '\0'));  // zeroed tail
  Open();
  EXPECT_TRUE(Has("after"));
  EXPECT_TRUE(Has("committed-49"));
}

// A record below the watermark that fails its checksum is damage, not a
// torn tail: Open refuses with Corruption and modifies nothing.
TEST_F(RecoveryTest, DamagedCommittedRecordIsCorruption) {
  Put("a");
  Put("b");
  ASSERT_TRUE(engine_->Sync().ok());
  engine_.reset();
  uint64_t block;
  uint32_t used;
  OpenBlockGeometry(&block, &used);
  WriteAt(block + kKeyBlockHeaderSize + sizeof(RecordHeader), "X");  // first key byte
  Status s = TryOpen();
  EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
  EXPECT_NE(s.message().find("checksum"), std::string::npos) << s.message();
}

// Invariant (5): a torn newest checkpoint slot falls back to the older one.
TEST_F(RecoveryTest, TornNewestCheckpointFallsBackToTheOlderSlot) {
  Put("first");
  ASSERT_TRUE(engine_->Sync().ok());
  Put("second");
  ASSERT_TRUE(engine_->Sync().ok());
  engine_.reset();
  std::unique_ptr<Pool> pool;
  ASSERT_TRUE(Pool::Open(path_.path(), true, &pool).ok());
  const uint64_t newest = pool->checkpoint().sequence;
  pool.reset();
  WriteAt(kCheckpointOffset[newest % 2] + 8, "torn");
  Open();
  EXPECT_TRUE(Has("first"));
  EXPECT_FALSE(Has("second"));
}

// Invariant (3): recovery refuses a watermark that splits a batch.
TEST_F(RecoveryTest, BatchSplitByTheWatermarkIsRefused) {
  Put("x");
  ASSERT_TRUE(engine_->Sync().ok());
  WriteBatch batch;
  Record r;
  ASSERT_TRUE(engine_->Get("x", &r).ok());
  batch.PutRecord("y1", r);
  batch.PutRecord("y2", r);
  ASSERT_TRUE(engine_->Apply(batch).ok());
  ASSERT_TRUE(engine_->Sync().ok());
  engine_.reset();
  // Rewrite the newest checkpoint so that its watermark ends after "y1".
  std::unique_ptr<Pool> pool;
  ASSERT_TRUE(Pool::Open(path_.path(), false, &pool).ok());
  Checkpoint cp = pool->checkpoint();
  cp.open_key_used -= RecordSize(2);
  cp.sequence++;
  pool->WriteCheckpoint(cp);
  pool.reset();
  Status s = TryOpen();
  EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
}

// A batch past the watermark is dropped whole.
TEST_F(RecoveryTest, UncommittedBatchIsDroppedWhole) {
  Put("x");
  ASSERT_TRUE(engine_->Sync().ok());
  Record r;
  ASSERT_TRUE(engine_->Get("x", &r).ok());
  WriteBatch batch;
  batch.PutRecord("y1", r);
  batch.Delete("x");
  ASSERT_TRUE(engine_->Apply(batch).ok());
  engine_.reset();
  Open();
  EXPECT_TRUE(Has("x"));
  EXPECT_FALSE(Has("y1"));
}

// Invariant (6): sealed blocks come back from their footers alone.
TEST_F(RecoveryTest, SealedBlocksSurviveRestart) {
  for (int i = 0; i < 3000; i++) Put("key-" + std::to_string(i));
  ASSERT_TRUE(engine_->Sync().ok());
  ASSERT_GT(engine_->Stats().key_blocks, 3u);
  engine_.reset();
  Open();
  for (int i = 0; i < 3000; i++) ASSERT_TRUE(Has("key-" + std::to_string(i))) << i;
}

// Invariant (1) and (2) with a seal between two checkpoints: a crash after
// sealing but before the next Sync keeps the old open block, which new
// writes then continue.
TEST_F(RecoveryTest, CrashAfterSealBeforeSyncKeepsTheOldOpenBlock) {
  for (int i = 0; i < 100; i++) Put("early-" + std::to_string(i));
  ASSERT_TRUE(engine_->Sync().ok());
  const uint64_t blocks = engine_->Stats().key_blocks;
  int i = 0;
  while (engine_->Stats().key_blocks == blocks) Put("late-" + std::to_string(i++));
  engine_.reset();  // the seal and the late records were never synced
  Open();
  EXPECT_TRUE(Has("early-99"));
  EXPECT_FALSE(Has("late-0"));
  for (int j = 0; j < 3000; j++) Put("again-" + std::to_string(j));
  ASSERT_TRUE(engine_->Sync().ok());
  engine_.reset();
  Open();
  EXPECT_TRUE(Has("early-0"));
  EXPECT_TRUE(Has("again-2999"));
  EXPECT_FALSE(Has("late-0"));
}

}  // namespace
}  // namespace kvbos
