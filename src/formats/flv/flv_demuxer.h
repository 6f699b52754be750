#pragma once
// FlvDemuxer: a pure, incremental FLV file parser (Adobe FLV spec v10.1 §E.2 header, §E.3
// body, §E.4.1 tags). Bytes go in with any split; the header and each tag come out through
// a listener. It reads no sockets or files and allocates at most one tag (bounded by
// FlvDemuxerLimits) when a tag arrives in pieces.
//
// Ownership: the demuxer does not own its listener, which must outlive it. Threading: one
// thread at a time (no internal locking). Tag bodies are not interpreted here: use
// ParseVideoTag / ParseAudioTag (flv_tag.h) and formats/amf0 for script data.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/status.h"

namespace steadycast::formats::flv {

enum class FlvTagType : uint8_t { kAudio = 8, kVideo = 9, kScriptData = 18 };

inline constexpr size_t kFlvHeaderSize = 9;      // "FLV", version, flags, DataOffset
inline constexpr size_t kFlvTagHeaderSize = 11;  // type, size, timestamp, ext, stream id
inline constexpr size_t kFlvPreviousTagSizeSize = 4;

struct FlvDemuxerLimits {
  size_t max_tag_size = 16 * 1024 * 1024;  // DataSize above this fails before buffering
};

class FlvDemuxerListener {
 public:
  virtual ~FlvDemuxerListener() = default;
  // Once, after the 9-byte header (from the TypeFlags audio/video bits).
  virtual void OnHeader(bool has_audio, bool has_video) = 0;
  // One tag of type 8 (audio), 9 (video) or 18 (script data); other types are skipped.
  // `timestamp_ms` joins Timestamp (low 24 bits) and TimestampExtended (high 8 bits).
  // `body` is valid only during the call.
  virtual void OnTag(FlvTagType type, uint32_t timestamp_ms, std::span<const uint8_t> body) = 0;
};

class FlvDemuxer {
 public:
  FlvDemuxer(FlvDemuxerListener& listener, FlvDemuxerLimits limits = {});

  FlvDemuxer(const FlvDemuxer&) = delete;
  FlvDemuxer& operator=(const FlvDemuxer&) = delete;

  // Consumes all of `data`, calling the listener for every complete tag. After an error the
  // demuxer stays failed and returns that error again.
  base::Status Feed(std::span<const uint8_t> data);

  // Call at end of input: OK if the input ended cleanly (after a PreviousTagSize, or after a
  // tag whose trailing PreviousTagSize is missing, which many live writers omit), an error
  // if it ended inside the header or a tag.
  base::Status Finish() const;

  // Tags with a type other than 8, 9 or 18 (reserved types), skipped so far.
  uint64_t skipped_tags() const { return skipped_tags_; }
  uint64_t tags() const { return tags_; }

 private:
  enum class State {
    kHeader,           // 9 bytes
    kHeaderPadding,    // DataOffset - 9 bytes, skipped
    kPreviousTagSize,  // 4 bytes, checked against the previous tag
    kTagHeader,        // 11 bytes
    kTagBody,          // DataSize bytes
  };

  // Handles one complete unit of the current state and moves to the next state.
  base::Status OnUnit(std::span<const uint8_t> unit);
  base::Status OnHeaderBytes(std::span<const uint8_t> unit);
  base::Status OnPreviousTagSize(std::span<const uint8_t> unit);
  base::Status OnTagHeader(std::span<const uint8_t> unit);
  void OnTagBody(std::span<const uint8_t> unit);
  void Enter(State state, size_t needed);

  FlvDemuxerListener& listener_;
  const FlvDemuxerLimits limits_;
  State state_ = State::kHeader;
  size_t needed_ = kFlvHeaderSize;
  // Bytes of the current unit received so far when it arrived in pieces. Skipped padding is
  // counted in padding_left_ instead, never stored.
  std::vector<uint8_t> pending_;
  uint64_t padding_left_ = 0;
  uint32_t expected_previous_tag_size_ = 0;
  uint8_t tag_type_ = 0;
  uint32_t tag_timestamp_ = 0;
  uint64_t skipped_tags_ = 0;
  uint64_t tags_ = 0;
  base::Status error_;
};

}  // namespace steadycast::formats::flv
