#!/usr/bin/env python3
"""Prints a table of SRT figures under loss at several latencies (not part of ctest).

Each latency gets its own stream and its own `steadycast lab relay --proto udp` (10 % loss and
50 ms delay each way by default, RTT about 100 ms); the same pre-made 720p 2.5 Mb/s TS file is
published through each with `ffmpeg -re -c copy` over SRT, one run after the other. The figures
come from the server's health route (SRT stats) and from decoding the HLS output.

Usage: STEADYCAST_BIN=build/steadycast python3 tests/netlab/srt_latency_sweep.py
           [--latencies 120,400,800] [--seconds 20] [--loss 10] [--delay 50]
"""

import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))

from harness import Server  # noqa: E402
from srt_helpers import LOSSY_VIDEO, LossyRun, make_ts  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latencies", default="120,400,800")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--loss", type=float, default=10)
    parser.add_argument("--delay", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    opts = parser.parse_args()
    rows = []
    with Server("--hls-playlist-segments", "30", "--srt-latency-ms", "20") as server, \
            tempfile.TemporaryDirectory() as workdir:
        source = make_ts(os.path.join(workdir, "720p.ts"), seconds=opts.seconds, **LOSSY_VIDEO)
        for latency in (int(x) for x in opts.latencies.split(",")):
            run = LossyRun(server, source, latency, loss=opts.loss, delay=opts.delay,
                           seed=opts.seed).start().finish()
            print(run.summary(), file=sys.stderr, flush=True)
            rows.append(run)
    print(f"link: loss {opts.loss:g} % and delay {opts.delay} ms each way, "
          f"{opts.seconds} s of 720p at 2.5 Mb/s")
    print("| latency ms | rtt ms | received | lost | retransmitted | dropped | frames | "
          "decode errors |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        s = r.srt
        print(f"| {r.latency_ms} | {r.rtt_ms:.0f} | {s.get('packets_received')} | "
              f"{s.get('packets_lost')} | {s.get('packets_retransmitted')} | "
              f"{s.get('packets_dropped')} | {r.frames} | {len(r.decode_errors)} |")


if __name__ == "__main__":
    main()
