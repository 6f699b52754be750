#pragma once
// In-band parameter sets at a configuration change. When a rendition's video configuration
// changes mid-stream (the passthrough rendition entering or leaving the slate, a publisher
// returning with another encoder), the new SPS/PPS are in the new init segment (EXT-X-MAP),
// which HLS clients must load at the discontinuity. Some do not apply a new EXT-X-MAP's decoder
// configuration (ffmpeg's HLS demuxer keeps the first one), so the first keyframe after the
// change also carries the SPS and PPS in band, as ISO/IEC 14496-15 §5.3.2 allows for 'avc1'
// samples: every decoder then switches configuration at that picture. Pure.

#include "base/buffer.h"
#include "media/access_unit.h"
#include "media/track.h"

namespace steadycast::package {

// `keyframe`'s data with the SPS and PPS of `config` (H.264, 4-byte NAL lengths) in front,
// unless it already begins with an SPS or is not an H.264 keyframe (then unchanged).
base::Buffer WithParameterSets(const media::AccessUnit& keyframe,
                               const media::VideoTrackConfig& config);

}  // namespace steadycast::package
