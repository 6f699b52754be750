"""A 3 s outage in the middle of an SRT publish: `lab relay --proto udp
--outage 3@5` between ffmpeg and the server. The SRT link survives (libsrt's peer idle timeout
is 5 s on both sides: one connection, its connected time keeps growing), the server stays up
(/healthz answers all along), the stream is publishing again after the outage, and afterwards
the HLS still decodes. Memory is checked loosely for a leak: the server's RSS after the run and
a second clean publish stays within a bound of what it was after the first."""

import subprocess
import threading
import time

from harness import Server, count_decoded_frames, log, run_test
from srt_helpers import (HealthSampler, LabRelay, ffmpeg_srt_publish_args, ffmpeg_srt_url,
                         health, healthz_ok, rss_kib, run_capture, srt_addr, wait_until)

SECONDS = 14


def watch_healthz(server, failures, stop):
    while not stop.is_set():
        if not healthz_ok(server) or server.proc.poll() is not None:
            failures.append(time.time())
        time.sleep(0.25)


def test_outage():
    with Server("--hls-playlist-segments", "12") as server:
        stream = server.create_stream()
        relay = LabRelay("udp", srt_addr(server), "--delay", "10", "--outage", "3@5",
                         "--seed", "3")
        failures, stop = [], threading.Event()
        watcher = threading.Thread(target=watch_healthz, args=(server, failures, stop))
        watcher.start()
        url = ffmpeg_srt_url(relay.addr, stream["stream_key"], latency_ms=500)
        publisher = subprocess.Popen(ffmpeg_srt_publish_args(url, seconds=SECONDS),
                                     stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_until(lambda: health(server, stream["id"])["publisher"], 10, what="publisher")
        sampler = HealthSampler(server, stream["id"], interval=0.5)
        _, err = publisher.communicate(timeout=SECONDS + 40)
        wait_until(lambda: health(server, stream["id"])["publisher"] is None, 15, what="gone")
        sampler.stop()
        total = relay.stop()
        stop.set()
        watcher.join()
        log(f"publisher exit {publisher.returncode}: {err.decode()[-300:]}")
        log("relay: " + total)
        connected = [(s["connected_ms"], s["packets_received"], s["packets_dropped"])
                     for s in sampler.samples]
        log(f"samples (connected_ms, received, dropped): {connected}")
        assert failures == [], f"healthz failed {len(failures)} times"
        assert " outage=0 " not in total.split(" | ")[0], total
        # One link all along: connected_ms never goes back, and media arrived after the outage.
        assert all(b[0] >= a[0] for a, b in zip(connected, connected[1:])), connected
        assert connected[-1][0] >= (SECONDS - 3) * 1000, connected
        assert server.read_log().count(" connected\n") == 1, "the SRT link was re-established"
        frames, errors = count_decoded_frames(server.master_url(stream))
        log(f"decoded {frames} frames; errors ({len(errors)}): {errors[:5]}")
        assert frames >= 0.5 * SECONDS * 30, frames
        rss_after_outage = rss_kib(server.proc.pid)

        # The server still takes a clean publisher, and its memory stays bounded.
        again = server.create_stream()
        code, err = run_capture(ffmpeg_srt_publish_args(
            ffmpeg_srt_url(srt_addr(server), again["stream_key"]), seconds=4), timeout=40)
        assert code == 0, err
        rss_end = rss_kib(server.proc.pid)
        log(f"RSS after outage run {rss_after_outage} KiB, after a second publish {rss_end} KiB")
        assert rss_end < rss_after_outage + 64 * 1024, (rss_after_outage, rss_end)
        assert healthz_ok(server)


if __name__ == "__main__":
    run_test(test_outage)
