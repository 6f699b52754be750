"""The separate audio rendition stays in sync with the video in real players.

An RTMP publisher (ffmpeg, -re, 640x360@30) sends a black picture with a white flash at every
whole second and a 1 kHz beep starting at the same instants (av_sync_helpers.py). The stream
is delivered on the passthrough ladder and on the default ladder (src + 360p + 240p): the
master lists the audio once (EXT-X-MEDIA TYPE=AUDIO) and every variant carries video only.

Three players read the master at the same time, each as it would to play it:
- ffmpeg (its HLS demuxer) decodes the first video and the audio stream directly;
- GStreamer (uridecodebin, what playbin uses) decodes both into a Matroska file with the
  running times its sinks synchronise on;
- VLC (cvlc as the user `nobody`; VLC refuses root) decodes the sound and keeps the demuxed
  picture, into a Matroska file with VLC's timestamps. Skipped with a printed reason where VLC
  or runuser is not installed.
In what each player decoded, the offset between each flash onset (first white picture) and
beep onset (end of silence) is measured over >= 8 events; |median| must be <= 40 ms (about a
frame of video; lip sync is noticeable from ~45 ms of late sound). ffmpeg measures every
variant's video against the one audio rendition. Prints AV_SYNC lines with the median and the
largest offset per player, ladder and video stream. First, the measurement itself is checked
on a local file whose sound is 120 ms late.
"""

import os
import shutil
import subprocess
import tempfile
import threading
import time

from av_sync_helpers import (analyse, flash_beep_publish_args, gst_capture_args,
                             reference_file_args, run_capture, summary, vlc_capture_args)
from harness import Server, log, run_test

PUBLISH_S = 90          # outlasts the captures; killed when they are done
CAPTURE_S = 12          # media seconds each player decodes
WALL_S = 17             # wall time GStreamer and VLC run (>= 11 s of media seen at 15)
MIN_EVENTS = 8
MAX_MEDIAN_MS = 40.0
LADDERS = ("passthrough", "default")
REFERENCE_DELAY_MS = 120


def wait_for_audio_segments(server, stream, count, timeout=20):
    """Waits until the audio rendition lists `count` segments (the players then start with a
    few segments of history, as at a stream that has been running)."""
    pb = stream["playback_ids"][0]["id"]
    deadline = time.time() + timeout
    while time.time() < deadline:
        status, _, body = server.request("GET", f"/hls/{pb}/audio/index.m3u8", auth=False)
        if status == 200 and body.decode().count("#EXTINF") >= count:
            return
        time.sleep(0.3)
    raise AssertionError(f"the audio rendition did not list {count} segments in {timeout} s")


def check_master(master, ladder):
    media = [l for l in master.splitlines() if l.startswith("#EXT-X-MEDIA:")]
    variants = [l for l in master.splitlines() if l.startswith("#EXT-X-STREAM-INF:")]
    assert len(media) == 1 and "TYPE=AUDIO" in media[0] and 'GROUP-ID="audio"' in media[0] \
        and "/audio/index.m3u8" in media[0], media
    assert variants and all('AUDIO="audio"' in v for v in variants), variants
    assert len(variants) == (1 if ladder == "passthrough" else 3), variants
    return len(variants)


def play_ffmpeg(url, workdir, variants):
    """ffmpeg decodes every variant's video (the same audio for all) in one run."""
    del workdir
    return analyse(url, CAPTURE_S, videos=variants, timeout=40)


def play_gstreamer(url, workdir, variants):
    del variants
    path = os.path.join(workdir, "gstreamer.mkv")
    rc, tail = run_capture(gst_capture_args(url, path), WALL_S,
                           os.path.join(workdir, "gstreamer.log"))
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return {"error": f"gst-launch-1.0 wrote nothing (exit {rc}): {tail}"}
    result = analyse(path, 3 * CAPTURE_S, timeout=20)
    result["capture_rc"] = rc
    return result


def vlc_missing():
    for tool in ("cvlc", "runuser"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    return None


def play_vlc(url, workdir, variants):
    del variants
    path = os.path.join(workdir, "vlc.mkv")
    home = os.path.join(workdir, "vlc-home")
    os.makedirs(home)
    os.chmod(home, 0o777)
    rc, tail = run_capture(vlc_capture_args(url, path, home, WALL_S), WALL_S + 5,
                           os.path.join(workdir, "vlc.log"))
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return {"error": f"cvlc wrote nothing (exit {rc}): {tail}"}
    result = analyse(path, 3 * CAPTURE_S, timeout=20)
    result["capture_rc"] = rc
    return result


def measure(ladder, players):
    """Publishes the flash/beep source on `ladder`; every player reads the master at once.
    Returns {player: analysis}."""
    results = {}
    with Server() as server:
        stream = server.create_stream(ladder=ladder)
        publisher = subprocess.Popen(
            flash_beep_publish_args(server.rtmp_url(stream["stream_key"]), PUBLISH_S),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        workdir = tempfile.mkdtemp(prefix="steadycast-avsync-")
        os.chmod(workdir, 0o777)  # VLC runs as nobody and writes its capture here
        try:
            master = server.wait_for_playlist(stream, timeout=20)
            variants = check_master(master, ladder)
            wait_for_audio_segments(server, stream, 3, timeout=15)
            url = server.master_url(stream)
            deadline = time.time() + 60

            def run(name, fn):
                try:
                    results[name] = fn(url, workdir, variants)
                except Exception as e:  # reported (and asserted) by the caller
                    results[name] = {"error": repr(e)}

            threads = [threading.Thread(target=run, args=(name, fn)) for name, fn in players]
            for t in threads:
                t.start()
            for t in threads:
                t.join(max(1.0, deadline - time.time()))
            assert not any(t.is_alive() for t in threads), "a player did not finish in 60 s"
            assert publisher.poll() is None, \
                f"the publisher stopped: {publisher.stderr.read().decode()[-1000:]}"
        finally:
            publisher.kill()
            publisher.wait()
            shutil.rmtree(workdir, ignore_errors=True)
    return results


def check_analysis():
    """The measurement itself: a file whose sound is 120 ms late measures 120 ms (± 2)."""
    workdir = tempfile.mkdtemp(prefix="steadycast-avsync-ref-")
    try:
        path = os.path.join(workdir, "late.mkv")
        subprocess.run(reference_file_args(path, 12, REFERENCE_DELAY_MS), check=True,
                       timeout=30, stdin=subprocess.DEVNULL)
        video = analyse(path, 12, timeout=20)["videos"][0]
        median, largest = summary(video["offsets"])
        log(f"analysis check: audio delayed {REFERENCE_DELAY_MS} ms measures {median} ms "
            f"(max {largest}) over {len(video['offsets'])} events")
        assert len(video["offsets"]) >= MIN_EVENTS, video
        assert abs(median - REFERENCE_DELAY_MS) <= 2, (median, video["offsets"])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def test_hls_av_sync():
    start = time.time()
    check_analysis()
    players = [("ffmpeg", play_ffmpeg), ("gstreamer", play_gstreamer)]
    skipped = vlc_missing()
    if skipped:
        log(f"VLC skipped: {skipped}")
    else:
        players.append(("vlc", play_vlc))
    figures = []  # (ladder, player, video stream, its analysis)
    errors = []
    for ladder in LADDERS:
        t0 = time.time()
        results = measure(ladder, players)
        log(f"{ladder}: players done in {time.time() - t0:.1f} s")
        for name, _ in players:
            r = results.get(name, {"error": "no result"})
            if "error" in r:
                errors.append((ladder, name, r["error"]))
                log(f"{ladder}/{name}: {r['error']}")
                continue
            for i, video in enumerate(r["videos"]):
                median, largest = summary(video["offsets"])
                figures.append((ladder, name, i, video, r))
                print(f"AV_SYNC ladder={ladder} player={name} video={i}:{video['size']} "
                      f"events={len(video['offsets'])} median_ms={median} "
                      f"max_abs_ms={largest} pictures={video['pictures']} "
                      f"flashes={len(video['flashes'])} beeps={len(r['beeps'])}", flush=True)
                log(f"  offsets (ms): {[round(o * 1000, 1) for o in video['offsets']]}")
    log(f"wall time {time.time() - start:.1f} s")
    # Every player on every ladder: enough events, and in sync.
    assert errors == [], errors
    for ladder, name, i, video, r in figures:
        assert len(video["offsets"]) >= MIN_EVENTS, \
            (ladder, name, i, video, r["beeps"], r["stderr_tail"])
        median, largest = summary(video["offsets"])
        assert abs(median) <= MAX_MEDIAN_MS, (ladder, name, i, median, largest)
    covered = {(ladder, name) for ladder, name, *_ in figures}
    assert covered == {(l, n) for l in LADDERS for n, _ in players}, covered


if __name__ == "__main__":
    run_test(test_hls_av_sync)
