#pragma once
// Silence for the slate's audio: one raw AAC-LC frame of digital silence that the transcoder
// repeats (with advancing timestamps) while a stream shows its slate. It is encoded once with
// libavcodec's native AAC encoder for the source's sample rate and channel count, so that it
// decodes under the source's own AudioSpecificConfig: the renditions' audio configuration does
// not change when the slate starts or ends (no new init segment, no discontinuity).
//
// Only AAC-LC sources (object type 2, 1–8 channels in the standard channel configurations)
// get silence; for others (HE-AAC, MP3, ...) the slate is video only and players see an audio
// gap, which they play through.

#include "base/buffer.h"
#include "base/status.h"
#include "media/track.h"

namespace steadycast::transcode {

// kUnimplemented when `config` is not AAC-LC with a channel configuration of 1–7 (8 channels).
base::Result<base::Buffer> SilentAacFrame(const media::AudioTrackConfig& config);

}  // namespace steadycast::transcode
