#pragma once
// From the session's view of a stream (session::LinkHealth) to the figures people read: one
// health::HealthSample per stream, shared by the current health JSON, the one-second health
// history and /metrics so all three report the same numbers.
//
// HealthSampler: the server's 1 Hz timer that records one sample of every stream the
// registry knows into the health history. It runs on the io_context (never on a media
// thread); each sample reads the registry like GET .../health does. The server owns it; it
// must be stopped (Stop) before the io_context stops.

#include <functional>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "base/clock.h"
#include "health/health_history.h"
#include "health/srt_figures.h"
#include "health/viewer_figures.h"
#include "session/stream_registry.h"

namespace steadycast::app {

// The viewers' figures of a stream, when something measures them (empty: nothing does).
using ViewerFiguresFn =
    std::function<std::optional<health::ViewerFigures>(const std::string& stream_id)>;

// SRT link figures over the last `window_samples` samples (one a second) of the publisher's
// link history; nullopt without samples (RTMP, or SRT before its first sample).
std::optional<health::SrtFigures> SrtFiguresOf(const session::LinkHealth& health,
                                               size_t window_samples = 5);

// The stream's sample at `at_ms` (unix ms).
health::HealthSample SampleOf(const session::LinkHealth& health, int64_t at_ms,
                              const std::optional<health::ViewerFigures>& viewers);

class HealthSampler {
 public:
  // `viewer_figures` is read at every sample (it may be set after construction).
  HealthSampler(boost::asio::io_context& io, session::StreamRegistry& registry,
                health::HealthHistory& history, base::Clock& clock,
                const ViewerFiguresFn& viewer_figures);

  // Samples once a second from now on, until Stop.
  void Start();
  void Stop();
  // One sample of every known stream; drops the history of deleted and long-idle streams.
  void SampleOnce();

 private:
  void Schedule();

  boost::asio::steady_timer timer_;
  session::StreamRegistry& registry_;
  health::HealthHistory& history_;
  base::Clock& clock_;
  const ViewerFiguresFn& viewer_figures_;
};

}  // namespace steadycast::app
