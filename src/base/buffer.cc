#include "base/buffer.h"

#include <algorithm>
#include <cstring>

namespace steadycast::base {

Buffer Buffer::Take(std::vector<uint8_t>&& bytes) {
  Buffer b;
  auto storage = std::make_shared<const std::vector<uint8_t>>(std::move(bytes));
  b.data_ = storage->data();
  b.size_ = storage->size();
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
