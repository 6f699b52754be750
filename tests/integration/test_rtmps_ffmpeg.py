"""RTMPS: with a TLS certificate configured, the server listens for RTMP over TLS
(listen.json "rtmps") and ffmpeg publishes through it to HLS; without one, no RTMPS listener."""

import os
import subprocess
import tempfile

from harness import Server, count_decoded_frames, ffmpeg_publish_args, log, run_test


def make_certificate(directory):
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "1", "-subj", "/CN=localhost"], check=True,
                   capture_output=True, timeout=60)
    return cert, key


def test_rtmps_publish():
    with tempfile.TemporaryDirectory() as tmp:
        cert, key = make_certificate(tmp)
        with Server("--rtmps-addr", "127.0.0.1:0", "--tls-cert-file", cert, "--tls-key-file", key,
                    "--hls-playlist-segments", "10") as server:
            assert "rtmps" in server.listen, server.listen
            stream = server.create_stream()
            url = f"rtmps://{server.listen['rtmps']}/live/{stream['stream_key']}"
            publisher = subprocess.run(ffmpeg_publish_args(url, seconds=6), capture_output=True,
                                       timeout=60)
            assert publisher.returncode == 0, publisher.stderr.decode()
            frames, errors = count_decoded_frames(server.master_url(stream))
            log(f"rtmps: decoded {frames} frames; errors {errors[:3]}")
            assert errors == [] and frames >= 0.9 * 180, (frames, errors)
            assert "rtmps" in server.read_log()
    with Server() as plain:
        assert "rtmps" not in plain.listen, plain.listen


if __name__ == "__main__":
    run_test(test_rtmps_publish)
