// Engine behaviour through the public API: Get/Put/Delete/Scan/Apply, values
// larger than a block, sealing, reopening, a full pool, bad pools.
#include "core/engine.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <random>

#include "core/bloom.h"
#include "core/key_block.h"
#include "core/pool.h"
#include "core/test_pool.h"

namespace kvbos {
namespace {

class EngineTest : public ::testing::Test {
 protected:
  // Small blocks so that tests seal many of them.
  void CreatePool(uint64_t size = 64 << 20, uint32_t value_block = 1 << 20,
                  uint32_t key_block = 64 << 10) {
    CreateOptions options;
    options.pool_size = size;
    options.value_block_size = value_block;
    options.key_block_size = key_block;
    ASSERT_TRUE(Engine::Create(path_.path(), options).ok());
    Reopen();
  }
  void Reopen(bool read_only = false) {
    engine_.reset();
    OpenOptions options;
    options.read_only = read_only;
    Status s = Engine::Open(path_.path(), options, &engine_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  std::string Value(std::string_view key) {
    Record r;
    Status s = engine_->Get(key, &r);
    if (s.IsNotFound()) return "<absent>";
    EXPECT_TRUE(s.ok()) << s.ToString();
    ExtentList extents;
    EXPECT_TRUE(engine_->LoadExtents(r, &extents).ok());
    std::string out(r.attrs.size, '\0');
    EXPECT_TRUE(engine_->ReadContent(extents, 0, out.size(), out.data()).ok());
    return out;
  }
  Status PutString(std::string_view key, std::string_view value) {
    Attributes attrs;
    attrs.size = value.size();
    return engine_->Put(key, value, attrs);
  }
  std::vector<std::string> Keys(std::string_view prefix) {
    std::vector<std::string> keys;
    EXPECT_TRUE(engine_->Scan(prefix, [&](const Record& r) {
      keys.push_back(r.key);
      return true;
    }).ok());
    return keys;
  }

  testing::TempPoolPath path_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineTest, PutGetDelete) {
  CreatePool();
  EXPECT_EQ(Value("a"), "<absent>");
  ASSERT_TRUE(PutString("a", "hello").ok());
  ASSERT_TRUE(PutString("b", "").ok());
  EXPECT_EQ(Value("a"), "hello");
  EXPECT_EQ(Value("b"), "");
  ASSERT_TRUE(PutString("a", "world!").ok());
  EXPECT_EQ(Value("a"), "world!");
  ASSERT_TRUE(engine_->Delete("a").ok());
  EXPECT_EQ(Value("a"), "<absent>");
  EXPECT_TRUE(engine_->Delete("never-there").ok());
}

TEST_F(EngineTest, AttributesRoundTrip) {
  CreatePool();
  Attributes attrs{0100644, 1000, 100, 0, 1, 2, 3, 5};
  ASSERT_TRUE(engine_->Put("f", "12345", attrs).ok());
  Record r;
  ASSERT_TRUE(engine_->Get("f", &r).ok());
  EXPECT_EQ(r.attrs.mode, 0100644u);
  EXPECT_EQ(r.attrs.uid, 1000u);
  EXPECT_EQ(r.attrs.gid, 100u);
  EXPECT_EQ(r.attrs.atime_ns, 1);
  EXPECT_EQ(r.attrs.mtime_ns, 2);
  EXPECT_EQ(r.attrs.ctime_ns, 3);
  EXPECT_EQ(r.attrs.size, 5u);
}

TEST_F(EngineTest, ManyKeysAcrossSealedBlocksNewestWins) {
  CreatePool();
  std::map<std::string, std::string> model;
  std::mt19937 rng(42);
  for (int i = 0; i < 6000; i++) {
    std::string key = "dir/key-" + std::to_string(rng() % 2500);
    std::string value = "v" + std::to_string(i);
    ASSERT_TRUE(PutString(key, value).ok());
    model[key] = value;
    if (i % 7 == 0) {
      ASSERT_TRUE(engine_->Delete(key).ok());
      model.erase(key);
    }
  }
  EXPECT_GT(engine_->Stats().key_blocks, 3u) << "the test must seal several key blocks";
  for (int k = 0; k < 2500; k++) {
    std::string key = "dir/key-" + std::to_string(k);
    auto it = model.find(key);
    EXPECT_EQ(Value(key), it == model.end() ? "<absent>" : it->second) << key;
  }
  std::vector<std::string> expected;
  for (const auto& [k, v] : model) expected.push_back(k);
  EXPECT_EQ(Keys("dir/"), expected);
  ASSERT_TRUE(engine_->Sync().ok());
  Reopen();
  EXPECT_EQ(Keys("dir/"), expected);
  for (const auto& [k, v] : model) EXPECT_EQ(Value(k), v);
}

TEST_F(EngineTest, ScanIsInKeyOrderAndHidesTombstonesAndOtherPrefixes) {
  CreatePool();
  for (const char* k : {"a/2", "a/1", "b/1", "a/3", "a", "a/1/x"}) ASSERT_TRUE(PutString(k, k).ok());
  ASSERT_TRUE(engine_->Delete("a/2").ok());
  EXPECT_EQ(Keys("a/"), (std::vector<std::string>{"a/1", "a/1/x", "a/3"}));
  EXPECT_EQ(Keys(""), (std::vector<std::string>{"a", "a/1", "a/1/x", "a/3", "b/1"}));
}

TEST_F(EngineTest, IteratorSeekSkipsSubtrees) {
  CreatePool();
  for (const char* k : {"d/", "d/a", "d/b/", "d/b/1", "d/b/2", "d/c"}) ASSERT_TRUE(PutString(k, k).ok());
  auto it = engine_->NewIterator();
  it->Seek("d/b0");  // just past every key under d/b/
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->record().key, "d/c");
}

TEST_F(EngineTest, ValueLargerThanABlock) {
  CreatePool(64 << 20, 1 << 20);
  std::string big(3 * (1 << 20) + 12345, '\0');
  std::mt19937 rng(7);
  for (auto& c : big) c = static_cast<char>(rng());
  ASSERT_TRUE(PutString("big", big).ok());
  EXPECT_EQ(Value("big"), big);
  ASSERT_TRUE(engine_->Sync().ok());
  Reopen();
  EXPECT_EQ(Value("big"), big);
}

TEST_F(EngineTest, ExtentListRecordsReadHolesAsZeros) {
  CreatePool();
  std::vector<Extent> a, b;
  ASSERT_TRUE(engine_->AppendValue("AAAA", 0, &a).ok());
  ASSERT_TRUE(engine_->AppendValue("BB", 10, &b).ok());
  ExtentList list;
  list.Insert(a[0]);
  list.Insert(b[0]);
  Attributes attrs;
  attrs.size = 16;
  Record r;
  ASSERT_TRUE(engine_->MakeContentRecord(&list, attrs, &r).ok());
  EXPECT_TRUE(r.has_extent_list());
  WriteBatch batch;
  batch.PutRecord("sparse", r);
  ASSERT_TRUE(engine_->Apply(batch).ok());
  EXPECT_EQ(Value("sparse"), std::string("AAAA\0\0\0\0\0\0BB\0\0\0\0", 16));
}

TEST_F(EngineTest, BatchIsAllOrNothing) {
  CreatePool();
  ASSERT_TRUE(PutString("old", "1").ok());
  Record existing;
  ASSERT_TRUE(engine_->Get("old", &existing).ok());
  WriteBatch rename;
  rename.PutRecord("new", existing);
  rename.Delete("old");
  ASSERT_TRUE(engine_->Apply(rename).ok());
  EXPECT_EQ(Value("new"), "1");
  EXPECT_EQ(Value("old"), "<absent>");

  // A batch larger than a key block is refused whole.
  WriteBatch huge;
  for (int i = 0; i < 2000; i++) huge.PutRecord("huge/" + std::to_string(i), existing);
  EXPECT_EQ(engine_->Apply(huge).code(), Status::Code::kTooLarge);
  EXPECT_TRUE(Keys("huge/").empty());
  EXPECT_EQ(Value("new"), "1");
}

TEST_F(EngineTest, FullPoolAnswersNoSpaceAndLosesNothing) {
  CreatePool(8 << 20, 1 << 20);
  std::string chunk(256 << 10, 'x');
  int written = 0;
  Status s;
  while ((s = PutString("f" + std::to_string(written), chunk)).ok()) written++;
  EXPECT_EQ(s.code(), Status::Code::kNoSpace);
  ASSERT_GT(written, 10);
  ASSERT_TRUE(engine_->Sync().ok());
  Reopen();
  for (int i = 0; i < written; i++) EXPECT_EQ(Value("f" + std::to_string(i)), chunk) << i;
  EXPECT_EQ(PutString("more", chunk).code(), Status::Code::kNoSpace);
}

TEST_F(EngineTest, ReadOnlyRefusesWrites) {
  CreatePool();
  ASSERT_TRUE(PutString("a", "1").ok());
  ASSERT_TRUE(engine_->Sync().ok());
  Reopen(/*read_only=*/true);
  EXPECT_EQ(Value("a"), "1");
  EXPECT_EQ(PutString("b", "2").code(), Status::Code::kReadOnly);
  EXPECT_EQ(engine_->Delete("a").code(), Status::Code::kReadOnly);
}

TEST_F(EngineTest, SecondOpenIsBusy) {
  CreatePool();
  std::unique_ptr<Engine> second;
  EXPECT_EQ(Engine::Open(path_.path(), {}, &second).code(), Status::Code::kBusy);
}

TEST_F(EngineTest, CreateRefusesAnExistingFile) {
  CreatePool();
  EXPECT_EQ(Engine::Create(path_.path(), {}).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(Value("x"), "<absent>");
}

TEST(EngineOpenTest, NotAPoolIsCorruptionAndIsNotModified) {
  testing::TempPoolPath path;
  const std::string text(100000, 't');
  int fd = open(path.path().c_str(), O_CREAT | O_WRONLY, 0600);
  ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  close(fd);
  std::unique_ptr<Engine> engine;
  Status s = Engine::Open(path.path(), {}, &engine);
  EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
  std::string back(text.size(), '\0');
  fd = open(path.path().c_str(), O_RDONLY);
  ASSERT_EQ(read(fd, back.data(), back.size()), static_cast<ssize_t>(text.size()));
  close(fd);
  EXPECT_EQ(back, text);
}

TEST(EngineOpenTest, OtherFormatVersionIsRefused) {
  testing::TempPoolPath path;
  CreateOptions options;
  options.pool_size = 16 << 20;
  ASSERT_TRUE(Engine::Create(path.path(), options).ok());
  int fd = open(path.path().c_str(), O_WRONLY);
  const uint32_t version = 99;
  ASSERT_EQ(pwrite(fd, &version, 4, 8), 4);
  close(fd);
  std::unique_ptr<Engine> engine;
  Status s = Engine::Open(path.path(), {}, &engine);
  EXPECT_EQ(s.code(), Status::Code::kVersionMismatch) << s.ToString();
}

// Sealing writes a sorted pointer array and a filter into each block.
TEST_F(EngineTest, SealedBlocksHoldSortedPointersAndFilters) {
  CreatePool();
  std::vector<std::string> keys;
  for (int i = 0; i < 3000; i++) keys.push_back("k" + std::to_string((i * 7919) % 3000));
  for (const auto& k : keys) ASSERT_TRUE(PutString(k, "v").ok());
  ASSERT_TRUE(engine_->Sync().ok());
  engine_.reset();

  std::unique_ptr<Pool> pool;
  ASSERT_TRUE(Pool::Open(path_.path(), true, &pool).ok());
  const uint32_t kbs = pool->superblock().key_block_size;
  int blocks = 0, false_positives = 0;
  for (Address b = 0 - uint64_t{kbs}; b != pool->checkpoint().open_key_block; b -= kbs, blocks++) {
    SealedKeyBlock sealed;
    ASSERT_TRUE(SealedKeyBlock::Load(pool.get(), b, true, &sealed).ok());
    ASSERT_GT(sealed.size(), 0u);
    for (uint32_t i = 0; i + 1 < sealed.size(); i++) EXPECT_LT(sealed.KeyAt(i), sealed.KeyAt(i + 1));
    for (uint32_t i = 0; i < sealed.size(); i++) {
      std::string k(sealed.KeyAt(i));
      EXPECT_EQ(sealed.Find(k, BloomHash(k)), sealed.RecordAddressAt(i));
    }
    for (int i = 0; i < 1000; i++) {
      std::string absent = "absent-" + std::to_string(i);
      if (sealed.Find(absent, BloomHash(absent)) != 0) ADD_FAILURE() << "found an absent key";
      false_positives += sealed.MayContain(BloomHash(absent));
    }
  }
  EXPECT_GT(blocks, 2);
  EXPECT_LT(false_positives, blocks * 1000 / 20) << "the filter should reject ~99% of misses";
}

}  // namespace
}  // namespace kvbos
