"""GStreamer (flvmux ! rtmp2sink) publishes 12 s; the HLS output decodes cleanly."""

import subprocess

from harness import Server, count_decoded_frames, gst_publish_args, log, run_test

FRAMES = 360


def test_gstreamer_rtmp_to_hls():
    with Server("--hls-playlist-segments", "12") as server:
        stream = server.create_stream()
        publisher = subprocess.Popen(gst_publish_args(server.rtmp_url(stream["stream_key"]),
                                                      frames=FRAMES),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        master = server.wait_for_playlist(stream, timeout=25)
        assert 'CODECS="avc1.' in master and "mp4a.40.2" in master, master
        out, err = publisher.communicate(timeout=60)
        assert publisher.returncode == 0, (out + err).decode()
        frames, errors = count_decoded_frames(server.master_url(stream))
        log(f"decoded {frames} frames of {FRAMES}; errors: {errors[:5]}")
        assert errors == [], errors
        assert frames >= 0.9 * FRAMES, frames


if __name__ == "__main__":
    run_test(test_gstreamer_rtmp_to_hls)
