"""Publisher takeover over RTMP.

1. Half-open old connection: the first ffmpeg is SIGSTOPped (its TCP connection stays open but
   sends nothing). A publish attempt with the same key right away is refused (the first is
   still healthy: publisher_refused). A second ffmpeg with the same key is accepted once the
   first has been silent >= 1 s (retried while refused), the stream stays `active` with the new
   publisher, and the server closes the old connection at once (its socket is in CLOSE-WAIT
   long before the 10 s RTMP idle timeout; after SIGCONT the first ffmpeg exits with an
   error). Events: publisher_replaced (reason "silent").
2. takeover "silent-only": a third publisher while the second is healthy is refused
   (ffmpeg exits non-zero, publisher_refused), the second keeps publishing.
3. PATCH takeover "newest": a fourth publisher replaces the healthy second one (reason
   "newest"); the second ffmpeg exits with an error."""

import json
import time

from harness import Server, log, run_test
from reconnect_helpers import (outbox, rtmp_publish_attempt, rtmp_publisher, short_types,
                               socket_states, status, wait_status)
from srt_helpers import health, wait_until

SILENT_AFTER_S = 1.0  # the server default (--session-silent-after-ms 1000)


def publisher_address(server, sid):
    p = health(server, sid)["publisher"]
    return p["remote_address"] if p else None


def events_of(server, sid, type_):
    return [json.loads(r[2]) for r in outbox(server.data_dir, sid)
            if r[0] == "live_stream." + type_]


def test_takeover():
    with Server("--api-rate-limits", "false") as server:
        stream = server.create_stream(reconnect_window=60)
        sid, key = stream["id"], stream["stream_key"]
        first = rtmp_publisher(server, key)
        wait_status(server, sid, "active", 20)
        time.sleep(2)
        first_addr = publisher_address(server, sid)
        assert first_addr, "no publisher attached"

        # 1. Half-open: the first stops sending but keeps its socket.
        first.sigstop()
        stopped = time.time()
        outcome, description, _ = rtmp_publish_attempt(server.rtmp, key)
        probe_at = time.time() - stopped
        log(f"publish {probe_at:.2f} s after SIGSTOP: {outcome} ({description})")
        if probe_at < SILENT_AFTER_S * 0.8:
            assert outcome == "NetStream.Publish.BadName", (outcome, description)
            assert len(events_of(server, sid, "publisher_refused")) == 1

        second, attempts, accepted_at = None, 0, None
        while time.time() - stopped < 10:
            if second is None or second.wait(0) is not None:
                if second is not None:
                    log(f"second publisher refused (exit {second.proc.returncode}) at "
                        f"{time.time() - stopped:.2f} s; retrying")
                    second.close()
                second = rtmp_publisher(server, key)
                attempts += 1
            addr = publisher_address(server, sid)
            if addr and addr != first_addr:
                accepted_at = time.time() - stopped
                break
            time.sleep(0.05)
        assert accepted_at is not None, "the second publisher never took over"
        log(f"TAKEOVER_SECONDS={accepted_at:.2f} after SIGSTOP of the first ({attempts} "
            f"ffmpeg start(s))")
        assert accepted_at >= SILENT_AFTER_S * 0.9, accepted_at
        second_addr = publisher_address(server, sid)
        replaced = events_of(server, sid, "publisher_replaced")
        assert len(replaced) == 1 and replaced[0].get("reason") == "silent", replaced
        wait_status(server, sid, "active", 5)

        # The old connection is closed by the server (CLOSE-WAIT on the stopped client's side).
        closed = wait_until(lambda: "CLOSE-WAIT" in socket_states(first.pid)
                            or not socket_states(first.pid), 3, interval=0.1,
                            what="the old connection to be closed by the server")
        log(f"old publisher's sockets after the takeover: {socket_states(first.pid)} ({closed})")
        first.sigcont()
        rc = first.wait(10)
        log(f"first ffmpeg after SIGCONT: exit {rc}: {first.stderr().strip()[-200:]}")
        assert rc not in (None, 0), rc
        time.sleep(1.5)
        assert status(server, sid) == "active" and publisher_address(server, sid) == second_addr

        # 2. silent-only: a newcomer while the current publisher is healthy is refused.
        refused_before = len(events_of(server, sid, "publisher_refused"))
        third = rtmp_publisher(server, key)
        rc = third.wait(20)
        log(f"third publisher (healthy current, silent-only): exit {rc}: "
            f"{third.stderr().strip()[-200:]}")
        assert rc not in (None, 0), "a publisher replaced a healthy one under silent-only"
        assert len(events_of(server, sid, "publisher_refused")) == refused_before + 1
        assert publisher_address(server, sid) == second_addr and second.alive()

        # 3. takeover "newest": the newcomer replaces the healthy publisher.
        server.api("PATCH", f"/v1/live-streams/{sid}", {"takeover": "newest"}, expect=200)
        fourth = rtmp_publisher(server, key)
        wait_until(lambda: publisher_address(server, sid) not in (None, second_addr), 15,
                   what="the fourth publisher to take over")
        rc = second.wait(10)
        log(f"second ffmpeg after being replaced: exit {rc}")
        assert rc not in (None, 0), rc
        replaced = events_of(server, sid, "publisher_replaced")
        assert [r.get("reason") for r in replaced] == ["silent", "newest"], replaced
        wait_status(server, sid, "active", 5)
        assert fourth.alive(), fourth.stderr()
        types = short_types(outbox(server.data_dir, sid))
        log(f"outbox: {types}")
        assert "idle" not in types, types
        for p in (first, second, third, fourth):
            p.close()


if __name__ == "__main__":
    run_test(test_takeover)
