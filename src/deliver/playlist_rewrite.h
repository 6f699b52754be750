#pragma once
// Adds a query parameter to every relative URI of an HLS playlist (RFC 8216 §4.1 lines, §4.2
// quoted-string attributes), so that a signed playback token reaches the media playlists,
// init segments and media segments a player resolves from it. A relative reference replaces
// the query of its base URL (RFC 3986 §5.2.2), so without this rewrite a player would fetch
// "src/index.m3u8" without the token of "/hls/pb.m3u8?token=...".
//
// Rewritten: URI lines (every non-blank line not starting with '#') and every URI="..."
// attribute of an "#EXT" tag, whichever the tag: what package/playlist.h renders is EXT-X-MAP,
// EXT-X-MEDIA (the master's audio rendition), and for low latency EXT-X-PART,
// EXT-X-PRELOAD-HINT (TYPE=PART and TYPE=MAP) and EXT-X-RENDITION-REPORT (RFC 8216bis §4.4.4.9,
// §4.4.5.3, §4.4.5.4). Every one of those resources is fetched from this origin and needs the
// token: a preload hint's request must match the later EXT-X-PART URI, and a player matches a
// rendition report to the playlist URL it is about to load (token included). Left alone:
// comments, blank lines, other attributes (quoted or not, even one holding "URI="), and URIs
// with a scheme ("https://cdn/...") or an authority ("//host/..."): the token is never handed
// to another origin. The parameter goes before any fragment, after '&' if a query exists.
// Line endings (LF or CRLF) are kept.
//
// Pure function over playlist text our packager rendered; safe on any input (no allocation
// beyond the output). Thread-safe.

#include <string>
#include <string_view>

namespace steadycast::deliver {

// RFC 3986 §2.1 percent-encoding of everything but the unreserved characters (§2.3).
std::string PercentEncodeQueryValue(std::string_view value);

// `playlist` with "name=percent-encoded(value)" added to each relative URI.
std::string AddQueryToPlaylistUris(std::string_view playlist, std::string_view name,
                                   std::string_view value);

}  // namespace steadycast::deliver
