"""HLS viewers for the passthrough bench: one thread per stream and server that, once a
second, fetches the media playlist and the newest segment it lists (and the init segment once,
when the playlist names one), over one keep-alive connection. This makes both servers do
their serving work; it does not measure anything about them.

Usage: python3 poll_streams.py PLAYLIST_URL...
Runs until SIGTERM, then prints one JSON object: {"requests": N, "errors": N, "bytes": N}."""

import http.client
import json
import signal
import sys
import threading
import time
from urllib.parse import urljoin, urlparse

_stop = threading.Event()
_lock = threading.Lock()
_totals = {"requests": 0, "errors": 0, "bytes": 0}


def _count(**delta):
    with _lock:
        for key, value in delta.items():
            _totals[key] += value


class Viewer:
    def __init__(self, url):
        self.url = url
        self.conn = None
        self.init_fetched = False

    def get(self, url):
        u = urlparse(url)
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=5)
            self.conn.request("GET", u.path + (f"?{u.query}" if u.query else ""))
            resp = self.conn.getresponse()
            body = resp.read()
        except (OSError, http.client.HTTPException):
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            _count(requests=1, errors=1)
            return None
        _count(requests=1, bytes=len(body), errors=0 if resp.status == 200 else 1)
        return body if resp.status == 200 else None

    def poll_once(self):
        body = self.get(self.url)
        if body is None:
            return
        text = body.decode(errors="replace")
        if "#EXT-X-STREAM-INF" in text:  # a master playlist: follow its first variant
            uri = next((ln for ln in text.splitlines() if ln and not ln.startswith("#")), None)
            if uri:
                self.url = urljoin(self.url, uri.strip())
            return
        if not self.init_fetched:
            for line in text.splitlines():
                if line.startswith("#EXT-X-MAP:") and 'URI="' in line:
                    self.get(urljoin(self.url, line.split('URI="', 1)[1].split('"', 1)[0]))
                    self.init_fetched = True
                    break
        uris = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
        if uris:
            self.get(urljoin(self.url, uris[-1]))

    def run(self, phase):
        next_poll = time.monotonic() + phase
        while not _stop.wait(max(0.0, next_poll - time.monotonic())):
            self.poll_once()
            next_poll += 1.0


def main():
    urls = sys.argv[1:]
    signal.signal(signal.SIGTERM, lambda *_: _stop.set())
    threads = [threading.Thread(target=Viewer(u).run, args=(i / max(1, len(urls)),), daemon=True)
               for i, u in enumerate(urls)]
    for t in threads:
        t.start()
    while not _stop.is_set():
        _stop.wait(0.5)
    for t in threads:
        t.join(timeout=6)
    print(json.dumps(_totals), flush=True)


if __name__ == "__main__":
    main()
