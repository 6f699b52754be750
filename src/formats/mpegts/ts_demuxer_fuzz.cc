// Fuzzes TsDemuxer with small PES caps: the input is demuxed whole and again in pieces whose
// sizes come from the input's own bytes; both runs must report the same events (the
// split-invariance every test also checks), and access units are walked so their lengths
// are checked.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "formats/mpegts/ts_demuxer.h"
#include "media/avc.h"

namespace {

using namespace steadycast;

// Folds every event into a running digest (cheap to compare, no allocation per event).
class DigestListener : public formats::mpegts::TsDemuxerListener {
 public:
  void OnVideoConfig(const media::VideoTrackConfig& config) override {
    Mix(1, config.width, config.height, config.avcc.size());
  }
  void OnAudioConfig(const media::AudioTrackConfig& config) override {
    Mix(2, config.sample_rate, config.channels, config.asc.size());
  }
  void OnAccessUnit(const media::AccessUnit& unit) override {
    Mix(3, unit.pts, unit.dts, unit.data.size() * 4 + unit.keyframe * 2 + unit.maybe_corrupt);
    if (unit.kind == media::TrackKind::kVideo) {
      // Every unit the demuxer emits is well-formed length-prefixed NAL units.
      if (!media::ForEachNal(unit.data.span(), [](std::span<const uint8_t>) {}).ok()) abort();
    }
  }
  void OnUnsupportedStream(uint8_t stream_type, uint16_t pid, std::string_view) override {
    Mix(4, stream_type, pid, 0);
  }
  void OnProgram(const formats::mpegts::ProgramInfo& program) override {
    Mix(5, program.pmt_pid, program.version, program.streams.size());
  }
  void OnTimestampJump(media::TrackKind, int64_t previous, int64_t dts) override {
    Mix(6, previous, dts, 0);
  }
  uint64_t digest() const { return digest_; }

 private:
  void Mix(uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
    for (uint64_t v : {a, b, c, d}) digest_ = (digest_ ^ v) * 0x100000001B3ull;
  }
  uint64_t digest_ = 0xCBF29CE484222325ull;
};

uint64_t Demux(std::span<const uint8_t> input, bool split) {
  DigestListener listener;
  formats::mpegts::TsDemuxer demuxer(listener, {.max_video_pes_size = 64 * 1024,
                                                .max_audio_pes_size = 8 * 1024,
                                                .max_unsynced_bytes = 16 * 1024});
  size_t pos = 0;
  while (pos < input.size()) {
    const size_t n =
        split ? std::min<size_t>(input.size() - pos, 1 + input[pos] % 200) : input.size();
    if (!demuxer.Feed(input.subspan(pos, n)).ok()) break;
    pos += n;
  }
  (void)demuxer.Finish();
  return listener.digest();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  if (Demux(input, false) != Demux(input, true)) abort();
  return 0;
}
