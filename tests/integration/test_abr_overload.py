"""Overload: three live streams with the default ladder, each a 1280x720 30 fps RTMP
source (ffmpeg, -re), on a 2-core machine, server with `--transcode-preset veryfast`: three
ladders of 720p/480p/360p/240p at veryfast need several times the CPU the machine has, so
the overload is real, not simulated (the publishers' own x264 runs at ultrafast to leave the
server most of the machine). Over ~40 s of publishing:
- the watchdog degrades (faster presets, then paused top rungs) and at least one
  `live_stream.health_changed` event with a reason is in the outbox;
- the server's RSS (VmRSS, sampled every 0.5 s) stays under RSS_LIMIT_MB (why: see below);
- every rendition of every stream that is not paused keeps getting new segments; a paused
  one stays in the master and its playlist keeps advancing with EXT-X-GAP entries; a
  rendition that resumed (when the load allowed it) continues, without EXT-X-DISCONTINUITY,
  with segments that decode without an error line;
- the last ~6 s of each stream's lowest rendition (240p) decode with `ffmpeg -v error` with
  zero error lines.
Prints DEGRADED_STREAMS, HEALTH_EVENTS, RESUMED_RENDITIONS and MAX_RSS_MB.

RSS bound: per stream the transcoder holds at most ~2 × 8 decoded 720p pictures per rendition
queue (shared, ~1.4 MB each), a 32 MiB decode queue bound, x264 lookahead buffers per encoder
(a few tens of MB at 720p) and the segment windows (a few MB); measured here (three ladders,
2 cores, this test): see MAX_RSS_MB in the log, about 0.5 GB. 1.5 GB leaves room for a slower
machine without hiding a leak that grows with time (a leak of one picture per frame would pass
1.5 GB within ~15 s at 720p30 per stream)."""

import os
import re
import subprocess
import tempfile
import threading
import time
import urllib.parse

from harness import Server, count_decoded_frames, log, run_test
from reconnect_helpers import fetch, get_playlist, outbox

STREAMS = 3
PUBLISH_SECONDS = 50
RSS_LIMIT_MB = 1500
RENDITIONS = ["src", "720p", "480p", "360p", "240p"]


def publisher_args(url, seconds):
    return ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re",
            "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-g", "60",
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k", "-f", "flv", url]


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0


class RssSampler:
    def __init__(self, pid):
        self.pid, self.max_mb, self.samples = pid, 0.0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                self.max_mb = max(self.max_mb, rss_mb(self.pid))
                self.samples += 1
            except OSError:
                return
            self._stop.wait(0.5)

    def stop(self):
        self._stop.set()
        self._thread.join()


def parse_media(text):
    """[{uri, number, duration, gap, map}] in playlist order (EXT-X-GAP marks an entry)."""
    out, gap, init, duration = [], False, None, None
    for line in text.splitlines():
        if line == "#EXT-X-GAP":
            gap = True
        elif line.startswith("#EXT-X-MAP:"):
            init = re.search(r'URI="([^"]+)"', line).group(1)
        elif line.startswith("#EXTINF:"):
            duration = float(line[8:].split(",")[0])
        elif line and not line.startswith("#"):
            number = int(re.search(r"seg(\d+)\.m4s", line).group(1))
            out.append({"uri": line, "number": number, "duration": duration, "gap": gap,
                        "map": init})
            gap, duration = False, None
    return out


def snapshot(server, stream):
    """{rendition: (newest real segment number, newest listed number, playlist text)}."""
    pb = stream["playback_ids"][0]["id"]
    out = {}
    for name in RENDITIONS:
        code, text = get_playlist(server, f"/hls/{pb}/{name}/index.m3u8")
        assert code == 200, (name, code)
        entries = parse_media(text)
        real = [e["number"] for e in entries if not e["gap"]]
        out[name] = (max(real) if real else None, entries[-1]["number"] if entries else None,
                     text)
    return out


def decode_entries(server, path, entries, workdir, tag):
    """Downloads `entries` (real segments of one media playlist) and their init segments into
    `workdir` and decodes them as one finished playlist: (frames, expected frames, errors)."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-TARGETDURATION:10",
             "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-PLAYLIST-TYPE:VOD"]
    current_map = None
    for e in entries:
        for uri in {e["map"], e["uri"]}:
            local = os.path.join(workdir, f"{tag}-{os.path.basename(uri)}")
            if not os.path.exists(local):
                code, body = fetch(server, urllib.parse.urljoin(path, uri))
                assert code == 200, (uri, code)
                with open(local, "wb") as f:
                    f.write(body)
        if e["map"] != current_map:
            lines.append(f'#EXT-X-MAP:URI="{tag}-{os.path.basename(e["map"])}"')
            current_map = e["map"]
        lines += [f"#EXTINF:{e['duration']:.3f},", f"{tag}-{os.path.basename(e['uri'])}"]
    playlist = os.path.join(workdir, f"{tag}.m3u8")
    with open(playlist, "w") as f:
        f.write("\n".join(lines + ["#EXT-X-ENDLIST", ""]))
    frames, errors = count_decoded_frames(playlist)
    expected = round(sum(e["duration"] for e in entries) * 30)
    return frames, expected, errors


def decode_tail(server, stream, name, workdir, segments=3):
    """Decodes the newest `segments` real segments (~6 s) of a rendition."""
    path = f"/hls/{stream['playback_ids'][0]['id']}/{name}/index.m3u8"
    code, text = get_playlist(server, path)
    assert code == 200, (path, code)
    entries = [e for e in parse_media(text) if not e["gap"]][-segments:]
    assert len(entries) == segments, (name, text)
    return decode_entries(server, path, entries, workdir, f"{stream['id']}-{name}-tail")


def check_resumed(server, stream, workdir):
    """A rendition that resumed (real segments after EXT-X-GAP entries) continues with
    segments that decode without an error line, missing no more frames than the transcoder
    dropped to keep up (frames_dropped in the health after the end: an overloaded rung keeps
    dropping from its queue after it resumed). Returns the names of those renditions."""
    resumed = []
    # ENDLIST comes after the drain; the health's figures are then those at its end.
    deadline = time.time() + 20
    while "#EXT-X-ENDLIST" not in get_playlist(
            server, f"/hls/{stream['playback_ids'][0]['id']}/240p/index.m3u8")[1]:
        assert time.time() < deadline, "no ENDLIST 20 s after the publisher left"
        time.sleep(0.2)
    final = server.api("GET", f"/v1/live-streams/{stream['id']}/health")["data"]
    dropped = {r["name"]: r.get("frames_dropped", 0) for r in final["renditions"]}
    for name in RENDITIONS[1:]:
        path = f"/hls/{stream['playback_ids'][0]['id']}/{name}/index.m3u8"
        code, text = get_playlist(server, path)
        assert code == 200, (path, code)
        entries = parse_media(text)
        gaps = [i for i, e in enumerate(entries) if e["gap"]]
        after = entries[gaps[-1] + 1:] if gaps else []
        if not after:
            continue
        assert "#EXT-X-DISCONTINUITY\n" not in text, (name, text)  # same config: no break
        frames, expected, errors = decode_entries(server, path, after, workdir,
                                                  f"{stream['id']}-{name}-resumed")
        log(f"{stream['id']} {name} resumed: {len(after)} segments after the gap, {frames} "
            f"frames of {expected} ({dropped.get(name, 0)} dropped in the broadcast), "
            f"errors {errors[:3]}")
        assert errors == [], (name, errors[:5])
        assert frames > 0 and frames >= expected - 2 - dropped.get(name, 0), \
            (name, frames, expected, dropped)
        resumed.append(name)
    return resumed


def test_abr_overload():
    started = time.time()
    with Server("--transcode-preset", "veryfast", "--api-rate-limits", "false",
                "--hls-playlist-segments", "10") as server, \
            tempfile.TemporaryDirectory() as workdir:
        sampler = RssSampler(server.proc.pid)
        streams = [server.create_stream(ladder="default") for _ in range(STREAMS)]
        publishers = [subprocess.Popen(publisher_args(server.rtmp_url(s["stream_key"]),
                                                      PUBLISH_SECONDS),
                                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                      for s in streams]
        try:
            for s in streams:
                server.wait_for_playlist(s, timeout=40)
            publish_start = time.time()
            time.sleep(18)
            first = [snapshot(server, s) for s in streams]
            time.sleep(max(0.0, publish_start + 32 - time.time()))
            healths = [server.api("GET", f"/v1/live-streams/{s['id']}/health")["data"]
                       for s in streams]
            # A rung paused just before the health was read lists its first EXT-X-GAP entry
            # at the next segment boundary (≤ one target duration later): the playlists are
            # read after that.
            time.sleep(2.5)
            last = [snapshot(server, s) for s in streams]
            tails = [decode_tail(server, s, "240p", workdir) for s in streams]
        finally:
            for p in publishers:
                if p.poll() is None:
                    p.terminate()
                p.wait(timeout=20)
            sampler.stop()
        time.sleep(2)  # the broadcasts end (reconnect_window 0): last segments published
        resumed = [n for s in streams for n in check_resumed(server, s, workdir)]
        events = []
        for s in streams:
            events += [(s["id"], row) for row in outbox(server.data_dir, s["id"])
                       if row[0] == "live_stream.health_changed"]

        degraded = 0
        for s, h, a, b in zip(streams, healths, first, last):
            d = h["degradation"]
            log(f"{s['id']}: degradation level {d['level']} ({d['reason']}), paused "
                f"{d['paused_renditions']}, presets "
                f"{[(r['name'], r.get('preset')) for r in h['renditions']]}")
            degraded += d["level"] > 0
            paused = {r["name"] for r in h["renditions"] if r["paused"]}
            assert paused == set(d["paused_renditions"]), (paused, d)
            assert "240p" not in paused and "src" not in paused, d
            master = server.wait_for_playlist(s)
            for name in RENDITIONS:
                assert f"{name}/index.m3u8" in master, (name, master)  # variants stay listed
                real_a, listed_a, _ = a[name]
                real_b, listed_b, text_b = b[name]
                log(f"  {name}: newest segment {real_a} → {real_b}, listed {listed_a} → "
                    f"{listed_b}{' (paused)' if name in paused else ''}")
                assert listed_b is not None and listed_a is not None and listed_b > listed_a, \
                    (s["id"], name, listed_a, listed_b)
                if name in paused:
                    assert "#EXT-X-GAP" in text_b, (name, text_b)
                else:
                    assert real_b is not None and (real_a is None or real_b > real_a), \
                        (s["id"], name, real_a, real_b, text_b)
        for (frames, expected, errors), s in zip(tails, streams):
            log(f"{s['id']} 240p tail: {frames} frames decoded of {expected}, errors {errors[:3]}")
            assert errors == [], errors[:5]
            assert frames >= expected - 2, (frames, expected)
        for stream_id, (_, seq, data) in events:
            at = data.find('"health"')
            log(f"{stream_id} #{seq}: {data[at:at + 300]}")
        assert events, "no live_stream.health_changed event"
        assert any('"reasons":["' in data for _, (_, _, data) in events), events
        log(f"DEGRADED_STREAMS {degraded}/{STREAMS}")
        log(f"HEALTH_EVENTS {len(events)}")
        log(f"RESUMED_RENDITIONS {len(resumed)} {resumed}")
        log(f"MAX_RSS_MB {sampler.max_mb:.0f} ({sampler.samples} samples)")
        assert degraded >= 1
        assert sampler.max_mb < RSS_LIMIT_MB, sampler.max_mb
        log(f"test time {time.time() - started:.0f} s")


if __name__ == "__main__":
    run_test(test_abr_overload)
