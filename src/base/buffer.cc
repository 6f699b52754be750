#include "base/buffer.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstring>

#include "base/log.h"

namespace steadycast::base {

namespace internal {

struct BufferStorage {
  BufferStorage() = default;
  BufferStorage(const BufferStorage&) = delete;
  BufferStorage& operator=(const BufferStorage&) = delete;
  ~BufferStorage();

  std::vector<uint8_t> heap;
  // memfd storage: the sealed descriptor and its read-only shared mapping of the whole file.
  int fd = -1;
  const uint8_t* map = nullptr;
  size_t map_size = 0;
};

}  // namespace internal

namespace {

using internal::BufferStorage;

std::atomic<size_t> live_memfds{0};

// Reserves one memfd from the budget; false when the budget is exhausted.
bool ReserveMemfd() {
  if (live_memfds.fetch_add(1, std::memory_order_relaxed) < Buffer::MemfdBudget()) return true;
  live_memfds.fetch_sub(1, std::memory_order_relaxed);
  return false;
}

bool WriteAll(int fd, const uint8_t* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// The caller falls back to heap memory, which only costs the zero-copy send: say so once.
std::nullptr_t Fallback(const char* what) {
  const int error = errno;
  static std::atomic<bool> logged{false};
  if (!logged.exchange(true)) {
    SC_LOG_WARN("buffer: {} ({}); memfd-backed buffers fall back to heap memory", what,
                std::strerror(error));
  }
  return nullptr;
}

// Creates the sealed memfd holding `bytes` and maps it. Null on any failure.
std::shared_ptr<BufferStorage> MakeMemfdStorage(std::span<const uint8_t> bytes, const char* name) {
  if (bytes.empty()) return nullptr;
  if (!ReserveMemfd()) {
    errno = EMFILE;
    return Fallback("the memfd budget is used up");
  }
  const int fd = ::memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) {
    live_memfds.fetch_sub(1, std::memory_order_relaxed);
    return Fallback("memfd_create failed");
  }
  auto storage = std::make_shared<BufferStorage>();
  storage->fd = fd;  // from here on ~BufferStorage closes it and returns the reservation
  if (!WriteAll(fd, bytes.data(), bytes.size())) return Fallback("writing a memfd failed");
  // Nothing maps the file writably, so F_SEAL_WRITE cannot fail with EBUSY.
  constexpr int kSeals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL;
  if (::fcntl(fd, F_ADD_SEALS, kSeals) != 0) return Fallback("sealing a memfd failed");
  void* map = ::mmap(nullptr, bytes.size(), PROT_READ, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return Fallback("mapping a memfd failed");
  storage->map = static_cast<const uint8_t*>(map);
  storage->map_size = bytes.size();
  return storage;
}

}  // namespace

BufferStorage::~BufferStorage() {
  if (map != nullptr) ::munmap(const_cast<uint8_t*>(map), map_size);
  if (fd >= 0) {
    ::close(fd);
    live_memfds.fetch_sub(1, std::memory_order_relaxed);
  }
}

Buffer Buffer::Take(std::vector<uint8_t>&& bytes) {
  Buffer b;
  auto storage = std::make_shared<BufferStorage>();
  storage->heap = std::move(bytes);
  b.data_ = storage->heap.data();
  b.size_ = storage->heap.size();
  b.storage_ = std::move(storage);
  return b;
}

Buffer Buffer::Copy(std::span<const uint8_t> bytes) {
  return Take(std::vector<uint8_t>(bytes.begin(), bytes.end()));
}

Buffer Buffer::FromString(std::string_view text) {
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  return Take(std::vector<uint8_t>(p, p + text.size()));
}

Buffer Buffer::TakeIntoMemfd(std::vector<uint8_t>&& bytes, const char* name) {
  std::vector<uint8_t> owned = std::move(bytes);  // freed on return once copied into the file
  std::shared_ptr<BufferStorage> storage = MakeMemfdStorage(owned, name);
  if (!storage) return Take(std::move(owned));
  Buffer b;
  b.data_ = storage->map;
  b.size_ = storage->map_size;
  b.storage_ = std::move(storage);
  return b;
}

Buffer Buffer::CopyIntoMemfd(const Buffer& source, const char* name) {
  if (source.file_range()) return source;
  std::shared_ptr<BufferStorage> storage = MakeMemfdStorage(source.span(), name);
  if (!storage) return source;
  Buffer b;
  b.data_ = storage->map;
  b.size_ = storage->map_size;
  b.storage_ = std::move(storage);
  return b;
}

size_t Buffer::MemfdBudget() {
  static const size_t budget = [] {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return size_t{0};
    if (limit.rlim_cur == RLIM_INFINITY) return size_t{1} << 20;
    return static_cast<size_t>(limit.rlim_cur / 4);
  }();
  return budget;
}

size_t Buffer::LiveMemfdCount() { return live_memfds.load(std::memory_order_relaxed); }

std::optional<FileRange> Buffer::file_range() const {
  if (!storage_ || storage_->fd < 0 || size_ == 0) return std::nullopt;
  return FileRange{storage_->fd, static_cast<uint64_t>(data_ - storage_->map), size_};
}

Buffer Buffer::Slice(size_t offset, size_t length) const {
  Buffer b;
  offset = std::min(offset, size_);
  b.storage_ = storage_;
  b.data_ = data_ + offset;
  b.size_ = std::min(length, size_ - offset);
  return b;
}

bool Buffer::operator==(const Buffer& other) const {
  return size_ == other.size_ && (size_ == 0 || std::memcmp(data_, other.data_, size_) == 0);
}

}  // namespace steadycast::base
