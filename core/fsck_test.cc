// Fsck on real pools: a healthy pool has no problems; a damaged record, a
// damaged value and a torn tail are each found and named; --repair drops a
// torn tail and nothing else.
#include "core/fsck.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "core/engine.h"
#include "core/key_block.h"
#include "core/pool.h"
#include "core/test_pool.h"

namespace kvbos {
namespace {

class FsckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CreateOptions options;
    options.pool_size = 32 << 20;
    options.value_block_size = 1 << 20;
    options.key_block_size = 64 << 10;
    ASSERT_TRUE(Engine::Create(path_.path(), options).ok());
    ASSERT_TRUE(Engine::Open(path_.path(), {}, &engine_).ok());
    // Enough records to seal a few key blocks.
    for (int i = 0; i < 2000; i++) Put("key-" + std::to_string(i), std::string(100 + i % 50, 'v'));
    ASSERT_TRUE(engine_->Sync().ok());
  }
  void Put(const std::string& key, const std::string& value) {
    Attributes attrs;
    attrs.size = value.size();
    ASSERT_TRUE(engine_->Put(key, value, attrs).ok());
  }
  FsckReport Check(bool repair = false) {
    engine_.reset();
    FsckOptions options;
    options.repair = repair;
    FsckReport report;
    Status s = Fsck(path_.path(), options, &report);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return report;
  }
  // Flips one byte of the pool file at `offset`.
  void Flip(uint64_t offset) {
    int fd = open(path_.path().c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    char c;
    ASSERT_EQ(pread(fd, &c, 1, static_cast<off_t>(offset)), 1);
    c = static_cast<char>(c ^ 0x40);
    ASSERT_EQ(pwrite(fd, &c, 1, static_cast<off_t>(offset)), 1);
    close(fd);
  }
  uint64_t FramesOffset() {
    engine_.reset();
    std::unique_ptr<Pool> pool;
    EXPECT_TRUE(Pool::Open(path_.path(), true, &pool).ok());
    return pool->superblock().frames_offset;
  }
  uint64_t KeyBlockOffset(Address block) {
    engine_.reset();
    std::unique_ptr<Pool> pool;
    EXPECT_TRUE(Pool::Open(path_.path(), true, &pool).ok());
    const Superblock& sb = pool->superblock();
    return sb.frames_offset + pool->KeyBlockFrame(block) * sb.key_block_size;
  }

  testing::TempPoolPath path_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(FsckTest, AHealthyPoolHasNoProblems) {
  FsckReport report = Check();
  EXPECT_TRUE(report.problems.empty()) << report.problems[0].where << ": " << report.problems[0].what;
  EXPECT_GT(report.key_blocks, 2u);
  EXPECT_EQ(report.live_keys, 2000u);
  EXPECT_GE(report.records, 2000u);
  EXPECT_EQ(report.units_checked, 2000u);
}

TEST_F(FsckTest, ADamagedRecordInASealedBlockIsNamed) {
  const Address first_block = 0 - (64ull << 10);
  Flip(KeyBlockOffset(first_block) + kKeyBlockHeaderSize + sizeof(RecordHeader) + 1);  // key byte
  FsckReport report = Check();
  ASSERT_TRUE(report.damaged());
  EXPECT_NE(report.problems[0].where.find("key block 0xffffffffffff0000 offset 64"), std::string::npos)
      << report.problems[0].where;
  EXPECT_NE(report.problems[0].what.find("checksum"), std::string::npos) << report.problems[0].what;
}

TEST_F(FsckTest, ADamagedValueIsNamedByItsKey) {
  Flip(FramesOffset() + 10);  // a byte of the first value, "key-0"'s
  FsckReport report = Check();
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].where, "key 'key-0'");
  EXPECT_NE(report.problems[0].what.find("checksum"), std::string::npos);
}

TEST_F(FsckTest, RepairDropsATornTailAndNothingElse) {
  Record r;
  ASSERT_TRUE(engine_->Get("key-1", &r).ok());
  WriteBatch batch;
  batch.PutRecord("pair-1", r);
  batch.PutRecord("pair-2", r);
  ASSERT_TRUE(engine_->Apply(batch).ok());
  ASSERT_TRUE(engine_->Sync().ok());
  engine_.reset();
  {  // The watermark now ends inside the batch, as a torn write would leave it.
    std::unique_ptr<Pool> pool;
    ASSERT_TRUE(Pool::Open(path_.path(), false, &pool).ok());
    Checkpoint cp = pool->checkpoint();
    cp.open_key_used -= RecordSize(6);
    cp.sequence++;
    pool->WriteCheckpoint(cp);
  }
  FsckReport report = Check();
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_NE(report.problems[0].what.find("torn tail"), std::string::npos) << report.problems[0].what;
  EXPECT_EQ(Engine::Open(path_.path(), {}, &engine_).code(), Status::Code::kCorruption);

  report = Check(/*repair=*/true);
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_TRUE(report.problems[0].repaired);
  EXPECT_FALSE(report.damaged());
  EXPECT_EQ(report.live_keys, 2000u);
  EXPECT_TRUE(Check().problems.empty());
  ASSERT_TRUE(Engine::Open(path_.path(), {}, &engine_).ok());
  EXPECT_TRUE(engine_->Get("key-1999", &r).ok());
  EXPECT_TRUE(engine_->Get("pair-1", &r).IsNotFound());
}

}  // namespace
}  // namespace kvbos
