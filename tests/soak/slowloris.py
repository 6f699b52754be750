#!/usr/bin/env python3
"""Slowloris soak: H connections to the HTTP port that send a request header one byte every
10 s, and R TCP connections to the RTMP port that send C0 and then one byte of C1 every 5 s (so
the handshake never finishes, while the connection is never idle for the 10 s RTMP idle
timeout: the handshake deadline is what must close them). Meanwhile a real viewer (playlist +
newest segment, its own process and connection) watches a stream that a real ffmpeg RTMP
publisher feeds.

Reports: the viewer's playlist/segment latency p50/p99 and errors, the publisher's segment
cadence, how long after its connect the server closed each slow connection (distribution per
kind), the server's open fds (/proc/PID/fd) and RSS before / peak / after.

Pass: viewer 0 errors and playlist p99 < 100 ms, cadence gaps within target + 1 s, every slow
connection closed by the server within its deadline + 5 s, fds back within ±10 of the start.

  full:    3,000 HTTP + 1,000 RTMP, server defaults (header 30 s, RTMP handshake 20 s)
  --short:   300 HTTP +   100 RTMP, --http-header-timeout-ms 5000 --rtmp-handshake-timeout-ms 5000
All traffic to 127.0.0.1."""

import argparse
import errno
import selectors
import socket
import sys
import time

from soak_common import (TARGET_SEGMENT_S, Observer, Server, cadence_gaps, fd_count,
                         fd_diff, fd_targets, ffmpeg_publisher, media_playlist_path, ms,
                         percentile, raise_nofile, rss_kib, stop_proc, verdict,
                         wait_fds_steady)

HTTP_BYTES = b"GET /hls/slow.m3u8 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 4096
HTTP_PERIOD_S = 10.0
RTMP_BYTES = b"\x03" + b"\x00" * 1536
RTMP_PERIOD_S = 5.0
GRACE_S = 5.0


class Slow:
    __slots__ = ("kind", "sock", "opened", "closed", "sent", "next_send", "period", "data",
                 "answer")

    def __init__(self, kind, sock, data, period):
        self.kind, self.sock, self.data, self.period = kind, sock, data, period
        self.opened = time.monotonic()
        self.closed = None
        self.sent = 0
        self.next_send = self.opened
        self.answer = b""


def open_slow(hostport, kind, data, period):
    host, port = hostport.rsplit(":", 1)
    assert host == "127.0.0.1", host
    s = socket.create_connection((host, int(port)), timeout=10)
    s.setblocking(False)
    return Slow(kind, s, data, period)


def run(args):
    waves = args.waves
    h = args.http if args.http is not None else (300 if args.short else 3000)
    r = args.rtmp if args.rtmp is not None else (100 if args.short else 1000)
    raise_nofile(h + r + 4096)
    extra = ["--log-level", "warn", "--api-rate-limits", "false"]
    if args.short:
        extra += ["--http-header-timeout-ms", "5000", "--rtmp-handshake-timeout-ms", "5000"]
        http_deadline, rtmp_deadline = 5.0, 5.0
    else:
        http_deadline, rtmp_deadline = 30.0, 20.0
    deadline = {"http": http_deadline, "rtmp": rtmp_deadline}
    print(f"slowloris: {h} HTTP (1 byte / {HTTP_PERIOD_S:.0f} s, header deadline "
          f"{http_deadline:.0f} s) + {r} RTMP (handshake never finished, deadline "
          f"{rtmp_deadline:.0f} s)", flush=True)
    with Server(*extra) as server:
        pid = server.proc.pid
        stream = server.create_stream()
        pub = ffmpeg_publisher(server.rtmp_url(stream["stream_key"]), 600)
        try:
            path = media_playlist_path(server, stream, timeout=30)
            time.sleep(4)  # a couple of segments
            viewer = Observer(server.http, [path], poll_s=0.1, fetch_segments=True)
            # Baseline once the segment window (one memfd per segment) is full.
            wait_fds_steady(pid)
            fds0, rss0, targets0 = fd_count(pid), rss_kib(pid), fd_targets(pid)
            fds_peak, rss_peak = fds0, rss0
            all_conns, open_errors, wave_after = [], [], []
            for wave in range(waves):
                sel = selectors.DefaultSelector()
                conns = []
                t_open = time.monotonic()
                for i in range(h + r):
                    kind = "http" if i < h else "rtmp"
                    try:
                        c = open_slow(server.http if kind == "http" else server.rtmp, kind,
                                      HTTP_BYTES if kind == "http" else RTMP_BYTES,
                                      HTTP_PERIOD_S if kind == "http" else RTMP_PERIOD_S)
                    except OSError as e:
                        open_errors.append(f"{kind}: {e!r}")
                        continue
                    conns.append(c)
                    sel.register(c.sock, selectors.EVENT_READ, c)
                open_took = time.monotonic() - t_open
                print(f"wave {wave + 1}: opened {len(conns)} slow connections in {open_took:.1f} s "
                      f"({len(open_errors)} failed)", flush=True)
                give_up = time.monotonic() + max(http_deadline, rtmp_deadline) + GRACE_S + 10
                open_count = len(conns)
                last_sample = 0.0

                def mark_closed(c):
                    nonlocal open_count
                    if c.closed is None:
                        c.closed = time.monotonic()
                        open_count -= 1
                        sel.unregister(c.sock)
                        c.sock.close()

                while open_count and time.monotonic() < give_up:
                    now = time.monotonic()
                    for c in conns:
                        if c.closed is None and now >= c.next_send and c.sent < len(c.data):
                            try:
                                c.sock.send(c.data[c.sent:c.sent + 1])
                                c.sent += 1
                            except BlockingIOError:
                                pass
                            except OSError:
                                mark_closed(c)
                            c.next_send = now + c.period
                    for key, _ in sel.select(timeout=0.2):
                        c = key.data
                        try:
                            data = c.sock.recv(65536)
                        except BlockingIOError:
                            continue
                        except OSError:
                            data = b""
                        if data:
                            c.answer += data[:200]
                        else:
                            mark_closed(c)
                    if now - last_sample >= 0.5:
                        last_sample = now
                        fds_peak = max(fds_peak, fd_count(pid))
                        rss_peak = max(rss_peak, rss_kib(pid))
                still_open = [c for c in conns if c.closed is None]
                for c in still_open:
                    c.sock.close()
                time.sleep(3)  # let the server finish its own closing
                all_conns.extend(conns)
                time.sleep(3)  # let the server finish its own closing
                wave_after.append((fd_count(pid), rss_kib(pid)))
                print(f"wave {wave + 1}: server fds {wave_after[-1][0]}, RSS "
                      f"{wave_after[-1][1] / 1024:.1f} MiB after all closed", flush=True)
            conns = all_conns
            fds1, rss1, targets1 = fd_count(pid), rss_kib(pid), fd_targets(pid)
            time.sleep(3)
            viewer_res = viewer.stop()[0]
            alive = server.proc.poll() is None
            pub_alive = pub.poll() is None
        finally:
            stop_proc(pub)

    checks = [("server alive", alive, "running at the end" if alive else "EXITED"),
              ("publisher alive", pub_alive, "ffmpeg still publishing" if pub_alive else
               "ffmpeg EXITED")]
    for kind in ("http", "rtmp"):
        mine = [c for c in conns if c.kind == kind]
        if not mine:
            continue
        closed = [c.closed - c.opened for c in mine if c.closed is not None]
        late = [x for x in closed if x > deadline[kind] + GRACE_S]
        early = [x for x in closed if x < deadline[kind] - 0.5]
        never = len(mine) - len(closed)
        answers = {}
        for c in mine:
            key = c.answer.split(b"\r\n", 1)[0].decode("latin-1")[:40] if c.answer else "(none)"
            answers[key] = answers.get(key, 0) + 1
        print(f"SLOWLORIS {kind} n={len(mine)} closed after: min={min(closed, default=0):.2f} "
              f"p50={percentile(closed, 50):.2f} p99={percentile(closed, 99):.2f} "
              f"max={max(closed, default=0):.2f} s (deadline {deadline[kind]:.0f} s); "
              f"early={len(early)} late={len(late)} never={never}; first answer line: {answers}")
        checks.append((f"{kind} slow connections closed within deadline + {GRACE_S:.0f} s",
                       not late and never == 0,
                       f"max {max(closed, default=0):.2f} s, late {len(late)}, still open {never}"))
    pl, sg = viewer_res["playlist_latency"], viewer_res["segment_latency"]
    gaps = cadence_gaps(viewer_res["new_times"])
    max_gap = max(gaps, default=float("inf"))
    print(f"SLOWLORIS viewer playlist p50={ms(percentile(pl, 50))} p99={ms(percentile(pl, 99))} "
          f"n={len(pl)}; segment p50={ms(percentile(sg, 50))} p99={ms(percentile(sg, 99))} "
          f"n={len(sg)}; errors={len(viewer_res['errors'])} {viewer_res['errors'][:3]}")
    print(f"SLOWLORIS publisher cadence: {len(viewer_res['new_times'])} new segments, max gap "
          f"{max_gap:.2f} s (target {TARGET_SEGMENT_S} s)")
    print(f"SLOWLORIS server fds before={fds0} peak={fds_peak} after={fds1}; "
          f"RSS before={rss0 / 1024:.1f} peak={rss_peak / 1024:.1f} after={rss1 / 1024:.1f} MiB; "
          f"fd kinds changed (before, after): {fd_diff(targets0, targets1)}; "
          f"after each wave (fds, RSS MiB): {[(f, round(r / 1024, 1)) for f, r in wave_after]}")
    checks += [
        ("slow connections opened", not open_errors, f"{len(open_errors)} connect failures "
         f"{open_errors[:2]}"),
        ("viewer errors", not viewer_res["errors"], f"{len(viewer_res['errors'])}"),
        ("viewer playlist p99 < 100 ms", percentile(pl, 99) < 0.100, ms(percentile(pl, 99))),
        ("publisher cadence within target + 1 s", max_gap <= TARGET_SEGMENT_S + 1.0,
         f"max gap {max_gap:.2f} s over {len(viewer_res['new_times'])} segments"),
        ("server fds back to start ± 10", abs(fds1 - fds0) <= 10,
         f"before {fds0}, peak {fds_peak}, after {fds1}"),
    ]
    return verdict("slowloris.py", checks)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--short", action="store_true",
                        help="CI size: 300 HTTP + 100 RTMP, 5 s deadlines")
    parser.add_argument("--http", type=int, default=None)
    parser.add_argument("--rtmp", type=int, default=None)
    parser.add_argument("--waves", type=int, default=1,
                        help="repeat the open/close wave (RSS after each shows growth)")
    sys.exit(run(parser.parse_args()))


if __name__ == "__main__":
    main()
