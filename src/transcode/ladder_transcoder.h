#pragma once
// LadderTranscoder: what a Broadcast needs of "the thing that turns the publisher's media into
// every rendition of the ladder". Two implementations: the in-process Transcoder
// (transcoder.h) and the worker-process one (worker/remote_transcoder.h), which runs the same
// Transcoder in a supervised child process so that a crash in libavcodec/x264 on one
// publisher's media costs that stream's transcoded renditions a restart, not the server.
//
// Threading: the MediaSink calls, Flush, Hold and Tick come from one thread at a time (the
// stream's); Stats and Degradation are thread-safe.

#include "media/media_sink.h"
#include "transcode/ladder_degrader.h"
#include "transcode/rendition_worker.h"

namespace steadycast::transcode {

struct TranscoderStats;

class LadderTranscoder : public media::MediaSink {
 public:
  // Every rendition's output for what came in so far is written before this returns (the
  // worker-process transcoder waits a bounded time for its worker).
  virtual void Flush() = 0;
  // The publisher is gone: keep one timeline, show the slate (Transcoder::Hold).
  virtual void Hold() = 0;
  // Drives the slate; every ≤ 100 ms from the stream's thread.
  virtual void Tick() = 0;
  virtual TranscoderStats Stats() const = 0;
  virtual DegradationState Degradation() const = 0;
};

}  // namespace steadycast::transcode
