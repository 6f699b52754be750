#pragma once
// gzip content coding of playlist answers (HLS master and media playlists, LL-HLS blocking and
// delta answers, the DASH MPD). Apple's HLS authoring specification (§10.1) requires playlists
// to be compressed for clients that accept gzip; playlists are text that compresses 4–8×, and
// LL-HLS clients reload them several times per second. Media segments, parts and init segments
// are never compressed here: they are already compressed and served by byte range.
//
// One place for the whole negotiation: the playback routes wrap their responder with
// `GzipPlaylistAnswers`, so every answer on a playlist URL — immediate, or later from the
// blocking-wait thread — goes through the same rules:
//   - `Vary: Accept-Encoding` on every answer to a playlist URL (errors too), so a shared cache
//     never hands a gzip body to a client that did not ask for one;
//   - 200 answers with a playlist or MPD content type get `Content-Encoding: gzip` when
//     `AcceptsGzip` says so; the body is the compressed one, so Content-Length (written by the
//     HTTP server from the body) is right, and HEAD (which runs the GET handler) agrees.
//
// Compressed bodies are kept in a small cache keyed by the exact text, shared by all requests
// (thread-safe): every viewer of a playlist snapshot gets the same bytes from one deflate run.
// Signed playlists differ per token and simply miss it.

#include <string_view>

#include "base/buffer.h"
#include "base/status.h"
#include "net/http_types.h"

namespace steadycast::deliver {

// RFC 9110 §12.5.3: whether `accept_encoding` (the header value, "" when absent) accepts gzip.
// "gzip" or "x-gzip" with a qvalue > 0 (default 1) does; an explicit q=0 refuses it even when
// "*" is there; "*" with q > 0 stands for gzip when gzip is not named. An absent or empty
// header means identity only (§12.5.3: no preference; we do not guess). Case-insensitive.
bool AcceptsGzip(std::string_view accept_encoding);

// A gzip member (RFC 1952) holding `bytes`, deflated at `level` (1–9).
base::Result<base::Buffer> GzipCompress(std::string_view bytes, int level);

// The deflate level used for playlists: text this small gains little from higher levels, and
// every level above ~6 costs more CPU per answer for under 1 % smaller bodies.
inline constexpr int kPlaylistGzipLevel = 5;

// Applies the rules above to `response` (an answer to a playlist URL) for a request whose
// Accept-Encoding is `accept_encoding`. On a compression failure the body stays as it is.
void GzipPlaylistAnswer(net::HttpResponse& response, std::string_view accept_encoding);

// `respond` wrapped so that every answer goes through GzipPlaylistAnswer first.
net::HttpResponder GzipPlaylistAnswers(const net::HttpRequest& request, net::HttpResponder respond);

}  // namespace steadycast::deliver
