"""RTMP through a stalling TCP link: `lab relay --proto tcp --outage 2@5`
holds every byte for 2 s (both sockets stay open), then releases them in order. The RTMP
publisher survives the stall (one connection, ffmpeg exits 0), the media playlist keeps growing
after it, and the HLS decodes without an error line."""

import subprocess
import time

from harness import Server, count_decoded_frames, ffmpeg_publish_args, log, run_test
from srt_helpers import LabRelay, extinf, healthz_ok, media_playlists

SECONDS = 14


def segments(server, stream):
    _, media = media_playlists(server, stream)
    return len(extinf(next(iter(media.values()))))


def test_tcp_stall():
    with Server("--hls-playlist-segments", "12") as server:
        stream = server.create_stream()
        relay = LabRelay("tcp", server.rtmp, "--delay", "20", "--outage", "2@5")
        started = time.time()
        host, port = relay.addr.rsplit(":", 1)
        publisher = subprocess.Popen(
            ffmpeg_publish_args(f"rtmp://{host}:{port}/live/{stream['stream_key']}",
                                seconds=SECONDS), stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
        server.wait_for_playlist(stream, timeout=20)
        time.sleep(max(0, started + 8 - time.time()))  # the stall is over (5-7 s)
        after_stall = segments(server, stream)
        time.sleep(4.5)
        later = segments(server, stream)
        log(f"segments right after the stall: {after_stall}, 4.5 s later: {later}")
        assert later > after_stall, (after_stall, later)
        _, err = publisher.communicate(timeout=SECONDS + 40)
        total = relay.stop()
        log("relay: " + total)
        assert publisher.returncode == 0, err.decode()
        assert "clients_total=1" in total and "cuts=0" in total, total
        qmax = float(total.split(" | ")[0].split("qmax_ms=")[1].split()[0])
        assert qmax >= 1500, f"no stall seen by the relay: {total}"
        assert healthz_ok(server)
        frames, errors = count_decoded_frames(server.master_url(stream))
        log(f"decoded {frames} frames of {SECONDS * 30}; errors: {errors[:5]}")
        assert errors == [], errors
        assert frames >= 0.9 * SECONDS * 30, frames
        assert server.read_log().count("accepted over rtmp") == 1, "publisher reconnected"


if __name__ == "__main__":
    run_test(test_tcp_stall)
