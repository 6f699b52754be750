"""Polls one HLS media playlist and records when each segment and each LL-HLS part first
appears. One process per playlist, so that pollers do not share a GIL.

Usage: python3 poll_playlist.py URL [FAST_MS [SLOW_MS]]
URL may be a master playlist: once it answers 200 the poller follows its first variant.

Polling every millisecond all the time would cost a core per poller on a 2-core machine and
slow the servers it measures, so the poller polls fast (every FAST_MS, default 1) only in a
window around the moments a segment can close, and every SLOW_MS (default 20) otherwise. The
moments come on stdin as one line "T0 PERIOD_S BEFORE_S AFTER_S": keyframes are written at
T0 + k * PERIOD_S (time.monotonic()), and the window runs from BEFORE_S before to AFTER_S
after each. Until that line arrives, and always once a playlist has #EXT-X-PART-INF (parts can
close at any frame), it polls fast.

Runs until SIGTERM, then prints one JSON object on stdout:
  {"segments": [{"msn", "duration", "seen", "asked", "prev_asked", "prev_seen"}, ...],
   "parts": [{"msn", "index", "duration", "independent", "seen", "asked", "prev_asked",
              "prev_seen"}, ...],
   "polls": N, "errors": N, "first_200": T, "url": MEDIA_PLAYLIST_URL, "part_inf": BOOL,
   "answer_ms": mean time from sending a request to having its whole answer}
Times are time.monotonic() (CLOCK_MONOTONIC, shared by every process on the machine):
`asked` when the request that first listed the item was sent, `seen` when its answer was read
whole; `prev_*` the same for the request before it, which did not list the item.
"""

import http.client
import json
import re
import select
import signal
import sys
import time
from urllib.parse import urljoin, urlparse

_stop = False


def _on_term(*_):
    global _stop
    _stop = True


def parse_playlist(text):
    """(media_sequence, [(msn, duration)], [(msn, index, duration, independent)]).
    Parts listed before a segment's URI belong to it; parts after the last URI belong to the
    segment being built (msn = last + 1)."""
    seq = 0
    segments, parts = [], []
    msn, part_index, pending_duration = None, 0, None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#EXT-X-MEDIA-SEQUENCE:"):
            seq = int(line.split(":", 1)[1])
            msn = seq
        elif line.startswith("#EXTINF:"):
            pending_duration = float(line.split(":", 1)[1].split(",")[0])
        elif line.startswith("#EXT-X-PART:"):
            attrs = dict(re.findall(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)', line[len("#EXT-X-PART:"):]))
            parts.append((msn if msn is not None else seq, part_index,
                          float(attrs.get("DURATION", "0")), attrs.get("INDEPENDENT") == "YES"))
            part_index += 1
        elif line and not line.startswith("#"):
            if msn is None:
                msn = seq
            segments.append((msn, pending_duration))
            msn += 1
            part_index, pending_duration = 0, None
    return seq, segments, parts


class Schedule:
    """Fast polling around keyframes (see the module comment)."""

    def __init__(self):
        self.t0 = None

    def read(self, line):
        t0, period, before, after = (float(x) for x in line.split())
        self.t0, self.period, self.before, self.after = t0, period, before, after

    def fast(self, now):
        if self.t0 is None:
            return True
        phase = (now - self.t0) % self.period
        return phase <= self.after or phase >= self.period - self.before


def main():
    url = sys.argv[1]
    fast_s = float(sys.argv[2]) / 1000 if len(sys.argv) > 2 else 0.001
    slow_s = float(sys.argv[3]) / 1000 if len(sys.argv) > 3 else 0.020
    u = urlparse(url)
    path = u.path + (f"?{u.query}" if u.query else "")
    signal.signal(signal.SIGTERM, _on_term)
    signal.signal(signal.SIGINT, _on_term)
    schedule = Schedule()
    stdin_open = True
    part_inf = False
    seen_segments, seen_parts = {}, {}
    polls = errors = 0
    answer_time = 0.0
    first_200 = None
    prev = None  # (asked, seen) of the previous answer
    conn = None
    while not _stop:
        asked = time.monotonic()
        try:
            if conn is None:
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=5)
            conn.request("GET", path)
            resp = conn.getresponse()
            body = resp.read()
            status = resp.status
        except (OSError, http.client.HTTPException):
            errors += 1
            if conn is not None:
                conn.close()
            conn = None
            time.sleep(0.01)
            continue
        seen = time.monotonic()
        polls += 1
        answer_time += seen - asked
        if status == 200:
            text = body.decode(errors="replace")
            if "#EXT-X-STREAM-INF" in text:  # a master playlist: follow its first variant
                uri = next(line for line in text.splitlines()
                           if line.strip() and not line.startswith("#"))
                url = urljoin(url, uri.strip())
                u2 = urlparse(url)
                path = u2.path + (f"?{u2.query}" if u2.query else "")
                continue
            if first_200 is None:
                first_200 = seen
            part_inf = part_inf or "#EXT-X-PART-INF" in text
            _, segments, parts = parse_playlist(text)
            stamp = {"seen": seen, "asked": asked, "prev_asked": prev[0] if prev else None,
                     "prev_seen": prev[1] if prev else None}
            for msn, duration in segments:
                if msn not in seen_segments:
                    seen_segments[msn] = {"msn": msn, "duration": duration, **stamp}
            for msn, index, duration, independent in parts:
                if (msn, index) not in seen_parts:
                    seen_parts[(msn, index)] = {"msn": msn, "index": index, "duration": duration,
                                                "independent": independent, **stamp}
        prev = (asked, seen)
        now = time.monotonic()
        step = fast_s if part_inf or schedule.fast(now) else slow_s
        pause = max(0.0, asked + step - now)
        if stdin_open:
            ready, _, _ = select.select([sys.stdin], [], [], pause)
            if ready:
                line = sys.stdin.readline()
                if line.strip():
                    schedule.read(line)
                else:
                    stdin_open = False
        elif pause > 0:
            time.sleep(pause)
    json.dump({"segments": sorted(seen_segments.values(), key=lambda s: s["msn"]),
               "parts": sorted(seen_parts.values(), key=lambda p: (p["msn"], p["index"])),
               "polls": polls, "errors": errors, "first_200": first_200, "url": url,
               "part_inf": part_inf, "answer_ms": 1000 * answer_time / max(1, polls)},
              sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
