#pragma once
// LL-HLS media playlists (RFC 8216bis §4.4.3.7–§4.4.5.4, §6.2.5) rendered from a window
// snapshot: the listed segments with their parts, the segment in progress as parts only, a
// preload hint for the next part, and a report of every other rendition's live edge. Rendered
// per request (delta updates and reports differ); pure, from immutable snapshots.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "package/playlist.h"
#include "package/segment_window.h"

namespace steadycast::package {

struct LowLatencySettings {
  int64_t part_target_us = 500'000;
  bool skip = false;  // a delta update was asked (_HLS_skip=YES or v2)
  std::vector<RenditionReport> reports;
};

// The rendition report of a window (§4.4.5.4): LAST-MSN is the segment in progress when it has
// parts (LAST-PART its last part), else the last complete segment (LAST-PART its last part,
// when it was published in parts). Nullopt before the first segment.
std::optional<RenditionReport> ReportOf(const WindowSnapshot& snapshot, std::string uri);

// Nullopt before the first segment.
std::optional<std::string> RenderLowLatencyPlaylist(const WindowSnapshot& snapshot,
                                                    const LowLatencySettings& settings);

}  // namespace steadycast::package
