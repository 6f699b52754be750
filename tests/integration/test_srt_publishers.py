"""Three SRT publishers into one server: ffmpeg (`-f mpegts srt://...`),
srt-live-transmit sending a pre-made TS file from stdin, and GStreamer (`mpegtsmux ! srtsink`).
Each yields HLS that `ffmpeg -v error` decodes with zero error lines. libsrt drops what is still
in the receive buffer when a caller hangs up (about one latency of media), so the frame count
is checked loosely."""

import os
import subprocess
import tempfile

from harness import Server, count_decoded_frames, log, run_test
from srt_helpers import (assert_decodes_clean, ffmpeg_copy_publish_args,
                         ffmpeg_srt_publish_args, ffmpeg_srt_url, gst_srt_publish_args, health,
                         make_ts, run_capture, slt_srt_url, srt_addr, wait_until)

SECONDS = 8
RATE = 30


def check_hls(server, stream, name, expected_frames, workdir):
    frames, errors = count_decoded_frames(server.master_url(stream))
    log(f"{name}: decoded {frames} frames of {expected_frames}; errors: {errors[:5]}")
    assert frames >= 0.7 * expected_frames, (name, frames)
    assert_decodes_clean(server, stream, workdir, errors, name)


def wait_gone(server, stream):
    wait_until(lambda: health(server, stream["id"])["publisher"] is None, 10,
               what="publisher gone")


def test_ffmpeg(server, workdir):
    stream = server.create_stream()
    url = ffmpeg_srt_url(srt_addr(server), stream["stream_key"], latency_ms=200)
    code, err = run_capture(ffmpeg_srt_publish_args(url, seconds=SECONDS), timeout=SECONDS + 40)
    assert code == 0, err
    wait_gone(server, stream)
    check_hls(server, stream, "ffmpeg", SECONDS * RATE, workdir)


def test_srt_live_transmit(server, workdir):
    stream = server.create_stream()
    ts = make_ts(os.path.join(workdir, "source.ts"), seconds=SECONDS)
    # ffmpeg only paces the pre-made file (-re, -c copy) into srt-live-transmit's stdin.
    pacer = subprocess.Popen(ffmpeg_copy_publish_args(ts, "mpegts", "pipe:1"),
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    slt = subprocess.Popen(["srt-live-transmit", "-a:no", "-chunk:1316", "file://con",
                            slt_srt_url(srt_addr(server), stream["stream_key"], 200)],
                           stdin=pacer.stdout, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    pacer.stdout.close()
    pacer.wait(SECONDS + 30)
    _, err = slt.communicate(timeout=20)
    log(f"srt-live-transmit exit {slt.returncode}: {err.decode(errors='replace')[-300:]}")
    assert pacer.returncode == 0
    wait_gone(server, stream)
    check_hls(server, stream, "srt-live-transmit", SECONDS * RATE, workdir)


def test_gstreamer(server, workdir):
    stream = server.create_stream()
    uri = f"srt://{srt_addr(server)}?mode=caller"
    sid = f"#!::r={stream['stream_key']},m=publish"
    code, err = run_capture(gst_srt_publish_args(uri, sid, frames=SECONDS * RATE),
                            timeout=SECONDS + 40)
    assert code == 0, err
    wait_gone(server, stream)
    check_hls(server, stream, "gstreamer", SECONDS * RATE, workdir)


def test_srt_publishers():
    with Server("--hls-playlist-segments", "12") as server, \
            tempfile.TemporaryDirectory() as workdir:
        test_ffmpeg(server, workdir)
        test_srt_live_transmit(server, workdir)
        test_gstreamer(server, workdir)


if __name__ == "__main__":
    run_test(test_srt_publishers)
