"""An H.265 (HEVC) publisher over SRT — what phones with hardware HEVC encoders send — gets the
ABR ladder: the picture size comes from the in-band SPS, the source cannot be passed
through (HLS here is H.264 CMAF), so the default ladder is the transcoded rungs only: a
640x360 x265 source gives 360p + 240p H.264, IDRs on a fixed 2 s cadence, aligned. The master
playlist lists both with avc1 CODECS; each rendition decodes with `ffmpeg -v error` with zero
error lines at its planned size, and the health names the missing passthrough in its ladder
warnings."""

import subprocess
import tempfile
import time
import urllib.parse

from harness import Server, count_decoded_frames, log, run_test
from reconnect_helpers import FPS, download_window, wait_status
from srt_helpers import ffmpeg_srt_url, health, srt_addr


def test_srt_h265_ladder():
    with Server("--api-rate-limits", "false") as server, \
            tempfile.TemporaryDirectory() as workdir:
        stream = server.create_stream(reconnect_window=0, ladder="default")
        url = ffmpeg_srt_url(srt_addr(server), stream["stream_key"])
        publisher = subprocess.Popen(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re",
             "-f", "lavfi", "-i", f"testsrc2=size=640x360:rate={FPS}",
             "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "14",
             "-c:v", "libx265", "-preset", "ultrafast", "-x265-params",
             f"log-level=none:keyint={2 * FPS}:min-keyint={2 * FPS}:scenecut=0",
             "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k", "-f", "mpegts", url],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            master = server.wait_for_playlist(stream, timeout=30)
            wait_status(server, stream["id"], "active", 10)
            log(master)
            variants = [l for l in master.splitlines() if l.startswith("#EXT-X-STREAM-INF")]
            uris = [l for l in master.splitlines() if l and not l.startswith("#")]
            assert [u.split("/")[-2] for u in uris] == ["240p", "360p"], uris
            assert all('CODECS="avc1.' in v for v in variants), variants
            assert "RESOLUTION=426x240" in variants[0] and "RESOLUTION=640x360" in variants[1]
            warnings = health(server, stream["id"])["ladder_warnings"]
            log(f"ladder warnings: {warnings}")
            assert warnings, "the dropped passthrough is not reported"
            time.sleep(8)
        finally:
            publisher.wait(30)
        base = f"/hls/{stream['playback_ids'][0]['id']}.m3u8"
        for uri, (width, height) in zip(uris, [(426, 240), (640, 360)]):
            path = urllib.parse.urljoin(base, uri)
            local, text, segments = download_window(server, path, workdir)
            frames, errors = count_decoded_frames(local)
            probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v",
                                    "-show_entries", "stream=codec_name,width,height", "-of",
                                    "csv=p=0", local], capture_output=True, text=True,
                                   timeout=60).stdout.split()[0]  # one line per program
            log(f"{uri}: {len(segments)} segments, {frames} frames, {len(errors)} error lines, "
                f"{probe}")
            assert errors == [], errors[:5]
            assert probe == f"h264,{width},{height}", probe
            assert frames >= 10 * FPS, frames


if __name__ == "__main__":
    run_test(test_srt_h265_ladder)
