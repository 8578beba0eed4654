// DirStore, the file: backend, on a temporary directory.
#include "s3/dir_store.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

namespace kvbos {
namespace {

class DirStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kvbos-dirstore-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    ASSERT_TRUE(DirStore::Open(root_, &store_).ok());
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  // Every file name under root_, recursively (relative paths).
  std::vector<std::string> AllFiles() {
    std::vector<std::string> out;
    for (auto& e : std::filesystem::recursive_directory_iterator(root_)) {
      if (e.is_regular_file()) out.push_back(std::filesystem::relative(e.path(), root_));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  static std::string Pattern(size_t n, int seed) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + seed * 7) & 0xff);
    return s;
  }

  std::string root_;
  std::unique_ptr<DirStore> store_;
};

TEST_F(DirStoreTest, PutThenGetReturnsTheBytesUnderTheSameNameOnDisk) {
  const std::string bytes = Pattern(100000, 1) + std::string(10, '\0');
  ASSERT_TRUE(store_->Put("values/0x0000000000400000", bytes).ok());
  std::string got;
  ASSERT_TRUE(store_->Get("values/0x0000000000400000", &got).ok());
  EXPECT_EQ(got, bytes);
  // Same object names as the bucket: a subdirectory per '/' and no leftover temporary file.
  EXPECT_EQ(AllFiles(), std::vector<std::string>{"values/0x0000000000400000"});
  std::ifstream f(root_ + "/values/0x0000000000400000", std::ios::binary);
  std::string on_disk((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_EQ(on_disk, bytes);
}

TEST_F(DirStoreTest, PutReplacesAnExistingObject) {
  ASSERT_TRUE(store_->Put("manifest/00000000000000000001", Pattern(5000, 1)).ok());
  ASSERT_TRUE(store_->Put("manifest/00000000000000000001", "short").ok());
  std::string got;
  ASSERT_TRUE(store_->Get("manifest/00000000000000000001", &got).ok());
  EXPECT_EQ(got, "short");
  EXPECT_EQ(AllFiles().size(), 1u);
}

TEST_F(DirStoreTest, EmptyObject) {
  ASSERT_TRUE(store_->Put("keys/0x0", "").ok());
  uint64_t size = 99;
  ASSERT_TRUE(store_->Head("keys/0x0", &size).ok());
  EXPECT_EQ(size, 0u);
  std::string got = "x";
  ASSERT_TRUE(store_->Get("keys/0x0", &got).ok());
  EXPECT_EQ(got, "");
}

TEST_F(DirStoreTest, GetRangeReadsExactlyTheRange) {
  const std::string bytes = Pattern(70000, 3);
  ASSERT_TRUE(store_->Put("values/0x1", bytes).ok());
  std::string out(1000, '?');
  ASSERT_TRUE(store_->GetRange("values/0x1", 65000, 1000, out.data()).ok());
  EXPECT_EQ(out, bytes.substr(65000, 1000));
  ASSERT_TRUE(store_->GetRange("values/0x1", 69999, 1, out.data()).ok());
  EXPECT_EQ(out[0], bytes[69999]);
}

TEST_F(DirStoreTest, GetRangePastTheEndIsCorruption) {
  ASSERT_TRUE(store_->Put("values/0x1", Pattern(100, 3)).ok());
  std::string out(50, '?');
  Status s = store_->GetRange("values/0x1", 80, 50, out.data());
  EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
  s = store_->GetRange("values/0x1", 200, 1, out.data());
  EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
}

TEST_F(DirStoreTest, AbsentObjectIsNotFound) {
  std::string got;
  EXPECT_TRUE(store_->Get("values/0x9", &got).IsNotFound());
  char c;
  EXPECT_TRUE(store_->GetRange("values/0x9", 0, 1, &c).IsNotFound());
  uint64_t size;
  EXPECT_TRUE(store_->Head("values/0x9", &size).IsNotFound());
  ASSERT_TRUE(store_->Put("values/0x1", "abc").ok());
  // A name under an object (the object is not a directory).
  EXPECT_TRUE(store_->Head("values/0x1/x", &size).IsNotFound());
}

TEST_F(DirStoreTest, HeadGivesTheSize) {
  ASSERT_TRUE(store_->Put("keys/0x10", Pattern(12345, 0)).ok());
  uint64_t size = 0;
  ASSERT_TRUE(store_->Head("keys/0x10", &size).ok());
  EXPECT_EQ(size, 12345u);
}

TEST_F(DirStoreTest, DeleteRemovesAndAbsentIsNoError) {
  ASSERT_TRUE(store_->Put("values/0x2", "abc").ok());
  ASSERT_TRUE(store_->Delete("values/0x2").ok());
  uint64_t size;
  EXPECT_TRUE(store_->Head("values/0x2", &size).IsNotFound());
  EXPECT_TRUE(store_->Delete("values/0x2").ok());
  EXPECT_TRUE(store_->Delete("nothing/here").ok());
}

TEST_F(DirStoreTest, MalformedNamesAreRefusedAndNothingEscapesTheRoot) {
  for (const char* name :
       {"", "/etc/passwd", "../escape", "a/../../escape", "a//b", "a/./b", ".", "..", "values/"}) {
    Status s = store_->Put(name, "x");
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << "'" << name << "': " << s.ToString();
  }
  EXPECT_TRUE(AllFiles().empty());
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(root_).parent_path() / "escape"));
}

TEST_F(DirStoreTest, OpenRefusesAMissingDirectoryOrAFileOrARelativePath) {
  std::unique_ptr<DirStore> other;
  Status s = DirStore::Open(root_ + "/missing", &other);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find(root_ + "/missing"), std::string::npos) << s.ToString();
  ASSERT_TRUE(store_->Put("file", "x").ok());
  EXPECT_EQ(DirStore::Open(root_ + "/file", &other).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(DirStore::Open("relative/dir", &other).code(), Status::Code::kInvalidArgument);
}

TEST_F(DirStoreTest, DescribeNamesTheDirectory) {
  EXPECT_EQ(store_->Describe(), "file:" + root_);
  std::unique_ptr<DirStore> slash;
  ASSERT_TRUE(DirStore::Open(root_ + "/", &slash).ok());
  EXPECT_EQ(slash->Describe(), "file:" + root_);
}

TEST_F(DirStoreTest, AReopenedStoreSeesTheObjects) {
  ASSERT_TRUE(store_->Put("manifest/00000000000000000042", "m42").ok());
  std::unique_ptr<DirStore> again;
  ASSERT_TRUE(DirStore::Open(root_, &again).ok());
  std::string got;
  ASSERT_TRUE(again->Get("manifest/00000000000000000042", &got).ok());
  EXPECT_EQ(got, "m42");
}

// Readers racing with overwrites see a whole old or a whole new object.
TEST_F(DirStoreTest, ConcurrentOverwritesAreAtomicForReaders) {
  const std::string a(64 * 1024, 'a'), b(32 * 1024, 'b');
  ASSERT_TRUE(store_->Put("values/0x5", a).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0}, reads{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!stop) {
        std::string got;
        Status s = store_->Get("values/0x5", &got);
        if (!s.ok() || (got != a && got != b)) ++bad;
        ++reads;
      }
    });
  }
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(store_->Put("values/0x5", i % 2 ? a : b).ok());
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad, 0);
  EXPECT_GT(reads, 0);
  EXPECT_EQ(AllFiles(), std::vector<std::string>{"values/0x5"});
}

}  // namespace
}  // namespace kvbos
