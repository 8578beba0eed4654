#include "fuse/paths.h"

#include <cerrno>
#include <string>

#include <gtest/gtest.h>

namespace kvbosfs {
namespace {

TEST(PathsTest, KeysOfPaths) {
  EXPECT_EQ(KeyOfPath("/"), "");
  EXPECT_EQ(KeyOfPath("/a"), "a");
  EXPECT_EQ(KeyOfPath("/a/b.txt"), "a/b.txt");
  EXPECT_EQ(DirKey(""), "");
  EXPECT_EQ(DirKey("a/b"), "a/b/");
  EXPECT_EQ(ParentKey("a/b/c"), "a/b");
  EXPECT_EQ(ParentKey("a"), "");
}

TEST(PathsTest, NameLength) {
  EXPECT_EQ(CheckPath("/" + std::string(255, 'x')), 0);
  EXPECT_EQ(CheckPath("/" + std::string(256, 'x')), -ENAMETOOLONG);
  EXPECT_EQ(CheckPath("/d/" + std::string(256, 'x') + "/f"), -ENAMETOOLONG);
  EXPECT_EQ(CheckPath("relative"), -EINVAL);
}

TEST(PathsTest, SubtreeBoundsAndXattrKeys) {
  // Every key of the subtree "d/c/..." sorts below PastSubtree("d/c"); siblings do not.
  const std::string past = PastSubtree("d/c");
  EXPECT_LT(std::string("d/c/"), past);
  EXPECT_LT(std::string("d/c/\xff\xff"), past);
  EXPECT_GE(std::string("d/c0"), past);
  EXPECT_LT(std::string("d/c."), std::string("d/c/"));
  EXPECT_TRUE(IsInternalKey(XattrKey("a/b", "user.x")));
  EXPECT_EQ(XattrKey("a/", "user.x"), std::string("\0xa/\0user.x", 11));
  EXPECT_EQ(XattrKey("", "user.x").substr(0, 3), std::string("\0x\0", 3));
}

}  // namespace
}  // namespace kvbosfs
