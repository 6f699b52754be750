"""SRT encryption and refusals (docs/contract.md "Ingest"): a stream with an
`srt_passphrase` accepts a caller with that passphrase (HLS appears and decodes); a wrong or a
missing passphrase is rejected in the handshake, before any media, and the caller's stderr shows
libsrt's reason; a caller with a passphrase on an unencrypted stream is rejected too (libsrt
SRT_REJ_UNSECURE, "Password required or unexpected": the documented behaviour); an unknown key is
rejected with a reason ffmpeg and srt-live-transmit both print."""

import socket
import subprocess
import tempfile

from harness import Server, count_decoded_frames, log, run_test
from srt_helpers import (assert_decodes_clean, ffmpeg_srt_publish_args, ffmpeg_srt_url,
                         health, run_capture, slt_srt_url, srt_addr, wait_until)

PASSPHRASE = "correct-horse-battery-staple"
WRONG = "wrong-horse-battery-staple"


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def publish(server, key, seconds=2, passphrase=None):
    url = ffmpeg_srt_url(srt_addr(server), key, latency_ms=200, passphrase=passphrase)
    return run_capture(ffmpeg_srt_publish_args(url, seconds=seconds), timeout=seconds + 40)


def assert_refused_before_media(server, stream, code, err, reason, what):
    log(f"{what}: exit {code}; stderr: {err.strip()[-300:]}")
    assert code != 0, (what, err)
    assert reason in err, (what, reason, err)
    got = server.api("GET", f"/v1/live-streams/{stream['id']}")["data"]
    assert got["status"] == "idle", (what, got["status"])
    assert health(server, stream["id"])["publisher"] is None, what
    status, _, _ = server.request("GET", f"/hls/{stream['playback_ids'][0]['id']}.m3u8",
                                  auth=False)
    assert status == 412, (what, status)


def test_correct_passphrase(server):
    stream = server.create_stream(srt_passphrase=PASSPHRASE)
    assert stream["srt_passphrase"] == PASSPHRASE, stream
    code, err = publish(server, stream["stream_key"], seconds=6, passphrase=PASSPHRASE)
    assert code == 0, err
    wait_until(lambda: health(server, stream["id"])["publisher"] is None, 10, what="gone")
    frames, errors = count_decoded_frames(server.master_url(stream))
    log(f"encrypted publish: {frames} frames, errors {errors[:3]}")
    assert frames >= 0.6 * 180, frames
    with tempfile.TemporaryDirectory() as workdir:
        assert_decodes_clean(server, stream, workdir, errors, "encrypted")


def test_refusals(server):
    locked = server.create_stream(srt_passphrase=PASSPHRASE)
    open_stream = server.create_stream()
    key = locked["stream_key"]
    code, err = publish(server, key, passphrase=WRONG)
    assert_refused_before_media(server, locked, code, err, "Incorrect passphrase", "wrong")
    code, err = publish(server, key, passphrase=None)
    assert_refused_before_media(server, locked, code, err, "Password required or unexpected",
                                "missing")
    code, err = publish(server, open_stream["stream_key"], passphrase=PASSPHRASE)
    assert_refused_before_media(server, open_stream, code, err,
                                "Password required or unexpected", "unexpected")
    code, err = publish(server, "no-such-key-000000000000", passphrase=None)
    log(f"unknown key (ffmpeg): exit {code}; stderr: {err.strip()[-300:]}")
    assert code != 0 and "Application-defined rejection reason" in err, err
    # srt-live-transmit prints the same libsrt text; -a:no: no retry, -t: bounded.
    source = f"udp://127.0.0.1:{free_udp_port()}"
    slt = subprocess.run(["srt-live-transmit", "-a:no", "-t:5", source,
                          slt_srt_url(srt_addr(server), "no-such-key-111111111111")],
                         capture_output=True, timeout=20, stdin=subprocess.DEVNULL)
    out = (slt.stdout + slt.stderr).decode(errors="replace")
    log(f"unknown key (srt-live-transmit): exit {slt.returncode}; {out.strip()[-300:]}")
    assert "Application-defined rejection reason" in out, out


def test_srt_passphrase():
    with Server("--hls-playlist-segments", "12") as server:
        test_refusals(server)
        test_correct_passphrase(server)
        assert "correct-horse" not in server.read_log() and "wrong-horse" not in server.read_log()


if __name__ == "__main__":
    run_test(test_srt_passphrase)
