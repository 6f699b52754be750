#!/usr/bin/env python3
"""Stability soak, two parts.

(a) Publish/disconnect cycles: C times on one stream, a real ffmpeg publishes a pre-encoded
    1.5 s testsrc2 clip (stream copy, real time, so the server sees real media and cuts
    segments) and disconnects; the script waits for the stream to go back to idle. Every 10
    cycles it records the server's RSS (/proc/PID/status VmRSS) and open fds. Pass: final RSS
    within 5 % of the value after the first 10 cycles (warm-up), fds within ±10 of it, every
    cycle reached `active` (counted in the outbox).

(b) Crash/restart cycles: a webhook receiver (tests/integration/webhook_receiver.py, verifies
    signatures) is registered for every event; K times the server (same data dir) creates a
    stream, ffmpeg publishes the clip to it and disconnects, and the server is killed with
    SIGKILL (at a random moment shortly after the disconnect, while deliveries are pending)
    and started again. At the end the server is restarted cleanly; the script waits for
    delivery and checks that every event in the outbox (the `events` table) since the endpoint
    was registered reached the receiver with a 200 and a valid signature at least once (lost = 0),
    then that `sqlite3 steadycast.db 'PRAGMA integrity_check'` says ok.

  full:    C = 500, K = 100
  --short: C = 30,  K = 10
(a) and (b) run side by side, each on its own server.
All traffic to 127.0.0.1."""

import argparse
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

from soak_common import Server, fd_count, fd_diff, fd_targets, log, rss_kib, verdict
from reconnect_helpers import outbox, wait_status
from webhook_receiver import WebhookReceiver

CLIP_SECONDS = 1.5
DB_FILE = "steadycast.db"


def make_clip(workdir):
    """A 1.5 s FLV (testsrc2 640x360 25 fps, x264 veryfast, 0.5 s GOP, AAC)."""
    path = os.path.join(workdir, "clip.flv")
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
                    "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25",
                    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                    "-t", str(CLIP_SECONDS), "-c:v", "libx264", "-preset", "veryfast",
                    "-g", "12", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k",
                    "-f", "flv", path], check=True, timeout=60)
    return path


def publish_clip(server, key, clip):
    """ffmpeg -re stream copy of the clip to the stream; returns ffmpeg's exit code."""
    url = server.rtmp_url(key)
    assert url.startswith("rtmp://127.0.0.1:"), url
    proc = subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re",
                           "-i", clip, "-c", "copy", "-f", "flv", url],
                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, timeout=60)
    if proc.returncode != 0:
        log(f"ffmpeg exit {proc.returncode}: {proc.stderr.decode(errors='replace')[-300:]}")
    return proc.returncode


def part_a(cycles, clip):
    log(f"(a) {cycles} publish/disconnect cycles on one stream")
    samples = []  # (cycle, rss KiB, fds)
    ffmpeg_failures = 0
    with Server("--api-rate-limits", "false", "--log-level", "warn") as server:
        pid = server.proc.pid
        stream = server.create_stream()
        samples.append((0, rss_kib(pid), fd_count(pid)))
        t0 = time.time()
        targets_warm = None
        for i in range(1, cycles + 1):
            if publish_clip(server, stream["stream_key"], clip) != 0:
                ffmpeg_failures += 1
            wait_status(server, stream["id"], "idle", 15)
            if i % 10 == 0 or i == cycles:
                samples.append((i, rss_kib(pid), fd_count(pid)))
                if i == 10:
                    targets_warm = fd_targets(pid)
                if i % 50 == 0 or i == cycles:
                    log(f"  cycle {i}: RSS {samples[-1][1] / 1024:.1f} MiB, fds {samples[-1][2]}, "
                        f"{time.time() - t0:.0f} s")
        time.sleep(2)
        samples.append((cycles, rss_kib(pid), fd_count(pid)))
        targets_end = fd_targets(pid)
        types = [t for t, _, _ in outbox(server.data_dir, stream["id"])]
        alive = server.proc.poll() is None
    took = time.time() - t0
    actives = types.count("live_stream.active")
    warm = next((s for s in samples if s[0] >= 10), samples[-1])
    final = samples[-1]
    rss_change = (final[1] - warm[1]) / warm[1]
    print(f"STABILITY_A cycles={cycles} seconds={took:.0f} ffmpeg_failures={ffmpeg_failures} "
          f"active_events={actives} RSS start={samples[0][1] / 1024:.1f} "
          f"warm(10)={warm[1] / 1024:.1f} final={final[1] / 1024:.1f} MiB "
          f"({100 * rss_change:+.1f} %) max={max(s[1] for s in samples) / 1024:.1f} MiB; "
          f"fds start={samples[0][2]} warm={warm[2]} final={final[2]}")
    print("STABILITY_A samples (cycle, RSS MiB, fds): " +
          " ".join(f"{c}:{r / 1024:.1f}/{f}" for c, r, f in samples))
    if targets_warm is not None:
        print(f"STABILITY_A fd kinds changed warm -> final: {fd_diff(targets_warm, targets_end)}")
    return [
        ("(a) server alive", alive, "running at the end" if alive else "EXITED"),
        ("(a) every cycle published", ffmpeg_failures == 0 and actives == cycles,
         f"{ffmpeg_failures} ffmpeg failures, {actives} active events for {cycles} cycles"),
        ("(a) RSS within 5 % of warm-up", abs(rss_change) <= 0.05,
         f"{warm[1] / 1024:.1f} -> {final[1] / 1024:.1f} MiB ({100 * rss_change:+.1f} %)"),
        ("(a) fds within ±10 of warm-up", abs(final[2] - warm[2]) <= 10,
         f"{warm[2]} -> {final[2]}"),
    ]


def part_b(kills, clip):
    log(f"(b) {kills} SIGKILL/restart cycles with a webhook receiver")
    rng = random.Random(1)
    restart_s = []
    with Server("--api-rate-limits", "false", "--log-level", "warn",
                "--webhooks-time-scale", "0.01") as server, WebhookReceiver() as rx:
        endpoint = server.api("POST", "/v1/webhook-endpoints", {"url": rx.url, "events": ["*"]},
                              expect=201)["data"]
        rx.secrets = [endpoint["secret"]]
        db_path = os.path.join(server.data_dir, DB_FILE)
        assert os.path.exists(db_path), os.listdir(server.data_dir)

        def outbox_rows():
            db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10)
            try:
                return db.execute("SELECT position, id, type, object_id FROM events "
                                  "ORDER BY position").fetchall()
            finally:
                db.close()

        pos0 = max((r[0] for r in outbox_rows()), default=0)
        mid_publish = 0
        t0 = time.time()
        for i in range(1, kills + 1):
            stream = server.create_stream()
            url = server.rtmp_url(stream["stream_key"])
            assert url.startswith("rtmp://127.0.0.1:"), url
            pub = subprocess.Popen(["ffmpeg", "-hide_banner", "-loglevel", "quiet", "-nostdin",
                                    "-re", "-i", clip, "-c", "copy", "-f", "flv", url],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
            # Kill at a random moment: mid-publish, or just after the disconnect while its
            # events are being delivered.
            time.sleep(rng.uniform(0.3, CLIP_SECONDS + 0.8))
            if pub.poll() is None:
                mid_publish += 1
            server.stop(sig=signal.SIGKILL)
            try:
                pub.wait(10)
            except subprocess.TimeoutExpired:
                pub.kill()
                pub.wait()
            t1 = time.time()
            server.start()
            restart_s.append(time.time() - t1)
            if i % 10 == 0:
                log(f"  kill {i}: {len(rx.records())} webhook requests so far, "
                    f"{time.time() - t0:.0f} s")
        # A clean restart, then wait for every outbox event to arrive.
        server.stop()
        server.start()
        rows = [r for r in outbox_rows() if r[0] > pos0]
        expected = {r[1]: r[2] for r in rows}
        # Every `connected` is paired by a later `disconnected`, also for a publisher that had
        # connected (no media yet) when the server was killed: the restart writes it.
        balance = {}
        for _, _, type_, object_id in rows:
            if type_ == "live_stream.connected":
                balance[object_id] = balance.get(object_id, 0) + 1
            elif type_ == "live_stream.disconnected":
                balance[object_id] = balance.get(object_id, 0) - 1
        unpaired = sorted(o for o, n in balance.items() if n > 0)
        waited = time.time()

        def delivered(records):
            return {r["id"] for r in records if r["answer"] == 200 and r["signature_valid"]}

        try:
            rx.wait_for(lambda recs: set(expected) <= delivered(recs), timeout=120)
        except AssertionError as e:
            log(str(e))
        wait_s = time.time() - waited
        records = rx.records()
        got = delivered(records)
        lost = sorted(set(expected) - got)
        ok_ids = [r["id"] for r in records if r["answer"] == 200]
        duplicates = len(ok_ids) - len(set(ok_ids))
        bad_sig = sum(1 for r in records if not r["signature_valid"])
        types = {}
        for t in expected.values():
            types[t.removeprefix("live_stream.")] = types.get(t.removeprefix("live_stream."),
                                                               0) + 1
        server.stop()
        if shutil.which("sqlite3"):
            integrity = subprocess.run(["sqlite3", db_path, "PRAGMA integrity_check"],
                                       capture_output=True, text=True, timeout=60)
            integrity_out = (integrity.stdout + integrity.stderr).strip()
        else:  # the sqlite3 CLI is not installed: the same pragma through Python's module
            db = sqlite3.connect(db_path)
            integrity_out = "\n".join(r[0] for r in db.execute("PRAGMA integrity_check"))
            db.close()
        alive_ok = True
    print(f"STABILITY_B kills={kills} seconds={time.time() - t0:.0f} "
          f"killed_mid_publish={mid_publish} outbox_events={len(expected)} "
          f"delivered={len(set(expected) & got)} lost={len(lost)} duplicates={duplicates} "
          f"bad_signatures={bad_sig} requests={len(records)} "
          f"delivery_wait_after_clean_restart={wait_s:.1f} s")
    print(f"STABILITY_B event types: {types}; streams with a `connected` and no later "
          f"`disconnected`: {len(unpaired)}")
    print(f"STABILITY_B restart to listen.json: max {max(restart_s):.2f} s, "
          f"mean {sum(restart_s) / len(restart_s):.2f} s; integrity_check: {integrity_out!r}")
    if lost:
        print(f"STABILITY_B lost events (first 10): {[(i, expected[i]) for i in lost[:10]]}")
    return [
        ("(b) outbox events delivered (lost = 0)", not lost and alive_ok,
         f"{len(expected)} events, {len(lost)} lost, {duplicates} duplicates"),
        ("(b) events were generated", len(expected) >= 2 * kills,
         f"{len(expected)} events for {kills} cycles"),
        ("(b) sqlite integrity_check", integrity_out == "ok", repr(integrity_out)),
        ("(b) every connected event paired by a disconnected one", not unpaired,
         f"{len(unpaired)} unpaired: {unpaired[:5]}"),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--short", action="store_true", help="CI size: C = 30, K = 10")
    parser.add_argument("--cycles", type=int, default=None, help="publish cycles (a)")
    parser.add_argument("--kills", type=int, default=None, help="SIGKILL cycles (b)")
    parser.add_argument("--only", choices=["a", "b"], default=None)
    args = parser.parse_args()
    cycles = args.cycles if args.cycles is not None else (30 if args.short else 500)
    kills = args.kills if args.kills is not None else (10 if args.short else 100)
    workdir = tempfile.mkdtemp(prefix="steadycast-soak-")
    try:
        clip = make_clip(workdir)
        # (a) and (b) use separate servers and little CPU (stream copy): run them side by side.
        results = {}

        def run_part(name, fn, count):
            try:
                results[name] = fn(count, clip)
            except Exception as e:  # reported as a failed check
                import traceback
                traceback.print_exc()
                results[name] = [(f"({name}) ran to the end", False, repr(e))]

        threads = []
        if args.only in (None, "a"):
            threads.append(threading.Thread(target=run_part, args=("a", part_a, cycles)))
        if args.only in (None, "b"):
            threads.append(threading.Thread(target=run_part, args=("b", part_b, kills)))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        checks = results.get("a", []) + results.get("b", [])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    sys.exit(verdict("stability.py", checks))


if __name__ == "__main__":
    main()
