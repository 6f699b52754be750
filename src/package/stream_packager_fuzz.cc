// Drives a two-rendition StreamPackager with an arbitrary sequence of configs, access units
// (any rendition, timestamps, keyframe flags and sizes), discontinuities, pauses (EXT-X-GAP) and
// reader lookups decoded from the input, and checks that whatever a playlist lists can be
// served and parses as ISO BMFF (EXT-X-GAP segments must not be served), that numbers are
// consecutive, and that the master lists variants exactly when its rules say so.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/log.h"
#include "formats/fmp4/box_reader.h"
#include "package/stream_packager.h"

namespace {

using steadycast::base::Buffer;
namespace media = steadycast::media;
namespace package = steadycast::package;

void Check(bool condition) {
  if (!condition) std::abort();
}

media::VideoTrackConfig VideoConfig(uint8_t variant) {
  media::VideoTrackConfig c;
  const std::vector<uint8_t> avcc = {1,    0x64, 0,       0x1f, 0xff, 0xe1, 0,    4,   0x67,
                                     0x64, 0,    variant, 1,    0,    2,    0x68, 0xeb};
  c.avcc = Buffer::Copy(avcc);
  c.width = (variant % 4) * 320;  // 0 is rejected
  c.height = 240;
  c.profile_idc = 0x64;
  c.level_idc = 0x1f;
  if (variant & 0x10) c.frame_rate = 25.0;
  return c;
}

media::AudioTrackConfig AudioConfig(uint8_t variant) {
  media::AudioTrackConfig c;
  const std::vector<uint8_t> asc = {0x11, 0x90};
  c.asc = Buffer::Copy(asc);
  c.sample_rate = (variant & 1) ? 44100 : 48000;
  c.channels = 2;
  return c;
}

// Every segment a rendition's playlist lists must be downloadable and parse, except EXT-X-GAP
// ones, which must not be served; numbers are consecutive.
void CheckRendition(const package::StreamPackager& packager, const std::string& name, bool& any) {
  auto playlist = packager.Lookup(name + "/index.m3u8");
  if (!playlist) return;
  any = true;
  const std::string_view text = playlist->body.AsStringView();
  bool gap = false;
  std::optional<std::string> previous;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line == "#EXT-X-GAP") gap = true;
    if (!line.starts_with("seg")) continue;
    auto segment = packager.Lookup(name + "/" + std::string(line));
    Check(segment.has_value() != gap);
    if (segment) Check(steadycast::formats::fmp4::ReadBoxes(segment->body.span()).ok());
    const std::string number(line.substr(3, line.size() - 7));
    if (previous) Check(std::stoull(number) == std::stoull(*previous) + 1);
    previous = number;
    gap = false;
  }
}

// The master lists a rendition once every rendition has a segment, or once one of them has
// published more than master_wait_segments.
void CheckPlaylists(const package::StreamPackager& packager, int master_wait_segments) {
  bool any = false;
  for (size_t i = 0; i < packager.rendition_count(); ++i) {
    CheckRendition(packager, packager.rendition_name(i), any);
  }
  Check(any == packager.HasSegments());
  bool all = true;
  uint64_t most = 0;
  for (const auto& r : packager.Stats().renditions) {
    all = all && (r.segments > 0 || r.paused);  // a paused rendition is not waited for
    most = std::max(most, r.segments);
  }
  const bool listed = any && (all || most > static_cast<uint64_t>(master_wait_segments));
  Check(packager.MasterPlaylist("pb").has_value() == listed);
}

}  // namespace

// libFuzzer's entropic scheduler spends ~95% of the time bookkeeping the many features one run
// of the whole packager touches (9 vs 300 execs/s measured); plain scheduling explores better
// per second here. Added unless the caller chose an -entropic= value.
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  static std::vector<char*> args(*argv, *argv + *argc);
  static char flag[] = "-entropic=0";
  bool chosen = false;
  for (char* arg : args) chosen = chosen || std::string_view(arg).starts_with("-entropic=");
  if (!chosen && !args.empty()) args.insert(args.begin() + 1, flag);
  *argc = static_cast<int>(args.size());
  args.push_back(nullptr);
  *argv = args.data();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool kQuiet = steadycast::base::SetLogLevel("off");  // rejected configs log
  (void)kQuiet;
  steadycast::base::FakeClock clock;
  package::PackagerOptions options;
  options.target_segment_seconds = 0.2;
  options.max_segment_seconds = 1.0;
  options.max_segment_bytes = 4096;
  options.playlist_segments = 3;
  options.extra_retained_segments = 1;
  // Two renditions written in any interleaving: the ladder's numbering and master rules.
  package::StreamPackager packager(options, {{"src"}, {"lo"}}, clock);
  steadycast::base::ByteReader r({data, size});
  int64_t video_dts[2] = {0, 0}, audio_dts[2] = {0, 0};
  uint8_t op = 0, arg = 0;
  uint16_t delta = 0;
  // A bounded number of operations keeps each run short (every one may publish a segment).
  for (int ops = 0; ops < 400 && r.ReadU8(op) && r.ReadU8(arg); ++ops) {
    // Bit 3 of the op picks the rendition a config or unit goes to.
    const size_t rendition = (op >> 3) & 1;
    steadycast::media::MediaSink& sink = packager.Rendition(rendition);
    switch (op % 8) {
      case 0:
      case 1: {
        if (!r.ReadU16(delta)) break;
        const bool video = op % 8 == 0;
        int64_t& dts = video ? video_dts[rendition] : audio_dts[rendition];
        dts += int64_t{static_cast<int16_t>(delta)} * 30;
        media::AccessUnit unit;
        unit.kind = video ? media::TrackKind::kVideo : media::TrackKind::kAudio;
        unit.codec = video ? media::Codec::kH264 : media::Codec::kAac;
        unit.dts = dts;
        unit.pts = dts + (video ? (arg & 0x0F) * 1500 : 0);
        unit.keyframe = !video || (arg & 0x80);
        unit.data = Buffer::Take(std::vector<uint8_t>(1 + (arg & 0x70) * 8, arg));
        clock.Advance(std::chrono::milliseconds(arg % 40));
        sink.OnAccessUnit(unit);
        break;
      }
      case 2:
        sink.OnVideoConfig(VideoConfig(arg));
        break;
      case 3:
        sink.OnAudioConfig(AudioConfig(arg));
        break;
      case 4:
        packager.OnDiscontinuity();
        break;
      case 5: {
        std::span<const uint8_t> name;
        if (!r.ReadBytes(std::min<size_t>(arg % 24, r.remaining()), name)) break;
        packager.Lookup(std::string(name.begin(), name.end())).has_value();
        break;
      }
      case 6:
        CheckPlaylists(packager, options.master_wait_segments);
        break;
      case 7:
        if (arg == 0xEE) packager.OnEndOfStream();
        // The transcoder's degradation step: stop (and later resume) a rung.
        if ((arg & 0xF0) == 0x50) packager.SetRenditionPaused(rendition, arg & 1);
        break;
    }
  }
  CheckPlaylists(packager, options.master_wait_segments);
  packager.OnEndOfStream();
  CheckPlaylists(packager, options.master_wait_segments);
  return 0;
}
