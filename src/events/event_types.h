#pragma once
// Event type names (docs/contract.md "Webhook delivery": at least these). One constant per type so
// that producers and tests cannot misspell them.

#include <string_view>

namespace steadycast::events {

inline constexpr std::string_view kStreamCreated = "live_stream.created";
inline constexpr std::string_view kStreamUpdated = "live_stream.updated";
inline constexpr std::string_view kStreamDeleted = "live_stream.deleted";
// A publisher was accepted (before its first media; the status is still idle).
inline constexpr std::string_view kStreamConnected = "live_stream.connected";
inline constexpr std::string_view kStreamActive = "live_stream.active";
// The publisher was lost (socket closed or no media for stall_timeout).
inline constexpr std::string_view kStreamDisconnected = "live_stream.disconnected";
// Media flows again inside the reconnect window.
inline constexpr std::string_view kStreamReconnected = "live_stream.reconnected";
inline constexpr std::string_view kStreamIdle = "live_stream.idle";
inline constexpr std::string_view kStreamDisabled = "live_stream.disabled";
inline constexpr std::string_view kStreamEnabled = "live_stream.enabled";
inline constexpr std::string_view kStreamKeyReset = "live_stream.stream_key_reset";
inline constexpr std::string_view kStreamHealthChanged = "live_stream.health_changed";
// Extensions: a broadcast ended by `complete`, and the takeover decisions.
inline constexpr std::string_view kStreamCompleted = "live_stream.completed";
inline constexpr std::string_view kStreamPublisherReplaced = "live_stream.publisher_replaced";
inline constexpr std::string_view kStreamPublisherRefused = "live_stream.publisher_refused";
// The viewers' rebuffering stayed above / below its thresholds (analytics/experience_monitor.h);
// data carries the stream's "viewers" figures.
inline constexpr std::string_view kStreamViewerExperienceDegraded =
    "live_stream.viewer_experience_degraded";
inline constexpr std::string_view kStreamViewerExperienceRecovered =
    "live_stream.viewer_experience_recovered";

inline constexpr std::string_view kAllEventTypes[] = {
    kStreamCreated,
    kStreamUpdated,
    kStreamDeleted,
    kStreamConnected,
    kStreamActive,
    kStreamDisconnected,
    kStreamReconnected,
    kStreamIdle,
    kStreamDisabled,
    kStreamEnabled,
    kStreamKeyReset,
    kStreamHealthChanged,
    kStreamCompleted,
    kStreamPublisherReplaced,
    kStreamPublisherRefused,
    kStreamViewerExperienceDegraded,
    kStreamViewerExperienceRecovered,
};

}  // namespace steadycast::events
