#pragma once
// AudioTrack: the stream's audio packaged once, as its own rendition ("audio": an audio-only
// init segment, audio-only media segments and a media playlist), which every video variant of
// the master playlist names with AUDIO= (RFC 8216bis §4.4.6.1 EXT-X-MEDIA) and which the DASH
// MPD lists as its audio AdaptationSet. Video segments then carry video only.
//
// Where its segments come from: every video rendition receives the same source audio and its
// segmenter assigns it to segments by decode time (segmenter.h), so each rendition already
// knows exactly which audio frames belong to its segment N and offers that audio here. One
// rendition is the audio source (the packager's last rendition that is not paused): its
// offers are taken as they come, so the audio timeline is one rendition's, without seams where
// renditions differ (around a slate switch they may cut silence and source audio differently).
// Another rendition's offer is kept aside and taken only when the source falls a whole segment
// behind (someone offers the number after it), so a stalled source never holds audio back.
// Parts come from the source only. Audio segment N covers the same span as video segment N of
// every rendition (boundaries aligned, same EXTINF, PROGRAM-DATE-TIME and discontinuity
// sequence), and the cut rule lives only in the segmenter.
//
// Timing: audio decode times continue exactly where the previous segment ended unless the input
// really jumped (more than one frame), whichever rendition offered the segment, so the audio
// timeline has no gaps or overlaps at segment boundaries. A number no rendition offered with
// audio (a segment without audio) is listed as EXT-X-GAP so the numbering stays in step.
//
// Threading: Offer and End from any writer thread (internally locked); readers use the window.

#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "base/clock.h"
#include "formats/fmp4/media_segment.h"
#include "media/access_unit.h"
#include "media/track.h"
#include "package/segment_window.h"
#include "package/stream_packager.h"

namespace steadycast::package {

inline constexpr const char* kAudioRenditionName = "audio";

// The audio of one published video segment.
struct AudioOffer {
  uint64_t sequence = 0;
  uint64_t discontinuity_sequence = 0;  // the ladder's discontinuity sequence of that number
  int64_t duration_ms = 0;              // the video segment's EXTINF
  int64_t program_date_ms = 0;
  int64_t dts_offset = 0;  // input → output decode time of the offering rendition
  std::span<const media::AccessUnit> units;  // input timestamps, decode order
  const media::AudioTrackConfig* config = nullptr;
  bool preferred = false;  // from the audio source rendition (see AudioTrack)
};

// The audio of one part of a video rendition's segment in progress (LL-HLS).
struct AudioPartOffer {
  const void* source = nullptr;  // the offering rendition: one source per segment's parts
  uint64_t sequence = 0;
  uint32_t index = 0;
  uint64_t discontinuity_sequence = 0;
  int64_t program_date_ms = 0;
  int64_t dts_offset = 0;
  int64_t start_dts = 0;  // the part's span (input time): an empty part is a GAP part
  int64_t end_dts = 0;
  std::span<const media::AccessUnit> units;
  const media::AudioTrackConfig* config = nullptr;
  bool preferred = false;
};

class AudioTrack {
 public:
  explicit AudioTrack(const PackagerOptions& options);

  // True when the offer was taken (its number is the next one this track lists).
  bool Offer(const AudioOffer& offer);
  // Parts of the next number (never of the first segment): the first rendition that offers
  // part 0 of a number is the only source of that number's parts, so part boundaries never
  // mix renditions. True when taken.
  bool OfferPart(const AudioPartOffer& offer);
  void End();

  const SegmentWindow& window() const { return window_; }
  // The EXT-X-MEDIA entry data once a segment exists: codecs, channels, measured bandwidth.
  std::optional<VariantStream> Variant() const { return window_.Variant(); }
  std::optional<int> channels() const;
  RenditionStats Stats() const;

 private:
  bool EnsureInitLocked(const media::AudioTrackConfig& config);
  bool AcceptLocked(const AudioOffer& offer);

  const PackagerOptions options_;
  mutable std::mutex mu_;
  std::optional<media::AudioTrackConfig> config_;
  int64_t init_index_;
  std::optional<uint64_t> next_sequence_;
  uint64_t discontinuity_sequence_ = 0;
  std::optional<int64_t> next_time_;  // sample-rate units: where the previous segment ended
  bool ended_ = false;
  RenditionStats stats_;
  // Parts of the number in progress.
  struct OpenParts {
    uint64_t sequence = 0;
    const void* source = nullptr;
    bool discontinuity = false;
    bool init_changed = false;
    uint32_t next_index = 0;
    int64_t next_time = 0;  // sample-rate units
    // What the parts published, so that the segment holds exactly their samples.
    int64_t base = 0;
    std::vector<formats::fmp4::Sample> samples;
    size_t units = 0;
    std::optional<int64_t> first_dts;
    bool exact = true;  // false once a part was a gap
  };
  std::optional<OpenParts> parts_;
  // A non-source rendition's newest offer, taken if the source falls behind.
  struct Pending {
    AudioOffer offer;  // units/config point into the copies below
    std::vector<media::AccessUnit> units;
    media::AudioTrackConfig config;
    bool has_config = false;
  };
  std::optional<Pending> pending_;
  SegmentWindow window_;
};

// Audio samples of one segment or part, placed contiguously from `base_time` (the end of the
// previous one). Frames normally last samples_per_frame; where the input has a gap (lost
// frames, more than half a frame) the sample before it is stretched, where frames overlap (a
// slate's silence meeting the source's audio, by more than 1.5 ms) it is shortened, so every
// frame stays within half a frame of its own time; a frame more than half covered by what is
// already placed is dropped. The first frame is never moved back over the previous segment.
std::vector<formats::fmp4::Sample> AudioSamplesWithGaps(std::span<const media::AccessUnit> units,
                                                        const media::AudioTrackConfig& config,
                                                        int64_t offset, int64_t base_time);

}  // namespace steadycast::package
