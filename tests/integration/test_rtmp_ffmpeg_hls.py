"""ffmpeg publishes 12 s over RTMP; ffprobe reads the master playlist and ffmpeg decodes the
whole HLS stream with zero error lines and at least 90 % of the published frames."""

import subprocess

from harness import (Server, count_decoded_frames, ffmpeg_publish_args, ffprobe_json, log,
                     run_test)

SECONDS = 12
RATE = 30


def test_ffmpeg_rtmp_to_hls():
    # A playlist long enough to hold the whole 12 s broadcast once it has ended.
    with Server("--hls-playlist-segments", "12") as server:
        stream = server.create_stream()
        publisher = subprocess.Popen(ffmpeg_publish_args(server.rtmp_url(stream["stream_key"]),
                                                         seconds=SECONDS, size="640x360"),
                                     stderr=subprocess.PIPE)
        master = server.wait_for_playlist(stream, timeout=20)
        assert "#EXT-X-STREAM-INF" in master, master
        assert 'CODECS="avc1.' in master and "mp4a.40.2" in master, master
        assert "RESOLUTION=640x360" in master, master
        probe = ffprobe_json(server.master_url(stream))
        kinds = sorted(s["codec_type"] for s in probe["streams"])
        assert kinds == ["audio", "video"], probe
        video = next(s for s in probe["streams"] if s["codec_type"] == "video")
        assert (video["width"], video["height"]) == (640, 360), video
        status = server.api("GET", f"/v1/live-streams/{stream['id']}")["data"]["status"]
        assert status == "active", status

        _, err = publisher.communicate(timeout=SECONDS + 30)
        assert publisher.returncode == 0, err.decode()

        # After the publisher leaves, the playlist ends (ENDLIST) and holds the broadcast.
        frames, errors = count_decoded_frames(server.master_url(stream))
        log(f"decoded {frames} frames of {SECONDS * RATE}; errors: {errors[:5]}")
        assert errors == [], errors
        assert frames >= 0.9 * SECONDS * RATE, frames


if __name__ == "__main__":
    run_test(test_ffmpeg_rtmp_to_hls)
