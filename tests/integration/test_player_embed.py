"""Embedding on another origin: a page served by a second HTTP server (another port, so
another origin) imports the player module from steadycast (`/player/steadycast-player.js`;
hls.js and the stylesheet are resolved next to it, `/vendor/` and `/player/` answer with CORS
`*`) and frames `/play/ID?muted=1` in an <iframe allow="autoplay; fullscreen"> (the player page
may be framed by anyone). Both play in Chromium; the module's stylesheet is the server's; no
request is blocked and no uncaught exception occurs. Beacons go to the stream's server."""

import http.server
import json
import os
import subprocess
import threading

from harness import Server, log, run_test
from reconnect_helpers import rtmp_publisher
from test_player_support import BROWSER_DIR, server_args

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>an embedding site</title></head>
<body>
<h1>Somebody else's page</h1>
<video id="v" width="640" playsinline></video>
<iframe src="{base}/play/{pb}?muted=1" width="640" height="360" allow="autoplay; fullscreen"
        style="border:0"></iframe>
<script type="module">
  import {{ createPlayer }} from '{base}/player/steadycast-player.js';
  window.steadycastPlayer = createPlayer(document.getElementById('v'),
                                         {{ src: '{base}/hls/{pb}.m3u8', muted: true }});
</script>
</body></html>
"""


def embedding_site(html):
    """A second origin serving one page; returns (server, url)."""
    body = html.encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    return site, f"http://127.0.0.1:{site.server_address[1]}/embed.html"


def test_player_embed():
    with Server(*server_args()) as server:
        stream = server.create_stream()
        pb = stream["playback_ids"][0]["id"]
        publisher = rtmp_publisher(server, stream["stream_key"])
        site, url = embedding_site(PAGE.format(base=server.url(""), pb=pb))
        try:
            server.wait_for_playlist(stream, timeout=20)
            proc = subprocess.run(["node", os.path.join(BROWSER_DIR, "player_embed.mjs"), url],
                                  capture_output=True, text=True, timeout=90)
        finally:
            site.shutdown()
            publisher.close()
        lines = [l for l in proc.stdout.splitlines() if l.startswith("{")]
        assert lines, proc.stderr[-3000:]
        result = json.loads(lines[-1])
        shown = {k: result.get(k) for k in ("module", "iframe", "beacon_count")}
        log(f"embed: {json.dumps(shown)}")
        assert result["ok"], (result.get("exception"), proc.stderr[-3000:])
        assert result["module"]["origin"] != server.url("").rstrip("/")
        assert result["module"]["stylesheets"] == [server.url("/player/steadycast-player.css")]
        assert result["module"]["root_styled"] == "rgb(0, 0, 0)", result["module"]
        assert result["module"]["engine"].startswith("hls.js"), result["module"]
        assert result["iframe"]["origin"] == server.url("").rstrip("/"), result["iframe"]
        assert result["failed_requests"] == [], result["failed_requests"]
        assert result["page_errors"] == [], result["page_errors"]
        assert result["beacon_count"] >= 2, result["beacon_count"]  # one per player at least


if __name__ == "__main__":
    run_test(test_player_embed)
