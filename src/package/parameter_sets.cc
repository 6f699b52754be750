#include "package/parameter_sets.h"

#include <vector>

#include "media/avc.h"

namespace steadycast::package {
namespace {

constexpr uint8_t kNalTypeSps = 7;

void AppendNal(std::vector<uint8_t>& out, const base::Buffer& nal) {
  const size_t n = nal.size();
  out.push_back(static_cast<uint8_t>(n >> 24));
  out.push_back(static_cast<uint8_t>(n >> 16));
  out.push_back(static_cast<uint8_t>(n >> 8));
  out.push_back(static_cast<uint8_t>(n));
  out.insert(out.end(), nal.data(), nal.data() + n);
}

}  // namespace

base::Buffer WithParameterSets(const media::AccessUnit& keyframe,
                               const media::VideoTrackConfig& config) {
  if (keyframe.kind != media::TrackKind::kVideo || !keyframe.keyframe ||
      keyframe.codec != media::Codec::kH264 || config.codec != media::Codec::kH264) {
    return keyframe.data;
  }
  const base::Buffer& data = keyframe.data;
  if (data.size() >= 5 && (data.data()[4] & 0x1F) == kNalTypeSps) return data;
  auto record = media::ParseAvcDecoderConfig({config.avcc.data(), config.avcc.size()});
  if (!record.ok() || record->sps.empty() || record->pps.empty()) return data;
  std::vector<uint8_t> out;
  out.reserve(data.size() + config.avcc.size() + 16);
  for (const base::Buffer& sps : record->sps) AppendNal(out, sps);
  for (const base::Buffer& pps : record->pps) AppendNal(out, pps);
  out.insert(out.end(), data.data(), data.data() + data.size());
  return base::Buffer::Take(std::move(out));
}

}  // namespace steadycast::package
