"""The same pre-made source (H.264 + AAC, 640x360, 2 s GOP) published at the same time over RTMP
(FLV) and over SRT (MPEG-TS), without re-encoding on the client, gives HLS of the same shape:
the same CODECS strings in the master playlist, the same renditions, and segment durations equal
within one frame. The last segment is left out: libsrt drops up to one latency of media when an
SRT caller hangs up, so the SRT broadcast may end a little earlier."""

import os
import subprocess
import tempfile

from harness import Server, log, run_test
from srt_helpers import (codecs, extinf, ffmpeg_copy_publish_args, ffmpeg_srt_url, health,
                         make_ts, media_playlists, srt_addr, wait_until)

SECONDS = 10
FRAME = 1 / 30


def test_same_structure():
    with Server("--hls-playlist-segments", "12") as server, \
            tempfile.TemporaryDirectory() as workdir:
        # MP4, not TS: `ffmpeg -c copy` from TS to FLV sends an empty AAC sequence header first
        # (the ASC is only known after the first ADTS frame), which the RTMP ingest refuses.
        source = make_ts(os.path.join(workdir, "source.mp4"), seconds=SECONDS, fmt="mp4", gop=60)
        over_rtmp, over_srt = server.create_stream(), server.create_stream()
        publishers = [
            subprocess.Popen(ffmpeg_copy_publish_args(source, "flv",
                                                      server.rtmp_url(over_rtmp["stream_key"])),
                             stderr=subprocess.PIPE),
            subprocess.Popen(ffmpeg_copy_publish_args(
                source, "mpegts", ffmpeg_srt_url(srt_addr(server), over_srt["stream_key"], 200)),
                stderr=subprocess.PIPE)]
        for p in publishers:
            _, err = p.communicate(timeout=SECONDS + 40)
            assert p.returncode == 0, err.decode()
        for s in (over_rtmp, over_srt):
            wait_until(lambda: health(server, s["id"])["publisher"] is None, 10, what="gone")

        rtmp_master, rtmp_media = media_playlists(server, over_rtmp)
        srt_master, srt_media = media_playlists(server, over_srt)
        log("RTMP master:\n" + rtmp_master + "\nSRT master:\n" + srt_master)
        assert codecs(rtmp_master) and codecs(rtmp_master) == codecs(srt_master), \
            (codecs(rtmp_master), codecs(srt_master))
        assert len(rtmp_media) == len(srt_media), (rtmp_media.keys(), srt_media.keys())
        for (r_uri, r_text), (s_uri, s_text) in zip(sorted(rtmp_media.items()),
                                                    sorted(srt_media.items())):
            r, s = extinf(r_text), extinf(s_text)
            log(f"{r_uri}: rtmp {r}\n{s_uri}: srt  {s}")
            n = min(len(r), len(s)) - 1
            assert n >= 3, (r, s)
            for i in range(n):
                assert abs(r[i] - s[i]) <= FRAME + 1e-3, (i, r, s)


if __name__ == "__main__":
    run_test(test_same_structure)
