#include "base/buffer.h"

#include <gtest/gtest.h>

namespace steadycast::base {
namespace {

TEST(BufferTest, SlicesShareStorageAndClamp) {
  Buffer b = Buffer::FromString("hello world");
  Buffer world = b.Slice(6);
  EXPECT_EQ(world.AsStringView(), "world");
  EXPECT_EQ(world.data(), b.data() + 6);
  EXPECT_EQ(b.Slice(6, 100).AsStringView(), "world");
  EXPECT_TRUE(b.Slice(100).empty());
}

TEST(BufferTest, EqualityComparesBytes) {
  EXPECT_EQ(Buffer::FromString("abc"), Buffer::Copy(Buffer::FromString("abc").span()));
  EXPECT_FALSE(Buffer::FromString("abc") == Buffer::FromString("abd"));
  EXPECT_EQ(Buffer(), Buffer::FromString(""));
}

TEST(BufferTest, OutlivesOriginal) {
  Buffer slice;
  {
    Buffer b = Buffer::Take({1, 2, 3, 4});
    slice = b.Slice(2, 2);
  }
  ASSERT_EQ(slice.size(), 2u);
  EXPECT_EQ(slice[0], 3);
  EXPECT_EQ(slice[1], 4);
}

}  // namespace
}  // namespace steadycast::base
