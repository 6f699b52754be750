"""Brute-force lockout of stream keys (> 10 refused keys per minute from one source address →
that address is refused for 5 min without a store lookup; other addresses unaffected).

RTMP: 1,000 publish attempts with wrong keys from 127.0.0.2 (a minimal Python RTMP client:
handshake, connect, createStream, publish). None is accepted; after the 11th refusal the
refusals change to the lockout answer, and even the right key from 127.0.0.2 is refused.
SRT: 1,000 caller handshakes with wrong keys from 127.0.0.3 (a hand-made HSv5 handshake, see
srt_helpers.srt_handshake): none accepted, unknown keys answered 1404 until the lockout, then
1402; the right key from 127.0.0.3 is refused with 1402 too. /metrics counts it all
(steadycast_ingest_*, steadycast_srt_handshakes_total{outcome="locked_out"}).
Meanwhile a correct ffmpeg publisher from 127.0.0.1 connects and goes `active` in < 1 s
(printed as ACTIVE_AFTER_CONNECT_SECONDS)."""

import os
import socket
import statistics
import time

from harness import Server, log, run_test
from reconnect_helpers import metrics, rtmp_publish_attempt, rtmp_publisher
from srt_helpers import health, srt_addr, srt_handshake, wait_until

ATTEMPTS = 1000
MAX_REFUSED = 10  # the server default (--ingest-max-refused-keys 10)
SRT_ACCEPTED = 0xFFFFFFFF


def wrong_key():
    return os.urandom(16).hex()


def rtmp_flood(server, source):
    outcomes, times = [], []
    start = time.time()
    for _ in range(ATTEMPTS):
        t = time.time()
        outcome, description, _ = rtmp_publish_attempt(server.rtmp, wrong_key(), source)
        times.append(time.time() - t)
        outcomes.append((outcome, description))
    return outcomes, times, time.time() - start


def srt_reject_reason(answer):
    """The reject reason a libsrt caller would read (srt_getrejectreason) from the listener's
    handshake type: rejections travel as 1000 + reason, so 1402 arrives as 2402."""
    if answer is None or answer == SRT_ACCEPTED:
        return answer
    return answer - 1000


def srt_flood(server, source):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((source, 0))
    codes, start = [], time.time()
    try:
        for _ in range(ATTEMPTS):
            codes.append(srt_reject_reason(srt_handshake(
                srt_addr(server), f"#!::r={wrong_key()},m=publish", timeout=1.0, sock=sock)))
        return codes, time.time() - start, sock
    except BaseException:
        sock.close()
        raise


def ingest_counters(server):
    return {k: v for k, v in metrics(server).items() if k.startswith(
        ("steadycast_ingest_", 'steadycast_srt_handshakes_total{outcome="locked_out"}'))}


def test_ingest_lockout():
    with Server("--api-rate-limits", "false") as server:
        good = server.create_stream()

        # RTMP from 127.0.0.2.
        outcomes, times, took = rtmp_flood(server, "127.0.0.2")
        kinds = {}
        for o in outcomes:
            kinds[o] = kinds.get(o, 0) + 1
        log(f"RTMP: {ATTEMPTS} wrong keys from 127.0.0.2 in {took:.1f} s: {kinds}")
        assert not any(o[0] == "NetStream.Publish.Start" for o in outcomes), kinds
        assert all(o[0] == "NetStream.Publish.BadName" for o in outcomes), kinds
        first_answer = outcomes[0][1]
        locked_answer = outcomes[-1][1]
        assert first_answer != locked_answer, "the lockout is not visible to the client"
        switch = next(i for i, o in enumerate(outcomes) if o[1] != first_answer)
        log(f"RTMP: answers change after {switch} refusals: {first_answer!r} → {locked_answer!r}")
        assert switch == MAX_REFUSED + 1, switch
        assert all(o[1] == locked_answer for o in outcomes[switch:]), "lockout not sustained"
        before = statistics.median(times[:switch])
        after = statistics.median(times[switch:])
        log(f"RTMP attempt (connect → refusal) median: {before * 1000:.2f} ms before the "
            f"lockout, {after * 1000:.2f} ms during it")
        right = rtmp_publish_attempt(server.rtmp, good["stream_key"], "127.0.0.2")
        log(f"RTMP: the right key from the locked-out 127.0.0.2: {right}")
        assert right[0] == "NetStream.Publish.BadName" and right[1] == locked_answer, right

        # SRT from 127.0.0.3 (RTMP and SRT share the guard: a fresh address for SRT).
        codes, took, sock = srt_flood(server, "127.0.0.3")
        try:
            tally = {}
            for c in codes:
                tally[c] = tally.get(c, 0) + 1
            log(f"SRT: {ATTEMPTS} wrong keys from 127.0.0.3 in {took:.1f} s: reject codes {tally}")
            assert SRT_ACCEPTED not in codes, tally
            assert None not in codes, f"handshakes left unanswered: {tally}"
            assert codes[:MAX_REFUSED + 1] == [1404] * (MAX_REFUSED + 1), codes[:20]
            assert set(codes[MAX_REFUSED + 1:]) == {1402}, tally
            # Let the per-address handshake throttle refill (it answers 1402 too), then the
            # right key: still 1402, now from the lockout alone.
            before = ingest_counters(server)
            time.sleep(2.5)
            right_srt = srt_reject_reason(srt_handshake(
                srt_addr(server), f"#!::r={good['stream_key']},m=publish", timeout=1.0, sock=sock))
        finally:
            sock.close()
        after = ingest_counters(server)
        log(f"SRT: the right key from the locked-out 127.0.0.3: {right_srt}")
        assert right_srt == 1402, right_srt
        log(f"/metrics: {after}")
        if "steadycast_ingest_lockouts_total" in after:
            assert after["steadycast_ingest_lockouts_total"] == 2, after
            assert after["steadycast_ingest_refused_keys_total"] == 2 * (MAX_REFUSED + 1), after
            assert after["steadycast_ingest_locked_out_sources"] == 2, after
            assert after["steadycast_ingest_blocked_attempts_total"] >= \
                before["steadycast_ingest_blocked_attempts_total"] + 1, (before, after)
            # The right key's 1402 came from the lockout (the decider said locked_out), not
            # from the flood throttle.
            locked = 'steadycast_srt_handshakes_total{outcome="locked_out"}'
            assert after[locked] == before[locked] + 1, (before, after)
        else:
            log("no steadycast_ingest_* counters in /metrics; checking the log instead")
            assert server.read_log().count("locked out") >= 2

        # A correct publisher from 127.0.0.1 is unaffected and live at once.
        sid = good["id"]
        publisher = rtmp_publisher(server, good["stream_key"], seconds=30)
        attached = wait_until(lambda: health(server, sid)["publisher"] and time.time(), 20,
                              interval=0.01, what="the good publisher to connect")
        active = wait_until(lambda: health(server, sid)["status"] == "active" and time.time(), 5,
                            interval=0.01, what="the good publisher's stream to go active")
        log(f"ACTIVE_AFTER_CONNECT_SECONDS={active - attached:.3f} (ffmpeg started "
            f"{attached - publisher.started:.2f} s before it connected)")
        assert active - attached < 1.0, active - attached
        assert health(server, sid)["publisher"]["remote_address"].startswith("127.0.0.1:")
        publisher.close()


if __name__ == "__main__":
    run_test(test_ingest_lockout)
