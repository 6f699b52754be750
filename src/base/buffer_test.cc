#include "base/buffer.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fcntl.h>

#include <string>
#include <vector>

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

std::vector<uint8_t> Pattern(size_t size) {
  std::vector<uint8_t> bytes(size);
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<uint8_t>(i * 7 + i / 251);
  return bytes;
}

// Reads a file range back through the descriptor, the way sendfile(2) would see it.
std::vector<uint8_t> ReadRange(const FileRange& range) {
  std::vector<uint8_t> out(range.length);
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::pread(range.fd, out.data() + done, out.size() - done,
                              static_cast<off_t>(range.offset + done));
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  out.resize(done);
  return out;
}

TEST(BufferMemfdTest, HoldsTheSameBytesAndExposesTheWholeFile) {
  const std::vector<uint8_t> bytes = Pattern(size_t{300} * 1024);
  std::vector<uint8_t> moved = bytes;
  const size_t live_before = Buffer::LiveMemfdCount();
  Buffer b = Buffer::TakeIntoMemfd(std::move(moved), "steadycast-test");
  // NOLINTNEXTLINE(bugprone-use-after-move): checks that the bytes were taken, not left behind
  EXPECT_TRUE(moved.empty());
  EXPECT_EQ(b, Buffer::Copy(bytes));
  const std::optional<FileRange> range = b.file_range();
  ASSERT_TRUE(range.has_value());
  EXPECT_GE(range->fd, 0);
  EXPECT_EQ(range->offset, 0u);
  EXPECT_EQ(range->length, bytes.size());
  EXPECT_EQ(ReadRange(*range), bytes);
  EXPECT_EQ(Buffer::LiveMemfdCount(), live_before + 1);
  b = Buffer();
  EXPECT_EQ(Buffer::LiveMemfdCount(), live_before);
}

TEST(BufferMemfdTest, SlicesKeepTheirFileOffsets) {
  const std::vector<uint8_t> bytes = Pattern(10000);
  const Buffer b = Buffer::TakeIntoMemfd(std::vector<uint8_t>(bytes), "steadycast-test");
  const Buffer middle = b.Slice(1234, 5000);
  const std::optional<FileRange> range = middle.file_range();
  ASSERT_TRUE(range.has_value());
  EXPECT_EQ(range->fd, b.file_range()->fd);
  EXPECT_EQ(range->offset, 1234u);
  EXPECT_EQ(range->length, 5000u);
  EXPECT_EQ(ReadRange(*range), std::vector<uint8_t>(bytes.begin() + 1234, bytes.begin() + 6234));
  const Buffer nested = middle.Slice(100, 10);
  ASSERT_TRUE(nested.file_range().has_value());
  EXPECT_EQ(nested.file_range()->offset, 1334u);
  EXPECT_EQ(nested.file_range()->length, 10u);
  const Buffer tail = b.Slice(9000, 5000);  // clamped
  EXPECT_EQ(tail.file_range()->offset, 9000u);
  EXPECT_EQ(tail.file_range()->length, 1000u);
  EXPECT_FALSE(b.Slice(10000).file_range().has_value());  // empty views have no range
}

TEST(BufferMemfdTest, SliceOutlivesTheOriginalAndKeepsTheDescriptorOpen) {
  const std::vector<uint8_t> bytes = Pattern(8192);
  Buffer slice;
  {
    const Buffer b = Buffer::TakeIntoMemfd(std::vector<uint8_t>(bytes), "steadycast-test");
    slice = b.Slice(4096);
  }
  ASSERT_TRUE(slice.file_range().has_value());
  EXPECT_EQ(ReadRange(*slice.file_range()),
            std::vector<uint8_t>(bytes.begin() + 4096, bytes.end()));
  EXPECT_EQ(slice.span()[0], bytes[4096]);
}

TEST(BufferMemfdTest, FileIsSealedAgainstChange) {
  const Buffer b = Buffer::TakeIntoMemfd(Pattern(4096), "steadycast-test");
  ASSERT_TRUE(b.file_range().has_value());
  const int fd = b.file_range()->fd;
  const int seals = ::fcntl(fd, F_GET_SEALS);
  EXPECT_EQ(seals & (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL),
            F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
  const uint8_t byte = 0;
  EXPECT_LT(::pwrite(fd, &byte, 1, 0), 0);
  EXPECT_NE(::ftruncate(fd, 1), 0);
  EXPECT_NE(::fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
}

TEST(BufferMemfdTest, EmptyInputStaysOnTheHeap) {
  const size_t live_before = Buffer::LiveMemfdCount();
  const Buffer b = Buffer::TakeIntoMemfd({}, "steadycast-test");
  EXPECT_TRUE(b.empty());
  EXPECT_FALSE(b.file_range().has_value());
  EXPECT_FALSE(Buffer::CopyIntoMemfd(Buffer(), "steadycast-test").file_range().has_value());
  EXPECT_EQ(Buffer::LiveMemfdCount(), live_before);
}

TEST(BufferMemfdTest, FallsBackToTheHeapWhenTheMemfdCannotBeMade) {
  // memfd_create(2) rejects names longer than 249 bytes with EINVAL.
  const std::string too_long(300, 'x');
  const std::vector<uint8_t> bytes = Pattern(1000);
  const size_t live_before = Buffer::LiveMemfdCount();
  const Buffer b = Buffer::TakeIntoMemfd(std::vector<uint8_t>(bytes), too_long.c_str());
  EXPECT_FALSE(b.file_range().has_value());
  EXPECT_EQ(b, Buffer::Copy(bytes));
  const Buffer heap = Buffer::Copy(bytes);
  const Buffer same = Buffer::CopyIntoMemfd(heap, too_long.c_str());
  EXPECT_EQ(same.data(), heap.data());  // the source itself, not a copy
  EXPECT_EQ(Buffer::LiveMemfdCount(), live_before);
}

TEST(BufferMemfdTest, HeapBuffersHaveNoFileRange) {
  EXPECT_FALSE(Buffer().file_range().has_value());
  EXPECT_FALSE(Buffer::FromString("abc").file_range().has_value());
  EXPECT_FALSE(Buffer::FromString("abc").Slice(1).file_range().has_value());
}

TEST(BufferMemfdTest, CopyIntoMemfdCopiesHeapBytesOnceAndSharesFileBackedOnes) {
  const Buffer heap = Buffer::Copy(Pattern(5000));
  const Buffer file = Buffer::CopyIntoMemfd(heap, "steadycast-test");
  ASSERT_TRUE(file.file_range().has_value());
  EXPECT_EQ(file, heap);
  EXPECT_NE(file.data(), heap.data());
  const Buffer again = Buffer::CopyIntoMemfd(file.Slice(10, 20), "steadycast-test");
  EXPECT_EQ(again.data(), file.data() + 10);
  EXPECT_EQ(again.file_range()->fd, file.file_range()->fd);
}

TEST(BufferMemfdTest, BudgetIsAFractionOfTheDescriptorLimit) {
  EXPECT_GT(Buffer::MemfdBudget(), 0u);
  EXPECT_LE(Buffer::MemfdBudget(), static_cast<size_t>(::sysconf(_SC_OPEN_MAX)));
}

}  // namespace
}  // namespace steadycast::base
