#pragma once
// Broadcast: the media pipeline of one broadcast of a stream — its packager (one rendition per
// planned ladder rung) and, when the ladder transcodes, the transcoder that feeds them
// (docs/architecture.md: session → transcode → package). Created by the StreamRegistry at the
// broadcast's first media, once the source's video configuration is known; it outlives
// publishers through the reconnect window. The packager is shared with deliver/ and outlives
// the Broadcast (the final playlist stays readable).
//
// Threading: Input(), Discontinuity() and End() are called under the stream's lock (one
// thread at a time). The transcoder writes transcoded renditions from its own threads; when
// its degradation controller pauses or resumes a rung, the worker's hook tells the packager
// (SetRenditionPaused: the rung's playlist lists EXT-X-GAP entries meanwhile).

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "media/media_sink.h"
#include "package/stream_packager.h"
#include "transcode/ladder.h"
#include "transcode/ladder_transcoder.h"
#include "transcode/transcoder.h"

namespace steadycast::session {

class BroadcastFinisher;

struct BroadcastOptions {
  package::PackagerOptions packager;  // first_sequence is set per broadcast by the registry
  // Streams with latency_mode "low" are LL-HLS with parts of this length (packager's
  // part_target_seconds); standard streams have none.
  double low_latency_part_seconds = 0.5;
  transcode::TranscoderOptions transcoder;
  transcode::LadderDefaults ladder;
  // Off: every ladder is treated as "passthrough" (no decoding or encoding at all).
  bool transcoding_enabled = true;
  // transcoder.slate: image, start delay, passthrough slate rate. Whether a hold shows the
  // slate is the stream's `slate` setting, read at each loss (Discontinuity).
  // Makes the transcoder of a broadcast (app/ supplies the worker-process one when
  // transcode.isolation is "process"); empty: the in-process Transcoder.
  std::function<base::Result<std::unique_ptr<transcode::LadderTranscoder>>(
      const transcode::LadderPlan&, const transcode::TranscoderOptions&,
      std::vector<media::MediaSink*>)>
      transcoder_factory;
  // Where End() drains a transcoded broadcast (off the caller's thread); null: in End() itself.
  BroadcastFinisher* finisher = nullptr;
};

class Broadcast {
 public:
  // Plans the ladder from the stream's stored `ladder_json` and `latency_mode` and the source
  // video configuration (nullopt: audio only → the source rendition alone). A ladder that
  // cannot be planned or a transcoder that cannot start falls back to passthrough, with the
  // reason in warnings().
  static std::unique_ptr<Broadcast> Create(const BroadcastOptions& options, base::Clock& clock,
                                           const std::string& ladder_json,
                                           const std::string& latency_mode,
                                           const std::optional<media::VideoTrackConfig>& video);
  ~Broadcast();

  // Where the publisher's media goes: the transcoder (which passes the source rendition on) or
  // the packager's single rendition.
  media::MediaSink& Input();
  // Publisher lost (reconnect window) or replaced. With `slate` and a transcoder: hold — the
  // broadcast keeps one timeline, the slate fills the gap from Tick(), and only the
  // passthrough rendition gets discontinuities (transcoder.h, Hold). Otherwise: drain the
  // transcoder, then cut every rendition so the next segments start after
  // EXT-X-DISCONTINUITY at the same time (players wait; the playlist has no ENDLIST).
  void Discontinuity(bool slate);
  // Drives the slate (call every ≤ 100 ms under the stream's lock).
  void Tick();
  // Broadcast over: drain, ENDLIST on every rendition, stop the transcoder's threads. With a
  // finisher (BroadcastOptions) and a transcoder, that happens on the finisher's thread and
  // End() returns at once; the packager gets ENDLIST when the drain is done.
  void End();

  const std::shared_ptr<package::StreamPackager>& packager() const { return packager_; }
  const transcode::LadderPlan& plan() const { return plan_; }
  const std::vector<std::string>& warnings() const { return warnings_; }
  // Transcoder figures (nullopt without a transcoder; after End, those at the end of the
  // drain — nullopt while it runs).
  std::optional<transcode::TranscoderStats> TranscoderStats() const;
  // The ladder's degradation (level, reason, paused rungs); nullopt without a running
  // transcoder (passthrough, or the broadcast ended). Cheap: polled by the registry's Tick.
  std::optional<transcode::DegradationState> Degradation() const;

 private:
  struct FinalFigures;
  Broadcast() = default;
  static void KeepFinalFigures(const transcode::LadderTranscoder& transcoder, FinalFigures& final);

  std::shared_ptr<package::StreamPackager> packager_;
  std::unique_ptr<transcode::LadderTranscoder> transcoder_;
  transcode::LadderPlan plan_;
  std::vector<std::string> warnings_;
  BroadcastFinisher* finisher_ = nullptr;
  bool ended_ = false;
  // The transcoder's figures once it drained (End): health keeps reporting them.
  struct FinalFigures {
    std::mutex mu;
    std::optional<transcode::TranscoderStats> stats;
    std::optional<transcode::DegradationState> degradation;
  };
  std::shared_ptr<FinalFigures> final_ = std::make_shared<FinalFigures>();
};

}  // namespace steadycast::session
