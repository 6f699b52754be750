#pragma once
// The web app (dashboard) and the player, on the same origin as the API:
//
//   GET /                     the dashboard (web/dashboard/index.html)
//   GET /app/{file...}        the dashboard's modules and styles (web/dashboard/...)
//   GET /play/{playback_id}   the player page, embeddable in an <iframe> (web/player/play.html;
//                             the page reads the id, ?token= and ?muted=1 from its own URL)
//   GET /player/{file...}     the player ES module and its styles (web/player/...), CORS *
//   GET /vendor/{file}        hls.js (ESM) and uPlot, from the pinned npm packages, CORS *
//
// Files are the ones compiled into the binary (web_assets.h), or, with `web_dir` set (a
// development setting: the repository root), read from disk at every request so an edited
// page shows on reload. Responses carry a strong ETag and "Cache-Control: no-cache" (a
// browser revalidates and gets 304 until the binary changes), gzip when the client accepts
// it, nosniff, and a Content-Security-Policy: the dashboard may not be framed; the player
// page may be framed by anyone.

#include <string>

#include "net/http_router.h"

namespace steadycast::deliver {

struct WebRouteOptions {
  std::string web_dir;  // empty: serve the embedded files
};

void RegisterWebRoutes(net::HttpRouter& router, WebRouteOptions options);

}  // namespace steadycast::deliver
