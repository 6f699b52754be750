#include "formats/fmp4/media_segment.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <string_view>

#include "formats/fmp4/box_writer.h"

namespace steadycast::formats::fmp4 {
namespace {

// tfhd flags (§8.8.7.1): base data offsets are relative to the enclosing moof.
constexpr uint32_t kTfhdDefaultBaseIsMoof = 0x020000;
// trun flags (§8.8.8.1).
constexpr uint32_t kTrunDataOffset = 0x000001;
constexpr uint32_t kTrunSampleDuration = 0x000100;
constexpr uint32_t kTrunSampleSize = 0x000200;
constexpr uint32_t kTrunSampleFlags = 0x000400;
constexpr uint32_t kTrunCompositionOffset = 0x000800;

void WriteStyp(BoxWriter& box) {
  // Segment type (§8.16.2): "msdh" = media segment conforming to the general format type.
  box.Begin("styp");
  box.bytes().Text("msdh");
  box.bytes().U32(0);
  box.bytes().Text("msdh");
  box.bytes().Text("iso6");
  box.End();
}

bool HasCompositionOffsets(const TrackRun& track) {
  return std::any_of(track.samples.begin(), track.samples.end(),
                     [](const Sample& s) { return s.composition_offset != 0; });
}

// Writes one traf and returns the offset (in `out`) of its trun data_offset field, which is
// patched once the moof size is known.
size_t WriteTraf(BoxWriter& box, const TrackRun& track) {
  auto& w = box.bytes();
  box.Begin("traf");
  box.BeginFull("tfhd", 0, kTfhdDefaultBaseIsMoof);
  w.U32(track.track_id);
  box.End();
  box.BeginFull("tfdt", 1, 0);
  w.U64(track.base_media_decode_time);
  box.End();
  const bool with_cto = HasCompositionOffsets(track);
  uint32_t flags = kTrunDataOffset | kTrunSampleDuration | kTrunSampleSize | kTrunSampleFlags;
  if (with_cto) flags |= kTrunCompositionOffset;
  box.BeginFull("trun", 1, flags);  // version 1: signed composition offsets
  w.U32(static_cast<uint32_t>(track.samples.size()));
  const size_t data_offset_pos = box.size();
  w.U32(0);  // data_offset, patched later
  for (const Sample& s : track.samples) {
    w.U32(s.duration);
    w.U32(static_cast<uint32_t>(s.data.size()));
    w.U32(s.sync ? kSyncSampleFlags : kNonSyncSampleFlags);
    if (with_cto) w.U32(static_cast<uint32_t>(s.composition_offset));
  }
  box.End();  // trun
  box.End();  // traf
  return data_offset_pos;
}

uint64_t PayloadBytes(const TrackRun& track) {
  uint64_t total = 0;
  for (const Sample& s : track.samples) total += s.data.size();
  return total;
}

}  // namespace

base::Result<base::Buffer> BuildMediaSegment(const MediaSegmentSpec& spec) {
  std::vector<const TrackRun*> tracks;
  uint64_t payload = 0;
  size_t sample_count = 0;
  for (const TrackRun& track : spec.tracks) {
    if (track.samples.empty()) continue;
    if (track.track_id == 0) return base::InvalidArgument("fmp4: track id 0 in media segment");
    tracks.push_back(&track);
    payload += PayloadBytes(track);
    sample_count += track.samples.size();
  }
  if (tracks.empty()) return base::InvalidArgument("fmp4: media segment without samples");
  if (payload > kMaxMediaSegmentBytes) {
    return base::InvalidArgument(fmt::format("fmp4: media segment payload {} too large", payload));
  }

  std::vector<uint8_t> out;
  out.reserve(256 + sample_count * 16 + payload);
  BoxWriter box(out);
  WriteStyp(box);
  const size_t moof_start = box.size();
  box.Begin("moof");
  box.BeginFull("mfhd", 0, 0);
  box.bytes().U32(spec.sequence_number);
  box.End();
  std::vector<size_t> data_offset_fields;
  for (const TrackRun* track : tracks) data_offset_fields.push_back(WriteTraf(box, *track));
  box.End();  // moof
  const size_t moof_size = box.size() - moof_start;

  constexpr size_t kMdatHeader = 8;
  uint64_t run_offset = moof_size + kMdatHeader;
  for (size_t i = 0; i < tracks.size(); ++i) {
    box.bytes().PatchU32(data_offset_fields[i], static_cast<uint32_t>(run_offset));
    run_offset += PayloadBytes(*tracks[i]);
  }
  box.Begin("mdat");
  for (const TrackRun* track : tracks) {
    for (const Sample& s : track->samples) box.bytes().Bytes(s.data.span());
  }
  box.End();
  return base::Buffer::Take(std::move(out));
}

std::vector<Sample> VideoSamples(std::span<const media::AccessUnit> units,
                                 std::optional<int64_t> next_dts, uint32_t fallback_duration) {
  auto clamp_u32 = [](int64_t v) {
    return static_cast<uint32_t>(std::clamp<int64_t>(v, 0, std::numeric_limits<uint32_t>::max()));
  };
  auto clamp_i32 = [](int64_t v) {
    return static_cast<int32_t>(std::clamp<int64_t>(v, std::numeric_limits<int32_t>::min(),
                                                    std::numeric_limits<int32_t>::max()));
  };
  std::vector<Sample> samples;
  samples.reserve(units.size());
  for (size_t i = 0; i < units.size(); ++i) {
    const media::AccessUnit& unit = units[i];
    Sample s;
    s.data = unit.data;
    s.sync = unit.keyframe;
    s.composition_offset = clamp_i32(unit.pts - unit.dts);
    if (i + 1 < units.size()) {
      s.duration = clamp_u32(units[i + 1].dts - unit.dts);
    } else if (next_dts) {
      s.duration = clamp_u32(*next_dts - unit.dts);
    } else if (i > 0) {
      s.duration = samples.back().duration;
    } else {
      s.duration = fallback_duration;
    }
    samples.push_back(std::move(s));
  }
  return samples;
}

std::vector<Sample> AudioSamples(std::span<const media::AccessUnit> units,
                                 uint32_t samples_per_frame) {
  std::vector<Sample> samples;
  samples.reserve(units.size());
  for (const media::AccessUnit& unit : units) {
    samples.push_back(Sample{unit.data, samples_per_frame, 0, true});
  }
  return samples;
}

int64_t RescaleTime(int64_t ticks, int64_t from_timescale, int64_t to_timescale) {
  if (from_timescale <= 0 || to_timescale <= 0) return 0;
  const __int128 scaled = static_cast<__int128>(ticks) * to_timescale;
  // Round half up, flooring for negative values too (so the mapping is monotonic).
  __int128 numerator = scaled + from_timescale / 2;
  __int128 q = numerator / from_timescale;
  if (numerator % from_timescale != 0 && numerator < 0) --q;
  if (q > std::numeric_limits<int64_t>::max()) return std::numeric_limits<int64_t>::max();
  if (q < std::numeric_limits<int64_t>::min()) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(q);
}

}  // namespace steadycast::formats::fmp4
