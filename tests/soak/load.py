#!/usr/bin/env python3
"""Load soak: N HLS viewers on keep-alive HTTP/1.1 connections plus 4 real RTMP publishers.

Each viewer loops: GET its stream's media playlist, then GET the newest segment the playlist
lists, then waits for the rest of its period (--interval, default 2 s = the target segment
duration, the pace at which a live HLS player reloads the playlist and fetches one segment;
--interval 0 = back-to-back, a saturation test). Viewers start with a random phase. They run in
--workers child processes (asyncio), so the Python client is less of a bottleneck.

Viewers connect and start looping 6 s before the measured window (the connection ramp is
reported apart). Measured in the loaded mix itself, over the window: playlist latency p50/p99, segment latency p99, requests/s,
MB/s, errors (any non-200 or connection error). A separate observer process polls each
stream's playlist every 0.1 s on its own connection: it records when each new segment is
listed (cadence: largest gap between new segments minus the 2 s target) and the latency of
its own playlist requests (the side client, for comparison).

Pass: 0 errors, viewer playlist p99 < 100 ms, every cadence gap within target + 1 s.

  full:    1,000 viewers, 4 publishers, 60 s
  --short:   100 viewers, 4 publishers, 15 s
All traffic to 127.0.0.1."""

import argparse
import asyncio
import multiprocessing
import os
import random
import sys
import time
import urllib.parse

from soak_common import (TARGET_SEGMENT_S, Observer, Server, cadence_gaps, fd_count,
                         ffmpeg_publisher, log, media_playlist_path, ms, parse_segments,
                         percentile, raise_nofile, rss_kib, stop_proc, verdict)

PUBLISHERS = 4
WARMUP_S = 6.0  # viewers connect and start looping this long before the measured window


async def _get(reader, writer, path):
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    length, close = 0, False
    for line in lines[1:]:
        k, _, v = line.partition(":")
        k = k.strip().lower()
        if k == "content-length":
            length = int(v)
        elif k == "transfer-encoding":
            raise ValueError("chunked answer not expected")
        elif k == "connection" and v.strip().lower() == "close":
            close = True
    body = await reader.readexactly(length)
    return status, body, close, len(head) + length


async def _viewer(port, path, start_at, end_at, interval, res):
    """One viewer; starts (with a random phase) WARMUP_S before start_at: what it measures
    before start_at goes to the warm_* lists (the connection ramp, reported apart)."""
    rng = random.Random()
    await asyncio.sleep(max(0.0, start_at - WARMUP_S - time.time()) +
                        rng.uniform(0, max(interval, 0.5)))
    reader = writer = None
    next_at = time.monotonic()
    while time.time() < end_at:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                res["connects"] += 1
            t0 = time.monotonic()
            status, body, close, size = await _get(reader, writer, path)
            took = time.monotonic() - t0
            warm = time.time() < start_at
            res["warm_playlist" if warm else "playlist"].append(took)
            if took > 0.100:
                res["slow"].append((time.time(), took, "playlist"))
            if not warm:
                res["bytes"] += size
                res["requests"] += 1
            if status != 200:
                res["errors"].append(f"playlist {status}")
            else:
                segs = parse_segments(body.decode(errors="replace"))
                if segs and not close:
                    t1 = time.monotonic()
                    s2, _, close, size = await _get(
                        reader, writer, urllib.parse.urljoin(path, segs[-1]["uri"]))
                    took = time.monotonic() - t1
                    res["warm_segment" if warm else "segment"].append(took)
                    if took > 0.100:
                        res["slow"].append((time.time(), took, "segment"))
                    if not warm:
                        res["bytes"] += size
                        res["requests"] += 1
                    if s2 != 200:
                        res["errors"].append(f"segment {s2}")
                elif not segs:
                    res["errors"].append("playlist lists no segment")
            if close:
                res["errors"].append("server sent Connection: close")
                writer.close()
                writer = None
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as e:
            res["errors"].append(f"connection: {type(e).__name__}: {e}")
            if writer is not None:
                writer.close()
            writer = None
            await asyncio.sleep(0.1)
        next_at += interval
        delay = next_at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            next_at = time.monotonic()
    if writer is not None:
        writer.close()


async def _lag_probe(start_at, end_at, res):
    """How late the viewer process's own event loop wakes up from a 10 ms sleep: the part of
    the measured latencies that is the client's, not the server's."""
    await asyncio.sleep(max(0.0, start_at - WARMUP_S - time.time()))
    while time.time() < end_at:
        t0 = time.monotonic()
        await asyncio.sleep(0.010)
        lag = time.monotonic() - t0 - 0.010
        res["loop_lag" if time.time() >= start_at else "warm_lag"].append(lag)


def _worker(port, paths, start_at, end_at, interval, out):
    res = {"playlist": [], "segment": [], "bytes": 0, "requests": 0, "errors": [], "connects": 0,
           "loop_lag": [], "slow": [], "warm_playlist": [], "warm_segment": [],
           "warm_lag": []}

    async def main():
        await asyncio.gather(_lag_probe(start_at, end_at, res),
                             *(_viewer(port, p, start_at, end_at, interval, res) for p in paths))

    cpu0 = time.process_time()
    asyncio.run(main())
    res["cpu_s"] = time.process_time() - cpu0
    out.put(res)


def run(args):
    viewers = args.viewers or (100 if args.short else 1000)
    seconds = args.seconds or (15 if args.short else 60)
    raise_nofile(viewers * 2 + 4096)
    print(f"load: {viewers} viewers, {PUBLISHERS} publishers, {seconds} s, "
          f"interval {args.interval} s, {args.workers} viewer processes", flush=True)
    with Server("--api-rate-limits", "false", "--log-level", "warn") as server:
        pid = server.proc.pid
        port = int(server.http.rsplit(":", 1)[1])
        streams = [server.create_stream() for _ in range(PUBLISHERS)]
        pubs = [ffmpeg_publisher(server.rtmp_url(s["stream_key"]), seconds + 60)
                for s in streams]
        try:
            paths = [media_playlist_path(server, s, timeout=30) for s in streams]
            # Wait for two segments per stream so every viewer has something to fetch.
            deadline = time.time() + 30
            for p in paths:
                while True:
                    from reconnect_helpers import get_playlist
                    code, text = get_playlist(server, p)
                    if code == 200 and len(parse_segments(text)) >= 2:
                        break
                    if time.time() > deadline:
                        raise AssertionError(f"no segments on {p}")
                    time.sleep(0.2)
            fds0, rss0 = fd_count(pid), rss_kib(pid)
            cpu0 = _cpu_seconds(pid)
            observer = Observer(server.http, paths, poll_s=0.1)
            ctx = multiprocessing.get_context("fork")
            queue = ctx.Queue()
            start_at = time.time() + 1.0 + WARMUP_S
            end_at = start_at + seconds
            assigned = [paths[i % len(paths)] for i in range(viewers)]
            workers = [ctx.Process(target=_worker, daemon=True,
                                   args=(port, assigned[w::args.workers], start_at, end_at,
                                         args.interval, queue))
                       for w in range(args.workers)]
            for w in workers:
                w.start()
            fds_peak, rss_peak = fds0, rss0
            while time.time() < end_at + 1:
                fds_peak = max(fds_peak, fd_count(pid))
                rss_peak = max(rss_peak, rss_kib(pid))
                time.sleep(1)
            results = [queue.get(timeout=120) for _ in workers]
            for w in workers:
                w.join(10)
            cpu1 = _cpu_seconds(pid)
            side = observer.stop()
            alive = server.proc.poll() is None
            pub_exits = [p.poll() for p in pubs]
        finally:
            for p in pubs:
                stop_proc(p)

    playlist = [x for r in results for x in r["playlist"]]
    segment = [x for r in results for x in r["segment"]]
    errors = [x for r in results for x in r["errors"]]
    requests = sum(r["requests"] for r in results)
    nbytes = sum(r["bytes"] for r in results)
    connects = sum(r["connects"] for r in results)
    warm_pl = [x for r in results for x in r["warm_playlist"]]
    warm_sg = [x for r in results for x in r["warm_segment"]]
    warm_lag = [x for r in results for x in r["warm_lag"]]
    side_lat = [x for s in side for x, t in zip(s["playlist_latency"], s["playlist_at"])
                if t >= start_at]
    side_warm = [x for s in side for x, t in zip(s["playlist_latency"], s["playlist_at"])
                 if t < start_at]
    side_errors = [x for s in side for x in s["errors"]]
    gaps = [g for s in side for g in cadence_gaps(s["new_times"])]
    max_gap = max(gaps) if gaps else float("inf")
    per_stream_gaps = [max(cadence_gaps(s["new_times"]), default=float("inf")) for s in side]
    new_segments = [len(s["new_times"]) for s in side]

    print(f"LOAD viewers={viewers} seconds={seconds} interval={args.interval} "
          f"requests={requests} rps={requests / seconds:.0f} "
          f"MBps={nbytes / seconds / 1e6:.1f} errors={len(errors)} connects={connects}")
    print(f"LOAD playlist p50={ms(percentile(playlist, 50))} p99={ms(percentile(playlist, 99))} "
          f"max={ms(max(playlist, default=0))} n={len(playlist)}; "
          f"segment p50={ms(percentile(segment, 50))} p99={ms(percentile(segment, 99))} "
          f"n={len(segment)}")
    print(f"LOAD warm-up ({WARMUP_S:.0f} s before the window, viewers connecting; not in the "
          f"figures above) playlist p50={ms(percentile(warm_pl, 50))} "
          f"p99={ms(percentile(warm_pl, 99))} n={len(warm_pl)}; segment "
          f"p99={ms(percentile(warm_sg, 99))}; side client meanwhile p50="
          f"{ms(percentile(side_warm, 50))} p99={ms(percentile(side_warm, 99))} n={len(side_warm)}; "
          f"viewer-process event-loop lag p99={ms(percentile(warm_lag, 99))} "
          f"max={ms(max(warm_lag, default=0))}")
    print(f"LOAD side client playlist p50={ms(percentile(side_lat, 50))} "
          f"p99={ms(percentile(side_lat, 99))} n={len(side_lat)} errors={len(side_errors)}")
    print(f"LOAD cadence max gap={max_gap:.2f} s (target {TARGET_SEGMENT_S} s, "
          f"excess {max_gap - TARGET_SEGMENT_S:+.2f} s); per stream "
          f"{[round(g, 2) for g in per_stream_gaps]}; new segments seen {new_segments}")
    lag = [x for r in results for x in r["loop_lag"]]
    client_cpu = [r["cpu_s"] / (seconds + 1) for r in results]
    print(f"LOAD viewer-process event-loop lag p50={ms(percentile(lag, 50))} "
          f"p99={ms(percentile(lag, 99))} max={ms(max(lag, default=0))}; viewer processes' CPU "
          f"{[f'{100 * c:.0f}%' for c in client_cpu]} of a core")
    slow = sorted(x for r in results for x in r["slow"])
    if slow:
        by_second = {}
        for t, _, _ in slow:
            k = int((t - start_at) // 1)
            by_second[k] = by_second.get(k, 0) + 1
        print(f"LOAD requests over 100 ms: {len(slow)}; by second of the run (negative: "
              f"warm-up) "
              f"{dict(sorted(by_second.items()))}")
    print(f"LOAD server cpu={100 * (cpu1 - cpu0) / (seconds + 1):.0f}% of a core "
          f"fds before={fds0} peak={fds_peak} rss before={rss0 // 1024} MiB "
          f"peak={rss_peak // 1024} MiB")
    if errors:
        kinds = {}
        for e in errors:
            kinds[e.split(":")[0]] = kinds.get(e.split(":")[0], 0) + 1
        print(f"LOAD error kinds: {kinds}; first: {errors[:3]}")
    checks = [
        ("server alive", alive, "running at the end" if alive else "EXITED"),
        ("publishers alive", all(e is None for e in pub_exits), f"exit codes {pub_exits}"),
        ("viewer errors", not errors and not side_errors,
         f"{len(errors)} viewer, {len(side_errors)} side-client"),
        ("playlist p99 < 100 ms", percentile(playlist, 99) < 0.100,
         f"{ms(percentile(playlist, 99))} (side client alone: {ms(percentile(side_lat, 99))})"),
        ("segment cadence within target + 1 s", max_gap <= TARGET_SEGMENT_S + 1.0 and
         min(new_segments) >= seconds / TARGET_SEGMENT_S - 2,
         f"max gap {max_gap:.2f} s, new segments per stream {new_segments}"),
    ]
    return verdict("load.py", checks)


def _cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--short", action="store_true", help="CI size: 100 viewers, 15 s")
    parser.add_argument("--viewers", type=int, default=0)
    parser.add_argument("--seconds", type=int, default=0)
    parser.add_argument("--interval", type=float, default=TARGET_SEGMENT_S,
                        help="seconds per viewer loop (0 = back-to-back)")
    parser.add_argument("--workers", type=int, default=2, help="viewer processes")
    sys.exit(run(parser.parse_args()))


if __name__ == "__main__":
    main()
