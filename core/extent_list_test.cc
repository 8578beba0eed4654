#include "core/extent_list.h"

#include <gtest/gtest.h>

namespace kvbos {
namespace {

TEST(ExtentListTest, SequentialWritesMergeIntoOneExtent) {
  ExtentList list;
  list.Insert({0, 100, 1000});
  list.Insert({100, 50, 1100});
  ASSERT_EQ(list.extents().size(), 1u);
  EXPECT_EQ(list.extents()[0], (Extent{0, 150, 1000}));
}

TEST(ExtentListTest, OverwriteInTheMiddleSplitsTheOldExtent) {
  ExtentList list;
  list.Insert({0, 100, 1000});
  list.Insert({40, 10, 5000});
  ASSERT_EQ(list.extents().size(), 3u);
  EXPECT_EQ(list.extents()[0], (Extent{0, 40, 1000}));
  EXPECT_EQ(list.extents()[1], (Extent{40, 10, 5000}));
  EXPECT_EQ(list.extents()[2], (Extent{50, 50, 1050}));
  EXPECT_EQ(list.StoredBytes(), 100u);
}

TEST(ExtentListTest, OverwriteSpanningSeveralExtentsReplacesThem) {
  ExtentList list;
  list.Insert({0, 10, 100});
  list.Insert({20, 10, 200});
  list.Insert({40, 10, 300});
  list.Insert({5, 40, 900});
  ASSERT_EQ(list.extents().size(), 3u);
  EXPECT_EQ(list.extents()[0], (Extent{0, 5, 100}));
  EXPECT_EQ(list.extents()[1], (Extent{5, 40, 900}));
  EXPECT_EQ(list.extents()[2], (Extent{45, 5, 305}));
}

TEST(ExtentListTest, TruncateDropsAndShortensExtents) {
  ExtentList list;
  list.Insert({0, 10, 100});
  list.Insert({20, 10, 200});
  list.TruncateTo(25);
  ASSERT_EQ(list.extents().size(), 2u);
  EXPECT_EQ(list.extents()[1], (Extent{20, 5, 200}));
  list.TruncateTo(5);
  ASSERT_EQ(list.extents().size(), 1u);
  EXPECT_EQ(list.extents()[0], (Extent{0, 5, 100}));
  list.TruncateTo(0);
  EXPECT_TRUE(list.extents().empty());
}

TEST(ExtentListTest, SliceHasTheExtentsARangeOverlaps) {
  ExtentList list;
  list.Insert({0, 10, 100, 0, 10, 1});
  list.Insert({20, 10, 200, 0, 10, 2});
  list.Insert({40, 10, 300, 0, 10, 3});
  EXPECT_EQ(list.Slice(5, 20).extents(), (std::vector<Extent>{list.extents()[0], list.extents()[1]}));
  EXPECT_EQ(list.Slice(10, 10).extents(), std::vector<Extent>{});  // a hole
  EXPECT_EQ(list.Slice(29, 100).extents(), (std::vector<Extent>{list.extents()[1], list.extents()[2]}));
  EXPECT_EQ(list.Slice(50, 5).extents(), std::vector<Extent>{});
}

TEST(ExtentListTest, EncodeDecodeRoundTrip) {
  ExtentList list;
  list.Insert({0, 10, 100, 0, 10, 0x1234});
  list.Insert({4096, 7, 1u << 30, 3, 20, 0xabcdef});
  ExtentList decoded;
  ASSERT_TRUE(ExtentList::Decode(list.Encode(), &decoded).ok());
  EXPECT_EQ(decoded.extents(), list.extents());
}

TEST(ExtentListTest, DecodeRejectsPendingOrOutOfUnitExtents) {
  ExtentList out;
  EXPECT_EQ(ExtentList::Decode(ExtentList({Extent{0, 10, 100}}).Encode(), &out).code(),
            Status::Code::kCorruption);  // no checksum
  EXPECT_EQ(ExtentList::Decode(ExtentList({Extent{0, 10, 100, 5, 12, 1}}).Encode(), &out).code(),
            Status::Code::kCorruption);  // 5 + 10 > 12
}

TEST(ExtentListTest, PiecesOfAChecksummedExtentKeepTheirWholeUnit) {
  ExtentList list;
  list.Insert({0, 100, 1000, 0, 100, 77});
  list.Insert({40, 10, 5000});
  ASSERT_EQ(list.extents().size(), 3u);
  EXPECT_EQ(list.extents()[0], (Extent{0, 40, 1000, 0, 100, 77}));
  EXPECT_EQ(list.extents()[2], (Extent{50, 50, 1050, 50, 100, 77}));
  list.TruncateTo(60);
  EXPECT_EQ(list.extents()[2], (Extent{50, 10, 1050, 50, 100, 77}));
}

TEST(ExtentListTest, OnlyPendingExtentsMergeAndNeverAcrossAUnitWindow) {
  ExtentList list;
  list.Insert({0, 100, 1000, 0, 100, 77});
  list.Insert({100, 50, 1100});  // continues a checksummed extent: stays apart
  EXPECT_EQ(list.extents().size(), 2u);
  ExtentList window;
  const uint64_t edge = kValueUnitBytes;
  window.Insert({0, 100, edge - 100});
  window.Insert({100, 100, edge});  // the same bytes would cross a unit boundary
  EXPECT_EQ(window.extents().size(), 2u);
}

TEST(ExtentListTest, DecodeRejectsOverlapsAndOddSizes) {
  ExtentList out;
  EXPECT_EQ(ExtentList::Decode(std::string(23, 'x'), &out).code(), Status::Code::kCorruption);
  ExtentList a({Extent{0, 10, 0}, Extent{5, 10, 0}});
  EXPECT_EQ(ExtentList::Decode(a.Encode(), &out).code(), Status::Code::kCorruption);
}

}  // namespace
}  // namespace kvbos
