#pragma once
// The transcoder's statistics as the worker link's Stats text (worker → server). Pure. The
// server parses what a worker sends as untrusted input: bounded by the link's text limit,
// every field type-checked, anything unreadable left at its default.

#include <string>
#include <string_view>

#include "base/status.h"
#include "transcode/transcoder.h"

namespace steadycast::worker {

std::string StatsToJson(const transcode::TranscoderStats& stats);
base::Result<transcode::TranscoderStats> StatsFromJson(std::string_view json);

}  // namespace steadycast::worker
