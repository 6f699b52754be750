// Fuzzes FlvDemuxer with a small tag limit, fed in two pieces (split point from the first
// byte) so the buffering path runs too, and every tag body through the tag and config
// parsers.
#include <cstddef>
#include <cstdint>
#include <span>

#include "formats/flv/flv_demuxer.h"
#include "formats/flv/flv_tag.h"
#include "media/aac.h"
#include "media/avc.h"

namespace {

using namespace steadycast;

class ParsingListener : public formats::flv::FlvDemuxerListener {
 public:
  void OnHeader(bool, bool) override {}
  void OnTag(formats::flv::FlvTagType type, uint32_t, std::span<const uint8_t> body) override {
    if (type == formats::flv::FlvTagType::kVideo) {
      auto tag = formats::flv::ParseVideoTag(body);
      if (tag.ok()) (void)media::VideoConfigFromAvcc(tag->payload);
    } else if (type == formats::flv::FlvTagType::kAudio) {
      auto tag = formats::flv::ParseAudioTag(body);
      if (tag.ok()) (void)media::ParseAudioSpecificConfig(tag->payload);
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  const size_t split = size == 0 ? 0 : data[0] % (size + 1);
  ParsingListener listener;
  formats::flv::FlvDemuxer demuxer(listener, {.max_tag_size = 64 * 1024});
  if (demuxer.Feed(input.first(split)).ok()) (void)demuxer.Feed(input.subspan(split));
  (void)demuxer.Finish();
  return 0;
}
