#pragma once
// The transcoder worker's configuration as JSON: the ladder plan and the transcoder options the
// server sends in the worker link's Configure message (formats/worker_link), and parses back in
// the worker. Pure. The worker treats the text as untrusted input: the size is bounded, every
// field is type- and range-checked, unknown fields are ignored (a newer server may add some),
// and a missing field keeps its default. Nothing here throws.
//
// Not carried (process-local): the clock and the callbacks of TranscoderOptions, and the plan's
// warnings (the server reports those itself).

#include <string>
#include <string_view>

#include "base/status.h"
#include "transcode/ladder.h"
#include "transcode/transcoder.h"

namespace steadycast::transcode {

struct WorkerConfig {
  LadderPlan plan;
  TranscoderOptions options;
};

inline constexpr size_t kMaxWorkerConfigBytes = 64 * 1024;

std::string WorkerConfigToJson(const LadderPlan& plan, const TranscoderOptions& options);
base::Result<WorkerConfig> WorkerConfigFromJson(std::string_view json);

}  // namespace steadycast::transcode
