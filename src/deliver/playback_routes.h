#pragma once
// Playback HTTP routes (docs/contract.md "Playback"): HLS master playlist, media playlists, init
// segments and media segments served from a stream's StreamPackager.
//
//   GET|HEAD|OPTIONS /hls/{pb}.m3u8          master playlist
//   GET|HEAD|OPTIONS /hls/{pb}/{rest...}     "src/index.m3u8", "src/init.mp4", "src/seg7.m4s",
//                                            "audio/index.m3u8" (the separate audio rendition)
//   GET|HEAD|OPTIONS /dash/{pb}.mpd          dynamic DASH MPD over the same segments (BaseURL
//                                            "../hls/{pb}/"; a final snapshot once it ended)
//   GET|HEAD|OPTIONS /dash/time              the server's UTC time (ISO 8601, ms), the MPD's
//                                            UTCTiming source
//
// Status codes: unknown playback id → 404; known but nothing to play yet → 412 with
// Retry-After; a segment that left the window (or never existed) → 404. Errors are RFC 9457
// application/problem+json. Every response carries Access-Control-Allow-Origin: * (players run
// on other origins); OPTIONS answers CORS preflights with 204. Cache-Control: playlists
// "max-age=1" (RFC 8216 §6.2.2 live reloads), init/segments a day and immutable (their names
// are never reused), errors "no-cache" so caches do not pin a transient 412/404. HEAD gets the
// same headers as GET (the server sends Content-Length and no body).
//
// Signed playback ids (policy "signed") need `?token=JWT` on every request (master, media
// playlists, init, segments), checked by a PlaybackTokenVerifier for that playback id; missing
// or invalid → 403 problem+json (with CORS headers, so the player can read why). The check
// comes before the 412 "nothing to play yet" answer, so a stranger learns nothing about the
// stream's state. Playlists of a signed id carry the request's token on every relative URI
// (playlist_rewrite.h): players resolve relative URIs without the playlist's query, and the
// rewritten text is made per request, never cached across tokens. Public ids ignore a token.
//
// Cache-Control of signed ids is "private" (playlists "private, max-age=1", init/segments
// "private, max-age=86400, immutable"): a shared cache (CDN, proxy) keyed by URL would keep
// serving a segment after its token expired, with no origin check; the contract promises that
// an expired token gets 403. The viewer's own browser may still cache what it was allowed to
// fetch. Scaling signed playback through a CDN needs token checks at the edge (later).
//
// Handlers are stateless and thread-safe: they run on any HTTP worker thread and read the
// packager through its thread-safe reader methods; bodies are shared immutable buffers.

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "deliver/playback_token.h"
#include "net/http_router.h"
#include "package/stream_packager.h"

namespace steadycast::deliver {

struct PlaybackTarget {
  bool exists = false;  // the playback id belongs to a stream
  // The stream's packager; null before its first broadcast.
  std::shared_ptr<const package::StreamPackager> packager;
  // "public" or "signed" (docs/contract.md playback_ids[].policy). Anything else is refused (403):
  // an unknown policy fails closed.
  std::string policy = "public";
};

// Resolves a playback id; called on HTTP worker threads, so it must be thread-safe.
using PlaybackLookup = std::function<PlaybackTarget(std::string_view playback_id)>;

// Seconds a player is told to wait before asking again for a stream that has no segment yet.
inline constexpr int kRetryAfterSeconds = 1;

struct PlaybackRouteOptions {
  // Checks `?token=` of signed playback ids. Not owned: must outlive the router. Null: signed
  // ids are refused with 403 (fail closed, e.g. no signing key configured).
  const PlaybackTokenVerifier* token_verifier = nullptr;
  // The packagers' target segment duration (the MPD's update period and buffer figures).
  int64_t target_segment_ms = 2000;
};

// Registers the playback routes on `router` (at start-up, before serving).
void RegisterPlaybackRoutes(net::HttpRouter& router, PlaybackLookup lookup,
                            PlaybackRouteOptions options);
// Same, without a verifier: signed ids get 403.
void RegisterPlaybackRoutes(net::HttpRouter& router, PlaybackLookup lookup);

}  // namespace steadycast::deliver
