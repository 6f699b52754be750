#pragma once
// DASH MPD writer (ISO/IEC 23009-1, 4th edition) over the same CMAF segments the HLS playlists
// list: a pure render from a model, so golden tests pin the exact text. No I/O, no clock, no
// shared state: thread-safe, callable from any thread.
//
// Shape of the output (one MPD, every URL relative to BaseURL, then to the MPD's own URL):
//   MPD@profiles "urn:mpeg:dash:profile:isoff-live:2011,urn:mpeg:dash:profile:cmaf:2019"
//   ├─ BaseURL                         (when model.base_url is set)
//   ├─ Period id= start= [duration=]   (one per timeline break, oldest first)
//   │   ├─ AdaptationSet id="1" video  segmentAlignment, startWithSAP=1,
//   max{Width,Height,FrameRate} │   │   └─ Representation × N      SegmentTemplate ($Number$) +
//   SegmentTimeline │   └─ AdaptationSet id="2" audio  Role main, AudioChannelConfiguration (CICP)
//   └─ UTCTiming urn:mpeg:dash:utc:http-iso:2014 (dynamic MPDs; after the Periods, as the
//      schema's element order requires)
//
// Rules the writer implements (ISO/IEC 23009-1 clauses as cited by the DASH-IF timing model,
// "DASH-IF implementation guidelines: restricted timing model"):
//  - Explicit addressing only (timing model "Explicit addressing"; 23009-1 5.3.9.6):
//    SegmentTemplate with SegmentTimeline, never SegmentTemplate@duration, never S@n or
//    @eptDelta; startNumber is the first listed segment's number (5.3.9.5.3); S@t on the first
//    S and wherever the timeline jumps; S@r counts additional equal-duration segments.
//  - @timescale always present (timing model §9.1); presentationTimeOffset is the media time
//    at the period start (5.3.9.2), so MpdTime = Period@start + (t - PTO) / timescale.
//  - Period@start on every period (5.3.2); the duration of a period is the next one's start,
//    so earlier periods carry no Period@duration. A dynamic MPD's last period has none
//    (unlimited, timing model §8.2) unless the broadcast ended; then it has its final duration
//    and MPD@minimumUpdatePeriod is removed (timing model "End of live content"). A static
//    MPD's last period always has Period@duration (timing model §8.1) and the MPD has
//    mediaPresentationDuration = end of the last period on the MPD timeline (timing model §7).
//  - Static MPDs keep availabilityStartTime and publishTime (allowed for static, 23009-1
//    5.3.1.2) but drop minimumUpdatePeriod, timeShiftBufferDepth, suggestedPresentationDelay
//    and UTCTiming (meaningful for dynamic only; playback of a static MPD does not depend on
//    wall-clock time). Period@start values are rendered as given: a live MPD turned static at
//    the same URL keeps them (timing model "MPD updates": Period@start SHALL NOT change); a
//    stand-alone static MPD should start its first period at 0 (timing model §8.1).
//  - Exactly one UTCTiming for dynamic MPDs (timing model §13.1 requires at least one, from
//    urn:mpeg:dash:utc:{http-xsdate,http-iso,http-head,direct}:2014; 23009-1 5.8.4.11, 5.8.5.7).
//  - AdaptationSet@id on every adaptation set, fixed per content type so ids stay stable across
//    MPD updates and periods (timing model "MPD updates"); representations in MPD order.
//  - xs:duration as a count of seconds ("PT12.5S", never years/months/days; timing model
//    "Representing durations in XML"); xs:dateTime in UTC with milliseconds and 'Z'.
//  - Frame rates as FrameRateType "[0-9]+(/[1-9][0-9]*)?": 30, 30000/1001, 25/2.
//  - query_suffix is appended to every URL the MPD emits (initialization, media, a relative
//    UTCTiming value; not BaseURL), with '&' when the URL already has a query; inside
//    templates every '$' of the suffix is written "$$" (23009-1 5.3.9.4.4). Every attribute
//    value is XML-escaped; C0 controls and invalid UTF-8 become U+FFFD, so any model renders
//    well-formed XML.
//
// ValidateDashModel checks the model against the rules above and these (first failure wins):
//  - at least one period; Period@id non-empty and unique (5.3.2.2: required for dynamic);
//    starts ≥ 0 (timing model §8.2) and strictly increasing (no overlap, no zero-length
//    period: timing model §8); an earlier period's duration_ms, if set, equals the distance
//    to the next start (periods are consecutive, no gaps: 5.3.2.1);
//  - every period has a representation; Representation@id non-empty, without whitespace
//    (schema StringNoWhitespaceType) and unique in the period (5.3.5.2);
//  - one codec per representation (no ',': one track per CMAF header, CMAF 7.3; dash.js
//    rejects multiplexed representations); bandwidth 1..2^32-1 (xs:unsignedInt, required);
//  - video: all representations share one timescale (timing model §9.1: one sample timeline
//    per adaptation set), width/height > 0, and segments with the same number cover the same
//    span in every representation (segmentAlignment=true; timing model §11, CMAF 7.3.4);
//  - audio: sampling_rate > 0, timescale == sampling_rate (the audio mdhd timescale of our
//    init segments), channels 1..6 or 8;
//  - templates: initialization without $Number$/$Time$, media with exactly one of them, every
//    '$' part of a known identifier (5.3.9.4.4);
//  - segments: at least one per representation, consecutive numbers (no S@n), first number
//    ≤ 2^32-1 (startNumber is xs:unsignedInt), time ≥ 0, duration > 0, time + duration ≤ 2^53
//    (timing model "Large timescales and time values"), contiguous (timing model §9.2: no gap,
//    no overlap), each ≤ maxSegmentDuration (5.3.1.2), none entirely outside its period
//    (timing model §9.2.3, §9.3);
//  - dynamic: UTCTiming URL present (§13.1), timeShiftBufferDepth > 0 and greater than
//    suggestedPresentationDelay (timing model "Presentation delay": the effective time shift
//    buffer is not empty); static: mediaPresentationDuration present and after the last
//    period's start; minBufferTime > 0 (required, 5.3.1.2); query_suffix empty or "?…"
//    without whitespace or '#'; no control characters or invalid UTF-8 in any string.
//
// Not checked here (they need the wall clock; the caller owns them): segment references that
// left the time shift buffer and periods ending before it SHALL be removed (timing model
// "Removing content from the MPD"); the media timeline must track wall-clock time (§10).
// Not emitted: LeapSecondInformation (timing model §13.2), period connectivity descriptors
// (§12: a reconnect brings a new init segment, so adaptation sets are not signalled connected).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace steadycast::package {

struct DashSegment {     // one S entry source; the writer run-length-encodes repeats (@r)
  uint64_t number = 0;   // N of "seg{N}.m4s" (the same numbers HLS uses)
  int64_t time = 0;      // earliest presentation time, in the representation's timescale
  int64_t duration = 0;  // timescale units
};

struct DashRepresentation {
  std::string id;                    // rendition name: "src", "720p", "audio"
  std::string codecs;                // RFC 6381: "avc1.64001f" / "mp4a.40.2" (one codec)
  uint64_t bandwidth = 0;            // bits/s (peak)
  int width = 0, height = 0;         // video only
  std::optional<double> frame_rate;  // video; rendered as "30" or "30000/1001"
  int sampling_rate = 0;             // audio only
  int channels = 0;  // audio only: channel count, rendered as the CICP ChannelConfiguration
                     // (urn:mpeg:mpegB:cicp:ChannelConfiguration) of AAC's default layout
  uint32_t timescale = 90000;         // video: 90 kHz; audio: the sample rate
  std::string init_uri;               // relative to BaseURL, e.g. "720p/init1.mp4"
  std::string media_template;         // e.g. "720p/seg$Number$.m4s"
  std::vector<DashSegment> segments;  // this period's segments, oldest first, consecutive
  std::string lang;  // audio only: AdaptationSet@lang (BCP 47, e.g. "en"); empty: omitted
};

struct DashPeriod {
  std::string id;        // stable across MPD updates (e.g. the first segment number of the period)
  int64_t start_ms = 0;  // Period@start relative to availabilityStartTime
  int64_t presentation_time_offset_video = 0;  // timescale units (media time at the period start)
  int64_t presentation_time_offset_audio = 0;
  std::vector<DashRepresentation> video;    // one video AdaptationSet, in this order
  std::optional<DashRepresentation> audio;  // one audio AdaptationSet, Role main
  // Only the last period's is rendered: for a dynamic MPD it marks the final snapshot (the
  // broadcast ended: the period gets this duration and the MPD loses minimumUpdatePeriod);
  // for a static MPD it must agree with media_presentation_duration_ms when set. On earlier
  // periods it may be left unset; if set it must equal the distance to the next start.
  std::optional<int64_t> duration_ms;
};

struct DashManifestModel {
  bool dynamic = true;  // false once the broadcast ended: type="static", mediaPresentationDuration
  int64_t availability_start_ms = 0;  // unix ms
  int64_t publish_ms = 0;             // unix ms
  int64_t minimum_update_period_ms = 2000;
  int64_t time_shift_buffer_depth_ms = 12000;
  int64_t suggested_presentation_delay_ms = 6000;
  int64_t max_segment_duration_ms = 2000;
  int64_t min_buffer_time_ms = 2000;
  // URL of the server-time route (answers an ISO 8601 UTC time with ms): rendered as
  // UTCTiming urn:mpeg:dash:utc:http-iso:2014. Prefer an absolute or root-relative URL:
  // dash.js resolves a relative value against the MPD's BaseURL, not the MPD URL.
  std::string utc_timing_uri;
  std::string base_url;             // BaseURL element, e.g. "../hls/pb_xxx/"; empty: none
  std::vector<DashPeriod> periods;  // oldest first; periods that left the window are dropped
  std::optional<int64_t> media_presentation_duration_ms;  // static MPDs: end of the last period
  // Appended to every URL the MPD emits, e.g. "?token=..." for signed playback; empty: none.
  std::string query_suffix;
};

// The MPD text. Renders any model; ValidateDashModel says whether the result obeys the rules.
std::string RenderDashManifest(const DashManifestModel& model);

// Checks the model against the rules listed above, returning kInvalidArgument naming the
// first violated rule. For debug paths and tests.
base::Status ValidateDashModel(const DashManifestModel& model);

// xs:duration as a count of seconds with millisecond precision: "PT0S", "PT2S", "PT2.5S".
std::string FormatDashDuration(int64_t ms);
// FrameRateType: an integer, N*1000/1001 for NTSC rates, else the smallest fraction within
// 1e-6 (denominator ≤ 1000); "30", "30000/1001", "25/2".
std::string FormatDashFrameRate(double fps);

}  // namespace steadycast::package
