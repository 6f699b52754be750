#include "media/track.h"

#include <fmt/format.h>

namespace steadycast::media {

std::string VideoTrackConfig::CodecString() const {
  return fmt::format("avc1.{:02x}{:02x}{:02x}", profile_idc, constraint_flags, level_idc);
}

std::string AudioTrackConfig::CodecString() const { return fmt::format("mp4a.40.{}", object_type); }

}  // namespace steadycast::media
