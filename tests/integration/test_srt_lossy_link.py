"""SRT through a bad link: `lab relay --proto udp` with 10 % loss and 50 ms
delay each way (RTT about 100 ms). With an SRT latency of 800 ms, 20 s of 720p at 2.5 Mb/s
arrive with 0 unrecovered packets (health `packets_dropped == 0`) and the HLS decodes without
an error line; the health route reports the RTT within +-30 % of 100 ms and a retransmit count
above 0. The same link with a latency of 120 ms (run after it, on a second stream) shows drops:
the stats are real. The server's own latency is set low (--srt-latency-ms 20) so the caller's
latency is the one negotiated (libsrt takes the larger of both)."""

import os
import tempfile

from harness import Server, log, run_test
from srt_helpers import LOSSY_VIDEO, LossyRun, assert_decodes_clean, make_ts

SECONDS = 20
DISTURBED_RTT_MS = 250  # an RTT sample this far above 100 ms means a process was descheduled


def max_rtt(run):
    return max((h["rtt_ms"] for h in run.srt.get("history", [])[1:]), default=0)


def run_800(server, source, seed):
    run = LossyRun(server, source, latency_ms=800, seed=seed).start().finish()
    log("800 ms: " + run.summary() + f" max_rtt_ms={max_rtt(run):.0f}\n  relay: " +
        run.relay_total)
    return run


def test_lossy_link():
    with Server("--hls-playlist-segments", "20", "--srt-latency-ms", "20") as server, \
            tempfile.TemporaryDirectory() as workdir:
        source = make_ts(os.path.join(workdir, "720p.ts"), seconds=SECONDS, **LOSSY_VIDEO)
        good = run_800(server, source, seed=1)
        if good.srt.get("packets_dropped") and max_rtt(good) > DISTURBED_RTT_MS:
            # On a loaded 2-core machine the relay, server or encoder can stall for half a
            # second (seen as an RTT sample of 400-600 ms and drops in the first seconds);
            # such a run says nothing about SRT, so it is repeated once.
            log("800 ms run disturbed by a scheduling stall; repeating it once")
            good = run_800(server, source, seed=3)
        tight = LossyRun(server, source, latency_ms=120, seed=2, seconds=10).start().finish()
        log("120 ms: " + tight.summary() + "\n  relay: " + tight.relay_total)
        assert good.publisher_rc == 0, good.publisher_err
        assert good.srt.get("latency_ms") == 800, good.srt
        assert good.srt["packets_dropped"] == 0, good.srt
        assert good.srt["packets_retransmitted"] > 0, good.srt
        assert 70 <= good.rtt_ms <= 130, good.rtt_ms
        assert good.frames >= 0.9 * SECONDS * 30, good.frames
        assert_decodes_clean(server, good.stream, workdir, good.decode_errors, "800 ms")
        assert tight.srt.get("latency_ms") == 120, tight.srt
        assert tight.srt["packets_dropped"] > 0, tight.srt


if __name__ == "__main__":
    run_test(test_lossy_link)
