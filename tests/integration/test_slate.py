"""The slate through the reconnect window, end to end over RTMP with the default
ladder (640x360 source → src + 360p + 240p). An ffmpeg publisher is killed with SIGKILL after
8 s: within ~1 s the health reports the slate on the air, and for the next 8 s every rendition
keeps getting new segments that decode with zero error lines and show the dark slate card
(mean luma far below the test pattern's). A new publisher with the same key comes back: every
rendition — the audio rendition included — lists EXT-X-DISCONTINUITY at the same segments
(the passthrough's encoding changes at the slate switches, and matching content keeps matching
discontinuity sequences), every rendition has the same segment numbers with durations equal
within one frame, and the whole
window of every rendition decodes without an error line. Prints SLATE_SECONDS (kill → slate
segments listed) and RESUME_SECONDS (publisher restarted → first new source segment listed).
A second stream with `slate: false` keeps the previous behaviour: no new segments while
reconnecting."""

import os
import re
import subprocess
import tempfile
import time
import urllib.parse

from harness import Server, log, run_test
from reconnect_helpers import (FPS, assert_window_decodes, decode_window, fetch, get_playlist,
                               parse_segments, rtmp_publisher, wait_status)
from srt_helpers import health, wait_until


def rendition_paths(server, stream):
    master = server.wait_for_playlist(stream, timeout=30)
    base = f"/hls/{stream['playback_ids'][0]['id']}.m3u8"
    names = [l for l in master.splitlines() if l and not l.startswith("#")]
    return {n.split("/")[-2]: urllib.parse.urljoin(base, n) for n in names}


def segments_of(server, path):
    code, text = get_playlist(server, path)
    assert code == 200, (path, code)
    return text, parse_segments(text)


def discontinuity_tags(text):
    return len(re.findall(r"^#EXT-X-DISCONTINUITY$", text, re.M))


def discontinuous_segments(text):
    """The segment names that follow an EXT-X-DISCONTINUITY tag."""
    names, pending = set(), False
    for line in text.splitlines():
        if line == "#EXT-X-DISCONTINUITY":
            pending = True
        elif line and not line.startswith("#"):
            if pending:
                names.add(line.rsplit("/", 1)[-1].split("?")[0])
            pending = False
    return names


def listed_names(text):
    return {l.rsplit("/", 1)[-1].split("?")[0] for l in text.splitlines()
            if l and not l.startswith("#")}


def mean_luma(server, path, segment, workdir):
    """Mean luma of the first picture of `segment` (init + segment decoded by ffmpeg)."""
    blob = os.path.join(workdir, "probe.mp4")
    with open(blob, "wb") as f:
        for uri in (segment["map"], segment["uri"]):
            code, body = fetch(server, urllib.parse.urljoin(path, uri))
            assert code == 200, (uri, code)
            f.write(body)
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", blob, "-frames:v", "1", "-f", "rawvideo",
                          "-pix_fmt", "gray", "-"], capture_output=True, timeout=30).stdout
    assert out, "no picture decoded"
    return sum(out) / len(out)


def test_slate():
    with Server("--api-rate-limits", "false", "--hls-playlist-segments", "10") as server, \
            tempfile.TemporaryDirectory() as workdir:
        stream = server.create_stream(reconnect_window=60, ladder="default")
        sid, key = stream["id"], stream["stream_key"]

        # 1. Eight seconds of broadcast, then the publisher dies.
        first = rtmp_publisher(server, key)
        paths = rendition_paths(server, stream)
        assert sorted(paths) == ["240p", "360p", "src"], paths
        wait_status(server, sid, "active", 10)
        time.sleep(max(0.0, first.started + 8 - time.time()))
        source_luma = mean_luma(server, paths["360p"], segments_of(server, paths["360p"])[1][-1],
                                workdir)
        known = {name: {s["uri"] for s in segments_of(server, p)[1]} for name, p in paths.items()}
        first.kill9()
        killed = time.time()
        wait_status(server, sid, "reconnecting", 5)
        wait_until(lambda: health(server, sid)["slate"]["active"], 5, what="slate on the air")
        log(f"SLATE_ACTIVE_SECONDS={time.time() - killed:.2f}")

        # 2. The slate keeps every rendition going; it decodes and it is the dark card.
        def all_have_new(count):
            return all(len([s for s in segments_of(server, p)[1] if s["uri"] not in known[n]])
                       >= count for n, p in paths.items())
        wait_until(lambda: all_have_new(1), 10, what="slate segments in every rendition")
        log(f"SLATE_SECONDS={time.time() - killed:.2f} (kill -9 → slate segment listed)")
        time.sleep(max(0.0, killed + 8 - time.time()))
        assert all_have_new(3), {n: segments_of(server, p)[1][-3:] for n, p in paths.items()}
        for name, path in paths.items():
            text, segments = segments_of(server, path)
            slate_segment = segments[-1]
            luma = mean_luma(server, path, slate_segment, workdir)
            log(f"{name}: source luma {source_luma:.0f}, slate luma {luma:.0f}")
            assert luma < 60 < source_luma, (name, luma, source_luma)
            result = decode_window(server, path, workdir)
            assert_window_decodes(result, f"{name} during the slate")
        assert status_of(server, sid) == "reconnecting"

        # 3. The publisher returns: one timeline for the transcoded renditions.
        at_return = {name: {s["uri"] for s in segments_of(server, p)[1]} for name, p in
                     paths.items()}
        second = rtmp_publisher(server, key)
        wait_status(server, sid, "active", 10)

        def source_is_back():
            return segments_of(server, paths["360p"])[1] and mean_luma(
                server, paths["360p"], segments_of(server, paths["360p"])[1][-1], workdir) > 60
        wait_until(source_is_back, 15, interval=0.3, what="the source back in 360p")
        log(f"RESUME_SECONDS={time.time() - second.started:.2f} (restart → source segment)")
        time.sleep(6)
        windows = {}
        texts = {}
        for name, path in paths.items():
            text, segments = segments_of(server, path)
            windows[name] = segments
            texts[name] = text
            result = decode_window(server, path, workdir)
            assert_window_decodes(result, f"{name} across the return")
        # Discontinuities at the same segments everywhere, the audio rendition included.
        audio_path = paths["src"].rsplit("/", 2)[0] + "/audio/index.m3u8"
        code, texts["audio"] = get_playlist(server, audio_path)
        assert code == 200, (audio_path, code)
        common = set.intersection(*(listed_names(t) for t in texts.values()))
        marks = {n: discontinuous_segments(t) & common for n, t in texts.items()}
        log(f"discontinuities (common window): {marks}")
        assert marks["src"], texts["src"]
        for name, found in marks.items():
            assert found == marks["src"], (name, found, marks["src"])
        # The same numbers everywhere, durations equal within a frame.
        numbers = {n: [s["uri"].rsplit("/", 1)[-1] for s in w] for n, w in windows.items()}
        common = set.intersection(*(set(v) for v in numbers.values()))
        assert len(common) >= 8, numbers
        for uri in common:
            durations = [next(s["duration"] for s in w if s["uri"].endswith(uri))
                         for w in windows.values()]
            assert max(durations) - min(durations) <= 1.0 / FPS + 0.002, (uri, durations)
        second.kill9()

        # 4. slate: false keeps the old behaviour: the playlist holds, no new segments.
        plain = server.create_stream(reconnect_window=60, ladder="default", slate=False)
        pub = rtmp_publisher(server, plain["stream_key"])
        plain_paths = rendition_paths(server, plain)
        wait_status(server, plain["id"], "active", 10)
        time.sleep(max(0.0, pub.started + 5 - time.time()))
        pub.kill9()
        wait_status(server, plain["id"], "reconnecting", 5)
        time.sleep(0.5)
        held = {n: [s["uri"] for s in segments_of(server, p)[1]] for n, p in plain_paths.items()}
        time.sleep(4)
        for name, path in plain_paths.items():
            assert [s["uri"] for s in segments_of(server, path)[1]] == held[name], name
        assert not health(server, plain["id"])["slate"]["active"]


def status_of(server, sid):
    return server.api("GET", f"/v1/live-streams/{sid}", expect=200)["data"]["status"]


if __name__ == "__main__":
    run_test(test_slate)
