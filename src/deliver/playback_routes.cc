#include "deliver/playback_routes.h"

#include <fmt/format.h>

#include <optional>
#include <string>
#include <utility>

#include <chrono>
#include <cmath>
#include "base/clock.h"

#include "deliver/blocking_wait.h"
#include "deliver/byte_range.h"
#include "deliver/content_coding.h"
#include "deliver/playlist_rewrite.h"
#include "deliver/wait_deadlines.h"
#include "package/dash_source.h"
#include "package/hls_query.h"
#include "package/segment_window.h"

namespace steadycast::deliver {
namespace {

constexpr std::string_view kPlaylistType = "application/vnd.apple.mpegurl";
constexpr std::string_view kDashType = "application/dash+xml";
// The server-time route the MPD's UTCTiming names (ISO/IEC 23009-1 §5.8.5.7,
// urn:mpeg:dash:utc:http-iso:2014): dash.js aligns its clock with it.
constexpr std::string_view kTimeRoute = "/dash/time";
constexpr std::string_view kPlaylistCache = "public, max-age=1";
constexpr std::string_view kImmutableCache = "public, max-age=86400, immutable";
constexpr std::string_view kErrorCache = "no-cache";
// Signed ids: only the viewer's browser may cache (see playback_routes.h).
constexpr std::string_view kPrivatePlaylistCache = "private, max-age=1";
constexpr std::string_view kPrivateImmutableCache = "private, max-age=86400, immutable";
constexpr std::string_view kExposeHeaders =
    "Content-Length, Content-Range, Accept-Ranges, Retry-After, Age, Date";
// Playback ids are generated ("pb_" + 24 alphanumerics); anything far from that shape is not
// looked up at all, so junk requests cost nothing downstream.
constexpr size_t kMaxPlaybackIdLength = 64;

bool IsPlausiblePlaybackId(std::string_view id) {
  if (id.empty() || id.size() > kMaxPlaybackIdLength) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

net::HttpResponse WithCors(net::HttpResponse response) {
  response.Header("Access-Control-Allow-Origin", "*");
  response.Header("Access-Control-Expose-Headers", std::string(kExposeHeaders));
  return response;
}

net::HttpResponse Problem(int status, std::string_view detail) {
  net::HttpResponse response = net::ProblemResponse(status, detail);
  response.Header("Cache-Control", std::string(kErrorCache));
  if (status == 412) response.Header("Retry-After", std::to_string(kRetryAfterSeconds));
  return WithCors(std::move(response));
}

// What a request may play: the packager and, for a signed id, the verified token that the
// playlists must hand on.
struct Access {
  std::shared_ptr<const package::StreamPackager> packager;
  std::string token;  // empty for public ids
};

struct RouteContext {
  PlaybackLookup lookup;
  PlaybackRouteOptions options;
  // Deadlines of blocked LL-HLS requests (one thread for all of them).
  std::shared_ptr<WaitDeadlines> deadlines;
};

// Ok, or the 403 for a request that may not play `target`.
std::optional<net::HttpResponse> CheckPolicy(const RouteContext& context,
                                             const PlaybackTarget& target,
                                             std::string_view playback_id, std::string_view token) {
  if (target.policy == "public") return std::nullopt;
  if (target.policy != "signed") return Problem(403, "unsupported playback policy");
  if (context.options.token_verifier == nullptr) {
    return Problem(403, "signed playback is not configured on this server");
  }
  if (token.empty()) return Problem(403, "this playback id requires ?token=JWT");
  base::Status status = context.options.token_verifier->Verify(token, playback_id);
  // The reason is fixed text from the verifier (never the token), useful to the integrator.
  if (!status.ok()) return Problem(403, status.message());
  return std::nullopt;
}

// 404 / 403 / 412 for a playback id that cannot be played now; the access otherwise.
std::optional<Access> Resolve(const RouteContext& context, const net::HttpRequest& request,
                              net::HttpResponse& error) {
  const std::string_view playback_id = request.Param("pb");
  if (!IsPlausiblePlaybackId(playback_id)) {
    error = Problem(404, "unknown playback id");
    return std::nullopt;
  }
  PlaybackTarget target = context.lookup(playback_id);
  if (!target.exists) {
    error = Problem(404, "unknown playback id");
    return std::nullopt;
  }
  const std::string_view token = request.Query("token");
  if (auto denied = CheckPolicy(context, target, playback_id, token)) {
    error = std::move(*denied);
    return std::nullopt;
  }
  if (!target.packager || !target.packager->HasSegments()) {
    error = Problem(412, "the stream has no segment yet; retry shortly");
    return std::nullopt;
  }
  Access access{std::move(target.packager), {}};
  if (target.policy == "signed") access.token = std::string(token);
  return access;
}

// Playlist text as served: with the token on every relative URI for signed ids.
net::HttpResponse PlaylistResponse(std::string_view text, const Access& access) {
  net::HttpResponse response;
  if (access.token.empty()) {
    response.Text(text, std::string(kPlaylistType));
    response.Header("Cache-Control", std::string(kPlaylistCache));
  } else {
    response.Text(AddQueryToPlaylistUris(text, "token", access.token), std::string(kPlaylistType));
    response.Header("Cache-Control", std::string(kPrivatePlaylistCache));
  }
  return WithCors(std::move(response));
}

// 200, or 206/416 for a Range request on an immutable resource.
net::HttpResponse ServeResource(const package::Resource& resource, const Access& access,
                                std::string_view range_header) {
  if (!resource.immutable) {
    if (resource.content_type == package::kPlaylistContentType) {
      return PlaylistResponse(resource.body.AsStringView(), access);
    }
    net::HttpResponse response;
    response.Body(resource.body, resource.content_type);
    response.Header("Cache-Control",
                    std::string(access.token.empty() ? kPlaylistCache : kPrivatePlaylistCache));
    return WithCors(std::move(response));
  }
  const uint64_t size = resource.body.size();
  const ByteRange range = ParseByteRange(range_header, size);
  if (range.kind == ByteRange::Kind::kUnsatisfiable) {
    net::HttpResponse response = Problem(416, "range not satisfiable");
    response.Header("Content-Range", fmt::format("bytes */{}", size));
    return response;
  }
  net::HttpResponse response;
  if (range.kind == ByteRange::Kind::kSatisfiable) {
    response.status = 206;
    response.Body(resource.body.Slice(range.first, range.last - range.first + 1),
                  resource.content_type);
    response.Header("Content-Range", fmt::format("bytes {}-{}/{}", range.first, range.last, size));
  } else {
    response.Body(resource.body, resource.content_type);
  }
  response.Header("Accept-Ranges", "bytes");
  response.Header("Cache-Control",
                  std::string(access.token.empty() ? kImmutableCache : kPrivateImmutableCache));
  return WithCors(std::move(response));
}

void HandleMaster(const RouteContext& context, const net::HttpRequest& request,
                  const net::HttpResponder& respond) {
  net::HttpResponse error;
  std::optional<Access> access = Resolve(context, request, error);
  if (!access) return respond(std::move(error));
  std::optional<std::string> master = access->packager->MasterPlaylist(request.Param("pb"));
  if (!master) return respond(Problem(412, "the stream has no segment yet; retry shortly"));
  respond(PlaylistResponse(*master, *access));
}

std::string_view RawQuery(std::string_view target) {
  const size_t q = target.find('?');
  return q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
}

// RFC 8216bis §6.2.5.2: a request too far beyond the live edge gets 400 at once. `_HLS_msn`
// more than two segments beyond the last one; `_HLS_part` more than the Advance Part Limit
// (3 / part target in seconds when that is under 1 s, else 3) beyond the last part.
std::optional<std::string> TooFarAhead(const package::WindowSnapshot& snapshot,
                                       const package::WaitTarget& want, double part_target) {
  const package::WindowPosition& at = snapshot.position;
  if (!at.complete_through) return std::nullopt;
  if (want.msn > *at.complete_through + 2) {
    return "_HLS_msn is more than two segments beyond the last segment of the playlist";
  }
  if (!want.part || want.msn < at.next_sequence || part_target <= 0) return std::nullopt;
  const int64_t limit =
      part_target < 1 ? static_cast<int64_t>(std::ceil(3 / part_target - 1e-9)) : 3;
  const int64_t per_segment = std::max<int64_t>(
      1, static_cast<int64_t>(std::llround(snapshot.target_duration_s / part_target)));
  const int64_t distance = static_cast<int64_t>(want.msn - at.next_sequence) * per_segment +
                           static_cast<int64_t>(*want.part) -
                           (static_cast<int64_t>(at.open_parts) - 1);
  if (distance > limit) return "_HLS_part is beyond the Advance Part Limit";
  return std::nullopt;
}

std::chrono::milliseconds BlockLimit(const package::WindowSnapshot& snapshot) {
  return std::chrono::milliseconds(int64_t{3} * std::max(snapshot.target_duration_s, 1) * 1000);
}

// An LL-HLS media playlist: at once, or once `_HLS_msn` / `_HLS_part` exists (blocking reload).
void HandleLowLatencyPlaylist(const RouteContext& context, const net::HttpRequest& request,
                              const Access& access, const std::string& rendition,
                              const net::HttpResponder& respond) {
  const package::SegmentWindow* window = access.packager->Window(rendition);
  if (window == nullptr) return respond(Problem(404, "no such playlist or segment"));
  auto directives = package::ParseHlsDirectives(RawQuery(request.target));
  if (!directives.ok()) return respond(Problem(400, directives.status().message()));
  const bool skip = directives->skip || directives->skip_v2;
  auto answer = [access, rendition, skip, respond] {
    std::optional<std::string> text = access.packager->LowLatencyPlaylist(rendition, skip);
    if (!text) return respond(Problem(412, "the stream has no segment yet; retry shortly"));
    respond(PlaylistResponse(*text, access));
  };
  const std::shared_ptr<const package::WindowSnapshot> snapshot = window->Snapshot();
  // §6.2.5.2: directives are ignored once the playlist has ended.
  if (!directives->msn || snapshot->ended || snapshot->segments.empty()) return answer();
  const package::WaitTarget want{*directives->msn, directives->part};
  if (auto too_far = TooFarAhead(*snapshot, want, access.packager->part_target_seconds())) {
    return respond(Problem(400, *too_far));
  }
  if (package::Satisfies(snapshot->position, want)) return answer();
  const bool waiting = WaitForWindow(
      *window, want, BlockLimit(*snapshot), *context.deadlines, access.packager, answer, [respond] {
        respond(Problem(503,
                        "the requested segment or part did not appear within three "
                        "target durations"));
      });
  if (!waiting) respond(Problem(503, "too many requests are waiting for this stream; retry"));
}

// A part that does not exist yet: the one the playlist's preload hint names is answered once it
// exists (§6.2.6); any other is 404.
void HandlePendingPart(const RouteContext& context, const net::HttpRequest& request,
                       const Access& access, const std::string& rendition,
                       std::pair<uint64_t, uint32_t> part, const net::HttpResponder& respond) {
  const package::SegmentWindow* window = access.packager->Window(rendition);
  if (window == nullptr) return respond(Problem(404, "no such playlist or segment"));
  const std::shared_ptr<const package::WindowSnapshot> snapshot = window->Snapshot();
  const package::WindowPosition& at = snapshot->position;
  const bool hinted = !at.ended && at.complete_through && part.first == at.next_sequence &&
                      part.second == at.open_parts;
  if (!hinted) return respond(Problem(404, "no such part (it may have expired)"));
  const std::string subpath(request.Param("rest"));
  const std::string range(request.Header("range"));
  auto serve = [access, subpath, range, respond] {
    std::optional<package::Resource> resource = access.packager->Lookup(subpath);
    if (!resource) return respond(Problem(404, "the segment completed without this part"));
    respond(ServeResource(*resource, access, range));
  };
  const bool waiting = WaitForWindow(
      *window, package::WaitTarget{part.first, part.second}, BlockLimit(*snapshot),
      *context.deadlines, access.packager, serve, [respond] {
        respond(Problem(503, "the part did not appear within three target durations"));
      });
  if (!waiting) respond(Problem(503, "too many requests are waiting for this stream; retry"));
}

void HandleResource(const RouteContext& context, const net::HttpRequest& request,
                    const net::HttpResponder& respond) {
  net::HttpResponse error;
  std::optional<Access> access = Resolve(context, request, error);
  if (!access) return respond(std::move(error));
  const std::string_view rest = request.Param("rest");
  const size_t slash = rest.rfind('/');
  if (access->packager->low_latency() && slash != std::string_view::npos) {
    const std::string rendition(rest.substr(0, slash));
    const std::string_view file = rest.substr(slash + 1);
    if (file == "index.m3u8") {
      return HandleLowLatencyPlaylist(context, request, *access, rendition, respond);
    }
    if (auto part = package::ParsePartName(file); part && !access->packager->Lookup(rest)) {
      return HandlePendingPart(context, request, *access, rendition, *part, respond);
    }
  }
  std::optional<package::Resource> resource = access->packager->Lookup(rest);
  if (!resource) return respond(Problem(404, "no such playlist or segment (it may have expired)"));
  respond(ServeResource(*resource, *access, request.Header("range")));
}

void HandleDash(const RouteContext& context, const net::HttpRequest& request,
                const net::HttpResponder& respond) {
  net::HttpResponse error;
  std::optional<Access> access = Resolve(context, request, error);
  if (!access) return respond(std::move(error));
  const std::string playback_id(request.Param("pb"));
  package::DashRequest dash;
  dash.base_url = "../hls/" + playback_id + "/";
  if (!access->token.empty())
    dash.query_suffix = "?token=" + PercentEncodeQueryValue(access->token);
  dash.utc_timing_uri = std::string(kTimeRoute);
  dash.now_ms = base::ToUnixMillis(base::Clock::Real().WallNow());
  dash.target_ms = context.options.target_segment_ms;
  std::optional<std::string> mpd = access->packager->DashManifest(dash);
  if (!mpd) return respond(Problem(412, "the stream has no segment yet; retry shortly"));
  net::HttpResponse response;
  response.Text(*mpd, std::string(kDashType));
  response.Header("Cache-Control",
                  std::string(access->token.empty() ? kPlaylistCache : kPrivatePlaylistCache));
  respond(WithCors(std::move(response)));
}

void HandleTime(const net::HttpRequest&, const net::HttpResponder& respond) {
  net::HttpResponse response;
  response.Text(base::FormatRfc3339(base::ToUnixMillis(base::Clock::Real().WallNow())),
                "text/plain; charset=utf-8");
  response.Header("Cache-Control", "no-store");
  respond(WithCors(std::move(response)));
}

// CORS preflight (Fetch standard §3.2.2): any origin, read-only methods, the headers asked for.
void HandlePreflight(const net::HttpRequest& request, const net::HttpResponder& respond) {
  net::HttpResponse response = net::HttpResponse::Status(204);
  response.Header("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
  std::string_view asked = request.Header("access-control-request-headers");
  response.Header("Access-Control-Allow-Headers", asked.empty() ? "Range" : std::string(asked));
  response.Header("Access-Control-Max-Age", "86400");
  respond(WithCors(std::move(response)));
}

}  // namespace

void RegisterPlaybackRoutes(net::HttpRouter& router, PlaybackLookup lookup,
                            PlaybackRouteOptions options) {
  auto shared = std::make_shared<const RouteContext>(
      RouteContext{std::move(lookup), options, std::make_shared<WaitDeadlines>()});
  // Playlist URLs answer through GzipPlaylistAnswers (content_coding.h): every answer, also
  // the ones a blocking reload sends later, is negotiated in that one place.
  for (const char* method : {"GET", "HEAD"}) {
    router.Add(method, "/hls/{pb}.m3u8",
               [shared](const net::HttpRequest& request, net::HttpResponder respond) {
                 HandleMaster(*shared, request, GzipPlaylistAnswers(request, std::move(respond)));
               });
    router.Add(method, "/hls/{pb}/{rest...}",
               [shared](const net::HttpRequest& request, net::HttpResponder respond) {
                 if (request.Param("rest").ends_with(".m3u8")) {
                   respond = GzipPlaylistAnswers(request, std::move(respond));
                 }
                 HandleResource(*shared, request, respond);
               });
  }
  for (const char* method : {"GET", "HEAD"}) {
    router.Add(method, "/dash/{pb}.mpd",
               [shared](const net::HttpRequest& request, net::HttpResponder respond) {
                 HandleDash(*shared, request, GzipPlaylistAnswers(request, std::move(respond)));
               });
    router.Add(method, std::string(kTimeRoute), HandleTime);
  }
  router.Add("OPTIONS", "/dash/{pb}.mpd", HandlePreflight);
  router.Add("OPTIONS", std::string(kTimeRoute), HandlePreflight);
  router.Add("OPTIONS", "/hls/{pb}.m3u8", HandlePreflight);
  router.Add("OPTIONS", "/hls/{pb}/{rest...}", HandlePreflight);
}

void RegisterPlaybackRoutes(net::HttpRouter& router, PlaybackLookup lookup) {
  RegisterPlaybackRoutes(router, std::move(lookup), PlaybackRouteOptions{});
}

}  // namespace steadycast::deliver
