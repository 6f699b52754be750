#include "deliver/playback_routes.h"

#include <fmt/format.h>

#include <string>
#include <utility>

#include "deliver/byte_range.h"

namespace steadycast::deliver {
namespace {

constexpr std::string_view kPlaylistType = "application/vnd.apple.mpegurl";
constexpr std::string_view kPlaylistCache = "public, max-age=1";
constexpr std::string_view kImmutableCache = "public, max-age=86400, immutable";
constexpr std::string_view kErrorCache = "no-cache";
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

// 404 / 412 for a playback id that cannot be played now; nullptr-free packager otherwise.
std::shared_ptr<const package::StreamPackager> Resolve(const PlaybackLookup& lookup,
                                                       std::string_view playback_id,
                                                       net::HttpResponse& error) {
  if (!IsPlausiblePlaybackId(playback_id)) {
    error = Problem(404, "unknown playback id");
    return nullptr;
  }
  PlaybackTarget target = lookup(playback_id);
  if (!target.exists) {
    error = Problem(404, "unknown playback id");
    return nullptr;
  }
  if (!target.packager || !target.packager->HasSegments()) {
    error = Problem(412, "the stream has no segment yet; retry shortly");
    return nullptr;
  }
  return std::move(target.packager);
}

// 200, or 206/416 for a Range request on an immutable resource.
net::HttpResponse ServeResource(const package::Resource& resource, std::string_view range_header) {
  net::HttpResponse response;
  if (!resource.immutable) {
    response.Body(resource.body, resource.content_type);
    response.Header("Cache-Control", std::string(kPlaylistCache));
    return WithCors(std::move(response));
  }
  const uint64_t size = resource.body.size();
  const ByteRange range = ParseByteRange(range_header, size);
  if (range.kind == ByteRange::Kind::kUnsatisfiable) {
    response = Problem(416, "range not satisfiable");
    response.Header("Content-Range", fmt::format("bytes */{}", size));
    return response;
  }
  if (range.kind == ByteRange::Kind::kSatisfiable) {
    response.status = 206;
    response.Body(resource.body.Slice(range.first, range.last - range.first + 1),
                  resource.content_type);
    response.Header("Content-Range", fmt::format("bytes {}-{}/{}", range.first, range.last, size));
  } else {
    response.Body(resource.body, resource.content_type);
  }
  response.Header("Accept-Ranges", "bytes");
  response.Header("Cache-Control", std::string(kImmutableCache));
  return WithCors(std::move(response));
}

void HandleMaster(const PlaybackLookup& lookup, const net::HttpRequest& request,
                  const net::HttpResponder& respond) {
  const std::string_view playback_id = request.Param("pb");
  net::HttpResponse error;
  auto packager = Resolve(lookup, playback_id, error);
  if (!packager) return respond(std::move(error));
  std::optional<std::string> master = packager->MasterPlaylist(playback_id);
  if (!master) return respond(Problem(412, "the stream has no segment yet; retry shortly"));
  net::HttpResponse response;
  response.Text(*master, std::string(kPlaylistType));
  response.Header("Cache-Control", std::string(kPlaylistCache));
  respond(WithCors(std::move(response)));
}

void HandleResource(const PlaybackLookup& lookup, const net::HttpRequest& request,
                    const net::HttpResponder& respond) {
  net::HttpResponse error;
  auto packager = Resolve(lookup, request.Param("pb"), error);
  if (!packager) return respond(std::move(error));
  std::optional<package::Resource> resource = packager->Lookup(request.Param("rest"));
  if (!resource) return respond(Problem(404, "no such playlist or segment (it may have expired)"));
  respond(ServeResource(*resource, request.Header("range")));
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

void RegisterPlaybackRoutes(net::HttpRouter& router, PlaybackLookup lookup) {
  auto shared = std::make_shared<const PlaybackLookup>(std::move(lookup));
  for (const char* method : {"GET", "HEAD"}) {
    router.Add(method, "/hls/{pb}.m3u8",
               [shared](const net::HttpRequest& request, net::HttpResponder respond) {
                 HandleMaster(*shared, request, respond);
               });
    router.Add(method, "/hls/{pb}/{rest...}",
               [shared](const net::HttpRequest& request, net::HttpResponder respond) {
                 HandleResource(*shared, request, respond);
               });
  }
  router.Add("OPTIONS", "/hls/{pb}.m3u8", HandlePreflight);
  router.Add("OPTIONS", "/hls/{pb}/{rest...}", HandlePreflight);
}

}  // namespace steadycast::deliver
