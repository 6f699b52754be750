#include "package/playlist.h"

#include <fmt/format.h>

#include "base/clock.h"

namespace steadycast::package {

std::string InitUri(int64_t init_index) {
  return init_index == 0 ? "init.mp4" : fmt::format("init{}.mp4", init_index);
}

std::string SegmentUri(uint64_t sequence) { return fmt::format("seg{}.m4s", sequence); }

std::string RenderMediaPlaylist(const MediaPlaylistModel& model) {
  std::string out;
  out.reserve(128 + model.segments.size() * 96);
  out += fmt::format("#EXTM3U\n#EXT-X-VERSION:{}\n", model.version);
  out += fmt::format("#EXT-X-TARGETDURATION:{}\n", model.target_duration_s);
  const uint64_t media_sequence = model.segments.empty() ? 0 : model.segments.front().sequence;
  out += fmt::format("#EXT-X-MEDIA-SEQUENCE:{}\n", media_sequence);
  out += fmt::format("#EXT-X-DISCONTINUITY-SEQUENCE:{}\n", model.discontinuity_sequence);
  int64_t current_init = -1;
  for (const PlaylistSegment& s : model.segments) {
    if (s.discontinuity) out += "#EXT-X-DISCONTINUITY\n";
    if (s.init_index >= 0 && s.init_index != current_init) {
      out += fmt::format("#EXT-X-MAP:URI=\"{}\"\n", InitUri(s.init_index));
      current_init = s.init_index;
    }
    out += fmt::format("#EXT-X-PROGRAM-DATE-TIME:{}\n", base::FormatRfc3339(s.program_date_ms));
    // The URI stays (a playlist line needs one; it answers 404): clients that know EXT-X-GAP
    // never request it.
    if (s.gap) out += "#EXT-X-GAP\n";
    out += fmt::format("#EXTINF:{}.{:03},\n{}\n", s.duration_ms / 1000, s.duration_ms % 1000,
                       SegmentUri(s.sequence));
  }
  if (model.ended) out += "#EXT-X-ENDLIST\n";
  return out;
}

std::string RenderMasterPlaylist(const std::vector<VariantStream>& variants,
                                 std::string_view playback_id) {
  return RenderMasterPlaylist(variants, playback_id, std::nullopt);
}

std::string RenderMasterPlaylist(const std::vector<VariantStream>& variants,
                                 std::string_view playback_id,
                                 const std::optional<AudioRendition>& audio) {
  std::string out = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n";
  if (audio) {
    out += fmt::format(
        "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"{}\",NAME=\"{}\",DEFAULT=YES,AUTOSELECT=YES,"
        "CHANNELS=\"{}\",URI=\"{}\"\n",
        audio->group_id, audio->name, audio->channels, audio->uri);
  }
  for (const VariantStream& v : variants) {
    out += fmt::format("#EXT-X-STREAM-INF:BANDWIDTH={},AVERAGE-BANDWIDTH={},CODECS=\"{}\"",
                       v.bandwidth, v.average_bandwidth, v.codecs);
    if (v.width > 0 && v.height > 0) out += fmt::format(",RESOLUTION={}x{}", v.width, v.height);
    if (v.frame_rate) out += fmt::format(",FRAME-RATE={:.3f}", *v.frame_rate);
    if (audio) out += fmt::format(",AUDIO=\"{}\"", audio->group_id);
    out += fmt::format("\n{}/{}/index.m3u8\n", playback_id, v.name);
  }
  return out;
}

}  // namespace steadycast::package
