"""Paces one pre-encoded FLV in real time into several streams at once, each stream to two
servers (the same tag goes to both sockets back to back, in alternating order). One process
serves a group of streams so that a 30-stream run needs a few processes, not 60.

Usage: python3 pace_streams.py FLV
  stdin, one line per stream: "INDEX OFFSET_S URL_A URL_B" then an empty line; the process
  connects every publisher, prints "ready" and waits for one more line "T0 DEADLINE"
  (time.monotonic()): stream INDEX sends timestamp 0 at T0 + OFFSET_S and the file is looped
  (timestamps continue, the configuration tags are sent only once) until DEADLINE or SIGTERM.
  At the end it prints one JSON object: {"tags": N, "bytes": N, "late_ms_max": X,
  "late_ms_p99": X} (how far behind its due time a tag was sent).

The RTMP client is bench/latency/rtmp_publish.py (imported, not copied)."""

import heapq
import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "latency"))
import rtmp_publish  # noqa: E402

FRAME_MS = 1000 / 30
_stop = False


def _on_term(*_):
    global _stop
    _stop = True


def is_config(tag_type, body):
    """onMetaData and the AVC / AAC sequence headers: sent once, not on every loop."""
    if tag_type == rtmp_publish.MSG_DATA_AMF0:
        return True
    if tag_type == rtmp_publish.MSG_VIDEO:
        return len(body) > 1 and (body[0] & 0x0F) == 7 and body[1] == 0
    if tag_type == rtmp_publish.MSG_AUDIO:
        return len(body) > 1 and (body[0] >> 4) == 10 and body[1] == 0
    return False


def load(flv_path):
    """(config tags, media tags, loop length in ms). The loop length is one frame after the
    last video frame, so video stays evenly spaced across the seam; later tags are dropped."""
    with open(flv_path, "rb") as f:
        tags = list(rtmp_publish.read_flv_tags(f))
    config = [t for t in tags if is_config(t[0], t[2])]
    media = [t for t in tags if not is_config(t[0], t[2])]
    last_video = max(ts for kind, ts, _ in media if kind == rtmp_publish.MSG_VIDEO)
    loop_ms = int(round(last_video + FRAME_MS))
    media = [t for t in media if t[1] < loop_ms]
    return config, media, loop_ms


def main():
    config, media, loop_ms = load(sys.argv[1])
    streams = []
    for line in sys.stdin:
        if not line.strip():
            break
        index, offset, url_a, url_b = line.split()
        streams.append({"index": int(index), "offset": float(offset),
                        "pubs": [rtmp_publish.Publisher(url_a), rtmp_publish.Publisher(url_b)]})
    signal.signal(signal.SIGTERM, _on_term)
    print("ready", flush=True)
    t0, deadline = (float(x) for x in sys.stdin.readline().split())
    # Heap of (due, stream, position); position < 0 walks the config tags.
    heap = [(t0 + s["offset"], n, -len(config)) for n, s in enumerate(streams)]
    heapq.heapify(heap)
    late, sent_bytes, tags = [], 0, 0
    while heap and not _stop:
        due, n, pos = heapq.heappop(heap)
        if due > deadline:
            break
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        late.append(max(0.0, time.monotonic() - due) * 1000)
        s = streams[n]
        if pos < 0:
            kind, ts, body = config[len(config) + pos]
        else:
            loop, i = divmod(pos, len(media))
            kind, ts, body = media[i]
            ts += loop * loop_ms
        pubs = s["pubs"] if tags % 2 == 0 else s["pubs"][::-1]
        try:
            for p in pubs:
                p.send_tag(kind, ts, body)
        except (OSError, ConnectionError) as e:
            sys.exit(f"pace_streams: stream {s['index']}: {e}")
        tags += 1
        sent_bytes += len(body)
        pos += 1
        nxt = media[pos % len(media)]
        heapq.heappush(heap, (t0 + s["offset"] + ((pos // len(media)) * loop_ms + nxt[1]) / 1000
                              if pos >= 0 else due, n, pos))
    for s in streams:
        for p in s["pubs"]:
            p.close()
    late.sort()
    print(json.dumps({"tags": tags, "bytes": sent_bytes,
                      "late_ms_max": late[-1] if late else 0.0,
                      "late_ms_p99": late[int(0.99 * (len(late) - 1))] if late else 0.0}),
          flush=True)


if __name__ == "__main__":
    main()
