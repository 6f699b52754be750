"""A wrong key is refused (NetStream.Publish.BadName) while a correct publisher keeps
streaming; garbage bytes and a truncated handshake close only their own connection."""

import os
import socket
import subprocess
import time

from harness import Server, ffmpeg_publish_args, log, raw_connect, run_test


def wait_closed(sock, timeout):
    """True when the peer closes the connection within `timeout` seconds."""
    sock.settimeout(timeout)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def media_sequence(server, stream):
    status, _, body = server.request("GET", f"/hls/{stream['playback_ids'][0]['id']}/src/index.m3u8",
                                     auth=False)
    assert status == 200, status
    for line in body.decode().splitlines():
        if line.startswith("#EXT-X-MEDIA-SEQUENCE:"):
            segs = body.decode().count("#EXTINF")
            return int(line.split(":")[1]) + segs
    raise AssertionError(body)


def test_refusals_do_not_disturb_a_good_publisher():
    with Server("--rtmp-idle-timeout-ms", "2000") as server:
        good = server.create_stream()
        publisher = subprocess.Popen(ffmpeg_publish_args(server.rtmp_url(good["stream_key"]),
                                                         seconds=14), stderr=subprocess.PIPE)
        server.wait_for_playlist(good, timeout=20)
        before = media_sequence(server, good)

        # 1. Wrong key: ffmpeg fails quickly, the server says why in its log (key redacted).
        wrong_key = "wrong-" + "x" * 30
        start = time.time()
        bad = subprocess.run(ffmpeg_publish_args(server.rtmp_url(wrong_key), seconds=5),
                             capture_output=True, timeout=30)
        assert bad.returncode != 0, "publish with a wrong key must fail"
        assert time.time() - start < 15
        log("ffmpeg with wrong key:", bad.stderr.decode().strip()[-300:])

        # 2. Garbage bytes on the RTMP port: that connection is closed.
        g = raw_connect(server.rtmp)
        g.sendall(os.urandom(4096))
        assert wait_closed(g, 5), "garbage connection not closed"
        g.close()

        # 3. Truncated handshake (C0 + half of C1, then silence): closed by the idle timeout.
        t = raw_connect(server.rtmp)
        t.sendall(b"\x03" + os.urandom(700))
        assert wait_closed(t, 8), "truncated handshake not closed"
        t.close()

        # The good publisher kept going the whole time.
        time.sleep(2.5)
        after = media_sequence(server, good)
        assert after > before, (before, after)
        assert publisher.poll() is None, "good publisher was disturbed"
        _, err = publisher.communicate(timeout=40)
        assert publisher.returncode == 0, err.decode()

        text = server.read_log()
        assert wrong_key not in text, "the refused key must not appear in full in the log"
        assert "refused" in text.lower() or "unknown stream key" in text.lower(), text[-2000:]


if __name__ == "__main__":
    run_test(test_refusals_do_not_disturb_a_good_publisher)
