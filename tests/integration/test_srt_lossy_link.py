"""SRT through a bad link (issue 3 "Tests"): `lab relay --proto udp` with 10 % loss and 50 ms
delay each way (RTT about 100 ms). With an SRT latency of 800 ms, 20 s of 720p at 2.5 Mb/s
arrive with 0 unrecovered packets (health `packets_dropped == 0`) and the HLS decodes without
an error line; the health route reports the RTT within +-30 % of 100 ms and a retransmit count
above 0. The same link with a latency of 120 ms (run at the same time, on a second stream) shows
drops: the stats are real. The server's own latency is set low (--srt-latency-ms 20) so the
caller's latency is the one negotiated (libsrt takes the larger of both)."""

import os
import tempfile

from harness import Server, log, run_test
from srt_helpers import LOSSY_VIDEO, LossyRun, make_ts

SECONDS = 20


def test_lossy_link():
    with Server("--hls-playlist-segments", "20", "--srt-latency-ms", "20") as server, \
            tempfile.TemporaryDirectory() as workdir:
        source = make_ts(os.path.join(workdir, "720p.ts"), seconds=SECONDS, **LOSSY_VIDEO)
        good = LossyRun(server, source, latency_ms=800, seed=1).start()
        tight = LossyRun(server, source, latency_ms=120, seed=2, seconds=12).start()
        tight.finish()
        good.finish()
        log("800 ms: " + good.summary() + "\n  relay: " + good.relay_total)
        log("120 ms: " + tight.summary() + "\n  relay: " + tight.relay_total)
        assert good.publisher_rc == 0, good.publisher_err
        assert good.srt.get("latency_ms") == 800, good.srt
        assert good.srt["packets_dropped"] == 0, good.srt
        assert good.srt["packets_retransmitted"] > 0, good.srt
        assert 70 <= good.rtt_ms <= 130, good.rtt_ms
        assert good.decode_errors == [], good.decode_errors[:5]
        assert good.frames >= 0.9 * SECONDS * 30, good.frames
        assert tight.srt.get("latency_ms") == 120, tight.srt
        assert tight.srt["packets_dropped"] > 0, tight.srt


if __name__ == "__main__":
    run_test(test_lossy_link)
