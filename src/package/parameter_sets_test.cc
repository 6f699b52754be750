#include "package/parameter_sets.h"

#include <gtest/gtest.h>

#include <vector>

#include "media/avc.h"

namespace steadycast::package {
namespace {

media::VideoTrackConfig Config() {
  media::VideoTrackConfig c;
  const std::vector<base::Buffer> sps = {
      base::Buffer::Copy(std::vector<uint8_t>{0x67, 0x64, 0x00, 0x1f, 0xac})};
  const std::vector<base::Buffer> pps = {base::Buffer::Copy(std::vector<uint8_t>{0x68, 0xee})};
  c.avcc = base::Buffer::Take(media::BuildAvcDecoderConfig(sps, pps));
  return c;
}

media::AccessUnit Idr() {
  media::AccessUnit u;
  u.keyframe = true;
  u.data = base::Buffer::Copy(std::vector<uint8_t>{0, 0, 0, 2, 0x65, 0x88});
  return u;
}

TEST(ParameterSets, PrependsSpsAndPpsToAKeyframe) {
  const base::Buffer out = WithParameterSets(Idr(), Config());
  const std::vector<uint8_t> expected = {0, 0, 0,    5,    0x67, 0x64, 0x00, 0x1f, 0xac, 0,   0,
                                         0, 2, 0x68, 0xee, 0,    0,    0,    2,    0x65, 0x88};
  EXPECT_EQ(std::vector<uint8_t>(out.data(), out.data() + out.size()), expected);
}

TEST(ParameterSets, LeavesOthersAlone) {
  media::AccessUnit p = Idr();
  p.keyframe = false;
  EXPECT_EQ(WithParameterSets(p, Config()).size(), 6u);
  media::AccessUnit has = Idr();
  has.data = WithParameterSets(Idr(), Config());
  EXPECT_EQ(WithParameterSets(has, Config()).size(), has.data.size());  // already in band
  media::VideoTrackConfig broken;
  broken.avcc = base::Buffer::Copy(std::vector<uint8_t>{1, 2});
  EXPECT_EQ(WithParameterSets(Idr(), broken).size(), 6u);
  media::AccessUnit hevc = Idr();
  hevc.codec = media::Codec::kH265;
  EXPECT_EQ(WithParameterSets(hevc, Config()).size(), 6u);
}

}  // namespace
}  // namespace steadycast::package
