#include "formats/flv/flv_demuxer.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/bytes.h"

namespace steadycast::formats::flv {
namespace {

// FLV header (§E.2):
//   0  'F' 'L' 'V'
//   3  Version (1)
//   4  TypeFlags: 5 reserved bits, audio (0x04), 1 reserved bit, video (0x01)
//   5  DataOffset u32: header size, 9 for version 1
// Then the body (§E.3): PreviousTagSize0 (always 0), then { tag, PreviousTagSize }*.
// Tag header (§E.4.1):
//   0  2 reserved bits | Filter (0x20) | TagType (5 bits)
//   1  DataSize u24 (body bytes after the 11-byte header)
//   4  Timestamp u24 (ms), 7 TimestampExtended u8 (bits 24..31), 8 StreamID u24 (0)
constexpr uint8_t kFlagAudio = 0x04;
constexpr uint8_t kFlagVideo = 0x01;
constexpr uint8_t kFilterBit = 0x20;
constexpr uint8_t kTagTypeMask = 0x1F;
// Above this the pending buffer's capacity is released after the tag, so one big tag does
// not pin memory for the rest of the stream.
constexpr size_t kKeepCapacity = 64 * 1024;

bool IsKnownTagType(uint8_t type) {
  return type == static_cast<uint8_t>(FlvTagType::kAudio) ||
         type == static_cast<uint8_t>(FlvTagType::kVideo) ||
         type == static_cast<uint8_t>(FlvTagType::kScriptData);
}

}  // namespace

FlvDemuxer::FlvDemuxer(FlvDemuxerListener& listener, FlvDemuxerLimits limits)
    : listener_(listener), limits_(limits) {}

base::Status FlvDemuxer::Feed(std::span<const uint8_t> data) {
  if (!error_.ok()) return error_;
  while (!data.empty()) {
    if (state_ == State::kHeaderPadding) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(padding_left_, data.size()));
      padding_left_ -= n;
      data = data.subspan(n);
      if (padding_left_ == 0) Enter(State::kPreviousTagSize, kFlvPreviousTagSizeSize);
      continue;
    }
    std::span<const uint8_t> unit;
    if (pending_.empty() && data.size() >= needed_) {
      // The whole unit is in this call's input: hand it over without copying.
      unit = data.first(needed_);
      data = data.subspan(needed_);
    } else {
      const size_t n = std::min(needed_ - pending_.size(), data.size());
      if (pending_.empty()) pending_.reserve(needed_);
      pending_.insert(pending_.end(), data.begin(), data.begin() + static_cast<ptrdiff_t>(n));
      data = data.subspan(n);
      if (pending_.size() < needed_) break;
      unit = pending_;
    }
    base::Status status = OnUnit(unit);
    pending_.clear();
    if (pending_.capacity() > kKeepCapacity) pending_.shrink_to_fit();
    if (!status.ok()) {
      error_ = std::move(status).WithContext("flv");
      return error_;
    }
  }
  return base::Status::Ok();
}

base::Status FlvDemuxer::Finish() const {
  if (!error_.ok()) return error_;
  const bool at_boundary =
      pending_.empty() && (state_ == State::kPreviousTagSize || state_ == State::kTagHeader);
  if (at_boundary) return base::Status::Ok();
  return base::InvalidArgument(fmt::format("flv: input ended inside {} ({} of {} bytes)",
                                           state_ == State::kTagBody ? "a tag body" : "a header",
                                           pending_.size(), needed_));
}

void FlvDemuxer::Enter(State state, size_t needed) {
  state_ = state;
  needed_ = needed;
}

base::Status FlvDemuxer::OnUnit(std::span<const uint8_t> unit) {
  switch (state_) {
    case State::kHeader:
      return OnHeaderBytes(unit);
    case State::kPreviousTagSize:
      return OnPreviousTagSize(unit);
    case State::kTagHeader:
      return OnTagHeader(unit);
    case State::kTagBody:
      OnTagBody(unit);
      return base::Status::Ok();
    case State::kHeaderPadding:
      break;  // consumed in Feed without buffering
  }
  return base::Internal("flv: unexpected demuxer state");
}

base::Status FlvDemuxer::OnHeaderBytes(std::span<const uint8_t> unit) {
  base::ByteReader in(unit);
  std::span<const uint8_t> signature;
  uint8_t version = 0;
  uint8_t flags = 0;
  uint32_t data_offset = 0;
  (void)in.ReadBytes(3, signature);
  (void)in.ReadU8(version);
  (void)in.ReadU8(flags);
  (void)in.ReadU32(data_offset);
  if (signature[0] != 'F' || signature[1] != 'L' || signature[2] != 'V') {
    return base::InvalidArgument("signature is not \"FLV\"");
  }
  if (version != 1) return base::InvalidArgument(fmt::format("version {} is not 1", version));
  if (data_offset < kFlvHeaderSize) {
    return base::InvalidArgument(fmt::format("DataOffset {} is below 9", data_offset));
  }
  listener_.OnHeader((flags & kFlagAudio) != 0, (flags & kFlagVideo) != 0);
  padding_left_ = data_offset - kFlvHeaderSize;
  if (padding_left_ > 0) {
    Enter(State::kHeaderPadding, 0);
  } else {
    Enter(State::kPreviousTagSize, kFlvPreviousTagSizeSize);
  }
  expected_previous_tag_size_ = 0;  // PreviousTagSize0
  return base::Status::Ok();
}

base::Status FlvDemuxer::OnPreviousTagSize(std::span<const uint8_t> unit) {
  base::ByteReader in(unit);
  uint32_t size = 0;
  (void)in.ReadU32(size);
  if (size != expected_previous_tag_size_) {
    return base::InvalidArgument(fmt::format("PreviousTagSize {} after tag {} should be {}", size,
                                             tags_ + skipped_tags_, expected_previous_tag_size_));
  }
  Enter(State::kTagHeader, kFlvTagHeaderSize);
  return base::Status::Ok();
}

base::Status FlvDemuxer::OnTagHeader(std::span<const uint8_t> unit) {
  base::ByteReader in(unit);
  uint8_t type_byte = 0;
  uint32_t data_size = 0;
  uint32_t timestamp = 0;
  uint8_t timestamp_extended = 0;
  (void)in.ReadU8(type_byte);
  (void)in.ReadU24(data_size);
  (void)in.ReadU24(timestamp);
  (void)in.ReadU8(timestamp_extended);
  // StreamID (3 bytes) is always 0 and carries nothing; not enforced.
  if ((type_byte & kFilterBit) != 0) {
    return base::Unimplemented("encrypted (Filter = 1) tags are not supported");
  }
  if (data_size > limits_.max_tag_size) {
    return base::ResourceExhausted(
        fmt::format("tag DataSize {} exceeds the limit of {}", data_size, limits_.max_tag_size));
  }
  tag_type_ = type_byte & kTagTypeMask;
  tag_timestamp_ = (uint32_t{timestamp_extended} << 24) | timestamp;
  expected_previous_tag_size_ = static_cast<uint32_t>(kFlvTagHeaderSize) + data_size;
  Enter(State::kTagBody, data_size);
  // Feed only runs states while input remains; an empty body is complete right now.
  if (data_size == 0) OnTagBody({});
  return base::Status::Ok();
}

void FlvDemuxer::OnTagBody(std::span<const uint8_t> unit) {
  if (IsKnownTagType(tag_type_)) {
    ++tags_;
    listener_.OnTag(static_cast<FlvTagType>(tag_type_), tag_timestamp_, unit);
  } else {
    ++skipped_tags_;
  }
  Enter(State::kPreviousTagSize, kFlvPreviousTagSizeSize);
}

}  // namespace steadycast::formats::flv
