#include "formats/fmp4/box_reader.h"

#include <fmt/format.h>

#include <array>
#include <utility>

#include "base/bytes.h"

namespace steadycast::formats::fmp4 {
namespace {

struct ParseState {
  const BoxReaderLimits& limits;
  size_t boxes = 0;
};

std::string PrintableType(std::string_view type) {
  std::string out;
  for (char c : type) {
    if (c >= 0x20 && c < 0x7F) {
      out += c;
    } else {
      out += fmt::format("\\x{:02x}", static_cast<uint8_t>(c));
    }
  }
  return out;
}

// Reads one box header at the start of `data`. On success `box` has type, size, header_size
// and payload; `offset` is left to the caller.
base::Status ReadHeader(std::span<const uint8_t> data, Box& box) {
  base::ByteReader r(data);
  uint32_t size32 = 0;
  std::span<const uint8_t> type;
  if (!r.ReadU32(size32) || !r.ReadBytes(4, type)) {
    return base::InvalidArgument(fmt::format("truncated box header ({} bytes left)", data.size()));
  }
  box.type.assign(type.begin(), type.end());
  uint64_t size = size32;
  if (size32 == 1) {
    if (!r.ReadU64(size)) return base::InvalidArgument("truncated largesize");
  } else if (size32 == 0) {
    size = data.size();  // extends to the end of the enclosing box or file
  }
  if (box.type == "uuid" && !r.Skip(16)) return base::InvalidArgument("truncated uuid type");
  box.header_size = static_cast<uint32_t>(r.position());
  if (size < box.header_size || size > data.size()) {
    return base::InvalidArgument(fmt::format("box '{}' size {} invalid ({} bytes available)",
                                             PrintableType(box.type), size, data.size()));
  }
  box.size = size;
  box.payload = data.subspan(box.header_size, size - box.header_size);
  return base::Status::Ok();
}

base::Status ParseLevel(std::span<const uint8_t> data, uint64_t base_offset, int depth,
                        ParseState& state, std::vector<Box>& out) {
  size_t pos = 0;
  while (pos < data.size()) {
    if (++state.boxes > state.limits.max_boxes) {
      return base::ResourceExhausted(fmt::format("more than {} boxes", state.limits.max_boxes));
    }
    Box box;
    SC_RETURN_IF_ERROR(ReadHeader(data.subspan(pos), box)
                           .WithContext(fmt::format("at offset {}", base_offset + pos)));
    box.offset = base_offset + pos;
    const int fixed = ContainerHeaderBytes(box.type);
    if (fixed >= 0 && box.payload.size() >= static_cast<size_t>(fixed)) {
      if (depth + 1 > state.limits.max_depth) {
        return base::ResourceExhausted(
            fmt::format("boxes nested deeper than {}", state.limits.max_depth));
      }
      const uint64_t children_offset = box.offset + box.header_size + fixed;
      SC_RETURN_IF_ERROR(
          ParseLevel(box.payload.subspan(fixed), children_offset, depth + 1, state, box.children)
              .WithContext(PrintableType(box.type)));
    }
    pos += box.size;
    out.push_back(std::move(box));
  }
  return base::Status::Ok();
}

}  // namespace

const Box* Box::Child(std::string_view child_type) const {
  for (const Box& child : children) {
    if (child.type == child_type) return &child;
  }
  return nullptr;
}

int ContainerHeaderBytes(std::string_view type) {
  struct Container {
    std::string_view type;
    int fixed;
  };
  static constexpr std::array<Container, 20> kContainers = {{
      {"moov", 0},
      {"trak", 0},
      {"edts", 0},
      {"mdia", 0},
      {"minf", 0},
      {"dinf", 0},
      {"stbl", 0},
      {"mvex", 0},
      {"moof", 0},
      {"traf", 0},
      {"mfra", 0},
      {"sinf", 0},
      {"schi", 0},
      {"dref", 8},
      {"stsd", 8},
      // VisualSampleEntry (§12.1.3): 8 SampleEntry + 70 visual fields.
      {"avc1", 78},
      {"avc3", 78},
      {"encv", 78},
      // AudioSampleEntry (§12.2.3): 8 SampleEntry + 20 audio fields.
      {"mp4a", 28},
      {"enca", 28},
  }};
  for (const Container& c : kContainers) {
    if (c.type == type) return c.fixed;
  }
  return -1;
}

base::Result<std::vector<Box>> ReadBoxes(std::span<const uint8_t> data,
                                         const BoxReaderLimits& limits) {
  ParseState state{limits};
  std::vector<Box> boxes;
  SC_RETURN_IF_ERROR(ParseLevel(data, 0, 0, state, boxes).WithContext("fmp4 box reader"));
  return boxes;
}

base::Status BoxStreamSplitter::ParseHeader() {
  // Called with at least 8 bytes pending and no size known yet.
  base::ByteReader r(pending_);
  uint32_t size32 = 0;
  r.ReadU32(size32);
  r.Skip(4);
  uint64_t size = size32;
  if (size32 == 1) {
    if (!r.ReadU64(size)) return base::Status::Ok();  // wait for the largesize
  } else if (size32 == 0) {
    to_end_ = true;
    return base::Status::Ok();
  }
  if (size < r.position()) {
    return base::InvalidArgument(fmt::format("box size {} smaller than its header", size));
  }
  if (size > max_box_bytes_) {
    return base::ResourceExhausted(
        fmt::format("box size {} exceeds limit {}", size, max_box_bytes_));
  }
  box_size_ = size;
  return base::Status::Ok();
}

base::Status BoxStreamSplitter::Feed(std::span<const uint8_t> bytes, const BoxCallback& on_box) {
  if (!error_.ok()) return error_;
  size_t pos = 0;
  auto emit = [&] {
    const std::string type(pending_.begin() + 4, pending_.begin() + 8);
    on_box(type, base::Buffer::Take(std::exchange(pending_, {})));
    box_size_ = 0;
  };
  while (pos < bytes.size()) {
    const size_t left = bytes.size() - pos;
    if (to_end_) {
      if (pending_.size() + left > max_box_bytes_) {
        error_ = base::ResourceExhausted("box to end of stream exceeds limit");
        return error_;
      }
      pending_.insert(pending_.end(), bytes.begin() + pos, bytes.end());
      return base::Status::Ok();
    }
    if (box_size_ == 0) {
      // Header bytes: 8, or 16 once the 32-bit size says a largesize follows.
      const bool large = pending_.size() >= 4 && pending_[0] == 0 && pending_[1] == 0 &&
                         pending_[2] == 0 && pending_[3] == 1;
      const size_t need = (large ? 16 : 8) - pending_.size();
      const size_t take = std::min(need, left);
      pending_.insert(pending_.end(), bytes.begin() + pos, bytes.begin() + pos + take);
      pos += take;
      if (pending_.size() >= 8) {
        error_ = ParseHeader();
        if (!error_.ok()) return error_;
      }
    } else {
      const size_t take = std::min<uint64_t>(box_size_ - pending_.size(), left);
      pending_.insert(pending_.end(), bytes.begin() + pos, bytes.begin() + pos + take);
      pos += take;
    }
    if (box_size_ != 0 && pending_.size() == box_size_) emit();
  }
  return base::Status::Ok();
}

base::Status BoxStreamSplitter::Finish(const BoxCallback& on_box) {
  if (!error_.ok()) return error_;
  if (to_end_) {
    const std::string type(pending_.begin() + 4, pending_.begin() + 8);
    on_box(type, base::Buffer::Take(std::exchange(pending_, {})));
    to_end_ = false;
    return base::Status::Ok();
  }
  if (!pending_.empty()) {
    error_ = base::InvalidArgument(
        fmt::format("stream ended inside a box ({} bytes pending)", pending_.size()));
  }
  return error_;
}

}  // namespace steadycast::formats::fmp4
