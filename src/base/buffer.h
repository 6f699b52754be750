#pragma once
// Buffer: an immutable, reference-counted view of bytes. Copies share the storage, so one
// publisher's payload fans out to packagers and viewers without copying. Slices share too.
// Thread-safe to copy and read from any thread (the bytes never change after creation).
//
// Storage is either heap memory or, for bytes that are served many times (finished media
// segments), a sealed memfd (memfd_create(2), sealed with F_SEAL_WRITE and friends) mapped
// read-only. A memfd-backed Buffer reads like any other (data() points into the mapping) and
// also exposes its bytes as a file range, so the HTTP server can hand them to sendfile(2)
// instead of copying them from user space into the socket on every request. The seals make
// the file content as immutable as the Buffer promises. The mapping and the descriptor are
// released with the last reference.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace steadycast::base {

namespace internal {
struct BufferStorage;  // heap bytes, or a memfd and its read-only mapping (buffer.cc)
}  // namespace internal

// Where a file-backed Buffer's bytes sit: `length` bytes at `offset` of descriptor `fd`. Valid
// (the descriptor stays open, the bytes unchanged) while any Buffer sharing the storage lives.
// The descriptor is borrowed: never close it, and use only offset-taking calls (sendfile(2),
// pread(2)), because the file position is shared by every user of the descriptor.
struct FileRange {
  int fd = -1;
  uint64_t offset = 0;
  size_t length = 0;
};

class Buffer {
 public:
  Buffer() = default;

  // Takes ownership of `bytes` without copying.
  static Buffer Take(std::vector<uint8_t>&& bytes);
  static Buffer Copy(std::span<const uint8_t> bytes);
  static Buffer FromString(std::string_view text);

  // Moves `bytes` into a new sealed memfd named `name` (shown in /proc/PID/fd, for debugging)
  // so that file_range() is available. Never fails: empty input, a failing syscall or an
  // exhausted descriptor budget (see MemfdBudget) give a plain heap Buffer instead.
  static Buffer TakeIntoMemfd(std::vector<uint8_t>&& bytes, const char* name);
  // The same bytes as `source`, memfd-backed: `source` itself when it is empty or already
  // file-backed, or (the fallbacks of TakeIntoMemfd) when the memfd cannot be made.
  static Buffer CopyIntoMemfd(const Buffer& source, const char* name);

  // The most memfd-backed storages alive at once, process-wide: a quarter of the soft
  // RLIMIT_NOFILE at first use, so segments can never starve sockets of descriptors. Beyond
  // it, the *IntoMemfd functions fall back to heap Buffers.
  static size_t MemfdBudget();
  // memfd-backed storages alive now (for tests and metrics).
  static size_t LiveMemfdCount();

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::span<const uint8_t> span() const { return {data_, size_}; }
  std::string_view AsStringView() const { return {reinterpret_cast<const char*>(data_), size_}; }
  const uint8_t& operator[](size_t i) const { return data_[i]; }

  // The file range holding exactly this Buffer's bytes (a Slice's own offset and length), when
  // the storage is a memfd and the Buffer is not empty.
  std::optional<FileRange> file_range() const;

  // A view of [offset, offset+length) sharing the same storage. Clamped to the buffer.
  Buffer Slice(size_t offset, size_t length) const;
  Buffer Slice(size_t offset) const { return Slice(offset, size_); }

  bool operator==(const Buffer& other) const;

 private:
  std::shared_ptr<const internal::BufferStorage> storage_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace steadycast::base
