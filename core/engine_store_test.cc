// The object-store tier through the engine's API: snapshots and manifests,
// restore into an empty pool with values fetched lazily (one range GET per
// small value), a pool smaller than its data, corrupt objects, a store that
// is down, a second writer, an idle engine making no requests.
#include <gtest/gtest.h>

#include <random>

#include "core/engine.h"
#include "core/manifest.h"
#include "core/test_object_store.h"
#include "core/test_pool.h"

namespace kvbos {
namespace {

constexpr uint32_t kValueBlock = 1 << 20;
constexpr uint32_t kKeyBlock = 64 << 10;

class EngineStoreTest : public ::testing::Test {
 protected:
  static std::unique_ptr<Engine> Open(const std::string& path, ObjectStore* store,
                                      uint64_t pool_size = 64 << 20, Status* status = nullptr) {
    CreateOptions create;
    create.pool_size = pool_size;
    create.value_block_size = kValueBlock;
    create.key_block_size = kKeyBlock;
    if (access(path.c_str(), F_OK) != 0) {
      EXPECT_TRUE(Engine::Create(path, create).ok());
    }
    OpenOptions options;
    options.store = store;
    options.snapshot_interval_ms = 0;  // snapshots when asked, or when space runs out
    options.space_wait_ms = 5000;
    std::unique_ptr<Engine> engine;
    Status s = Engine::Open(path, options, &engine);
    if (s.ok()) engine->StartBackgroundSnapshots();
    if (status != nullptr) {
      *status = s;
    } else {
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
    return engine;
  }
  static std::string Value(Engine* engine, std::string_view key, Status* status = nullptr) {
    Record r;
    Status s = engine->Get(key, &r);
    if (s.IsNotFound()) return "<absent>";
    ExtentList extents;
    if (s.ok()) s = engine->LoadExtents(r, &extents);
    std::string out(r.attrs.size, '\0');
    if (s.ok()) s = engine->ReadContent(extents, 0, out.size(), out.data());
    if (status != nullptr) *status = s;
    if (!s.ok()) return "<error: " + s.ToString() + ">";
    return out;
  }
  static Status PutString(Engine* engine, std::string_view key, std::string_view value) {
    Attributes attrs;
    attrs.size = value.size();
    return engine->Put(key, value, attrs);
  }
  static std::string Content(int i, size_t size) {
    std::string s(size, '\0');
    std::mt19937 rng(i);
    for (char& c : s) c = static_cast<char>(rng());
    return s;
  }

  testing::MemoryObjectStore store_;
  testing::TempPoolPath a_, b_, c_;
};

TEST_F(EngineStoreTest, RestoreIntoAnEmptyPoolFetchesEachSmallValueWithOneRangeGet) {
  auto a = Open(a_.path(), &store_);
  // Enough keys to seal key blocks, enough values to fill value blocks.
  for (int i = 0; i < 3000; i++) {
    ASSERT_TRUE(PutString(a.get(), "small/" + std::to_string(i), Content(i, 1000 + i % 7)).ok());
  }
  ASSERT_TRUE(PutString(a.get(), "big", Content(-1, 3 << 20)).ok());
  ASSERT_TRUE(a->Snapshot().ok());
  // Filled blocks are uploaded as they fill (with manifests), the rest by the Snapshot.
  const uint64_t newest = a->Stats().manifest_sequence;
  EXPECT_GE(newest, 1u);
  EXPECT_TRUE(store_.Has(ManifestName(newest)));
  EXPECT_FALSE(store_.Has(ManifestName(newest + 1)));
  a.reset();

  auto b = Open(b_.path(), &store_);
  const uint64_t before = store_.range_gets;
  EXPECT_EQ(Value(b.get(), "small/1234"), Content(1234, 1000 + 1234 % 7));
  EXPECT_EQ(store_.range_gets - before, 1u) << "one range GET of exactly that value";
  EXPECT_EQ(Value(b.get(), "small/1234"), Content(1234, 1000 + 1234 % 7));
  EXPECT_EQ(store_.range_gets - before, 1u) << "the second read hits the cache";
  for (int i = 0; i < 3000; i += 97) {
    EXPECT_EQ(Value(b.get(), "small/" + std::to_string(i)), Content(i, 1000 + i % 7)) << i;
  }
  EXPECT_EQ(Value(b.get(), "big"), Content(-1, 3 << 20));

  // B carries on as the writer: new writes, then a restore into C sees both.
  ASSERT_TRUE(PutString(b.get(), "from-b", "written by b").ok());
  ASSERT_TRUE(b->Snapshot().ok());
  b.reset();
  auto c = Open(c_.path(), &store_);
  EXPECT_EQ(Value(c.get(), "from-b"), "written by b");
  EXPECT_EQ(Value(c.get(), "small/2999"), Content(2999, 1000 + 2999 % 7));
}

TEST_F(EngineStoreTest, ARestoredPoolCarriesOnBeforeItWritesAManifest) {
  auto a = Open(a_.path(), &store_);
  ASSERT_TRUE(PutString(a.get(), "k", "from a").ok());
  ASSERT_TRUE(a->Snapshot().ok());
  a.reset();
  auto b = Open(b_.path(), &store_);  // restores, writes nothing
  b.reset();
  b = Open(b_.path(), &store_);  // the bucket has not moved on: b carries on
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(Value(b.get(), "k"), "from a");
  ASSERT_TRUE(PutString(b.get(), "k", "from b").ok());
  ASSERT_TRUE(b->Snapshot().ok());
  b.reset();
  Status s;
  a = Open(a_.path(), &store_, 64 << 20, &s);  // a's manifest is no longer the newest
  EXPECT_EQ(s.code(), Status::Code::kBusy) << s.ToString();
}

TEST_F(EngineStoreTest, AnUnchangedEngineMakesNoRequests) {
  auto a = Open(a_.path(), &store_);
  ASSERT_TRUE(PutString(a.get(), "k", "v").ok());
  ASSERT_TRUE(a->Snapshot().ok());
  const uint64_t requests = store_.Requests();
  for (int i = 0; i < 5; i++) ASSERT_TRUE(a->Snapshot().ok());
  EXPECT_EQ(store_.Requests(), requests);
  // Reopening the writer costs a probe and one manifest read, nothing more.
  a.reset();
  a = Open(a_.path(), &store_);
  EXPECT_EQ(Value(a.get(), "k"), "v");
  EXPECT_LE(store_.Requests() - requests, 3u);
}

TEST_F(EngineStoreTest, APoolSmallerThanItsDataKeepsEverything) {
  // 8 MiB of pool, 40 MiB of values: uploads free slots as writers need them.
  auto a = Open(a_.path(), &store_, 8 << 20);
  for (int i = 0; i < 40; i++) {
    ASSERT_TRUE(PutString(a.get(), "f" + std::to_string(i), Content(i, 1 << 20)).ok()) << i;
  }
  EXPECT_GT(a->Stats().evictions, 20u);
  for (int i = 0; i < 40; i++) EXPECT_EQ(Value(a.get(), "f" + std::to_string(i)), Content(i, 1 << 20)) << i;
  ASSERT_TRUE(a->Snapshot().ok());
  a.reset();
  a = Open(a_.path(), &store_, 8 << 20);
  for (int i = 0; i < 40; i += 7) EXPECT_EQ(Value(a.get(), "f" + std::to_string(i)), Content(i, 1 << 20)) << i;
}

TEST_F(EngineStoreTest, BlocksReadOftenStayInThePool) {
  auto a = Open(a_.path(), &store_, 8 << 20);
  ASSERT_TRUE(PutString(a.get(), "hot", Content(7, 900 << 10)).ok());
  for (int i = 0; i < 40; i++) {
    ASSERT_TRUE(PutString(a.get(), "cold" + std::to_string(i), Content(i, 1 << 20)).ok()) << i;
    EXPECT_EQ(Value(a.get(), "hot"), Content(7, 900 << 10)) << i;  // keeps its block in use
  }
  EXPECT_GT(a->Stats().evictions, 20u);
  EXPECT_EQ(store_.range_gets, 0u) << "the block read after every write was evicted";
  EXPECT_EQ(Value(a.get(), "cold0"), Content(0, 1 << 20));
  EXPECT_GT(store_.range_gets, 0u) << "an old block nobody read stayed in the pool";
}

TEST_F(EngineStoreTest, ACorruptObjectFailsOnlyTheValuesInIt) {
  auto a = Open(a_.path(), &store_);
  ASSERT_TRUE(PutString(a.get(), "first", Content(1, 5000)).ok());
  ASSERT_TRUE(PutString(a.get(), "second", Content(2, 5000)).ok());
  ASSERT_TRUE(a->Snapshot().ok());
  a.reset();
  ASSERT_TRUE(store_.Damage("values/0x0000000000000000", 100));  // inside "first"
  auto b = Open(b_.path(), &store_);
  Status s;
  Value(b.get(), "first", &s);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("values/0x0000000000000000"), std::string::npos) << s.message();
  EXPECT_EQ(Value(b.get(), "second"), Content(2, 5000));
}

TEST_F(EngineStoreTest, WritesGoOnWhileTheStoreIsDownAndUploadLater) {
  auto a = Open(a_.path(), &store_);
  ASSERT_TRUE(PutString(a.get(), "before", "1").ok());
  ASSERT_TRUE(a->Snapshot().ok());
  store_.SetDown(true);
  ASSERT_TRUE(PutString(a.get(), "during", "2").ok());
  EXPECT_EQ(a->Snapshot().code(), Status::Code::kIOError);
  EXPECT_EQ(Value(a.get(), "during"), "2");
  store_.SetDown(false);
  ASSERT_TRUE(a->Snapshot().ok());
  a.reset();
  auto b = Open(b_.path(), &store_);
  EXPECT_EQ(Value(b.get(), "before"), "1");
  EXPECT_EQ(Value(b.get(), "during"), "2");
}

TEST_F(EngineStoreTest, AFullPoolWithTheStoreDownAnswersNoSpaceAndLosesNothing) {
  auto a = Open(a_.path(), &store_, 8 << 20);
  store_.SetDown(true);
  int written = 0;
  Status s;
  while ((s = PutString(a.get(), "f" + std::to_string(written), Content(written, 256 << 10))).ok()) {
    written++;
  }
  EXPECT_EQ(s.code(), Status::Code::kNoSpace) << s.ToString();
  ASSERT_GT(written, 10);
  ASSERT_TRUE(a->Sync().ok());
  store_.SetDown(false);
  ASSERT_TRUE(a->Snapshot().ok());
  for (int i = 0; i < written; i++) {
    EXPECT_EQ(Value(a.get(), "f" + std::to_string(i)), Content(i, 256 << 10)) << i;
  }
  // With the store back, the pool has room again.
  EXPECT_TRUE(PutString(a.get(), "more", Content(99, 256 << 10)).ok());
}

TEST_F(EngineStoreTest, ASecondWriterIsRefusedOrFenced) {
  auto a = Open(a_.path(), &store_);
  ASSERT_TRUE(PutString(a.get(), "k", "a").ok());
  ASSERT_TRUE(a->Snapshot().ok());
  // B restores from the bucket and writes while A is still mounted.
  auto b = Open(b_.path(), &store_);
  ASSERT_TRUE(PutString(b.get(), "k", "b").ok());
  ASSERT_TRUE(b->Snapshot().ok());
  ASSERT_TRUE(PutString(a.get(), "k", "a2").ok());
  EXPECT_EQ(a->Snapshot().code(), Status::Code::kReadOnly);
  EXPECT_EQ(PutString(a.get(), "k", "a3").code(), Status::Code::kReadOnly);
  a.reset();
  // A's pool is no longer the bucket's writer.
  Status s;
  a = Open(a_.path(), &store_, 64 << 20, &s);
  EXPECT_EQ(s.code(), Status::Code::kBusy) << s.ToString();
}

}  // namespace
}  // namespace kvbos
