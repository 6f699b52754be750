#pragma once
// Buffer: an immutable, reference-counted view of bytes. Copies share the storage, so one
// publisher's payload fans out to packagers and viewers without copying. Slices share too.
// Thread-safe to copy and read from any thread (the bytes never change after creation).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace steadycast::base {

class Buffer {
 public:
  Buffer() = default;

  // Takes ownership of `bytes` without copying.
  static Buffer Take(std::vector<uint8_t>&& bytes);
  static Buffer Copy(std::span<const uint8_t> bytes);
  static Buffer FromString(std::string_view text);

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::span<const uint8_t> span() const { return {data_, size_}; }
  std::string_view AsStringView() const { return {reinterpret_cast<const char*>(data_), size_}; }
  const uint8_t& operator[](size_t i) const { return data_[i]; }

  // A view of [offset, offset+length) sharing the same storage. Clamped to the buffer.
  Buffer Slice(size_t offset, size_t length) const;
  Buffer Slice(size_t offset) const { return Slice(offset, size_); }

  bool operator==(const Buffer& other) const;

 private:
  std::shared_ptr<const std::vector<uint8_t>> storage_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace steadycast::base
