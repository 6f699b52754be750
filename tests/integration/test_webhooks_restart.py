"""Webhooks survive a crash: with the receiver unreachable, 200 stream updates are
written to the outbox (each a `live_stream.updated` event) and the server is killed with
SIGKILL while they are pending. The receiver comes back, the server restarts on the same data
dir, and every one of the 200 events (plus the stream's `created`) arrives with a valid
signature: lost = 0, duplicates ≤ 1 % (recognisable by event id). Prints WEBHOOK_RESTART_*.
Runs with --webhooks-time-scale 0.01 (the breaker's cool-down is 0.6 s instead of 60 s)."""

import signal
import time

from harness import Server, log, run_test
from webhook_receiver import WebhookReceiver

EVENTS = 200


def test_webhooks_restart():
    with Server("--api-rate-limits", "false", "--webhooks-time-scale", "0.01") as server, \
            WebhookReceiver() as rx:
        endpoint = server.api("POST", "/v1/webhook-endpoints", {"url": rx.url, "events": ["*"]},
                              expect=201)["data"]
        rx.secrets = [endpoint["secret"]]
        rx.down = True
        stream = server.create_stream()
        for i in range(EVENTS):
            server.api("PATCH", f"/v1/live-streams/{stream['id']}", {"metadata": {"n": str(i)}},
                       expect=200)
        expected = {e["id"] for e in server.api(
            "GET", f"/v1/events?object_id={stream['id']}&limit=100", expect=200)["data"]}
        time.sleep(1.0)
        attempts_before = len(rx.records())
        server.stop(sig=signal.SIGKILL)
        log(f"killed with {EVENTS + 1} events pending; {attempts_before} refused attempts so far")
        rx.down = False
        restarted = time.time()
        server.start()
        records = rx.wait_for(
            lambda r: len({x["id"] for x in r if x["answer"] == 200}) >= EVENTS + 1, timeout=60)
        took = time.time() - restarted
        ok = [r for r in records if r["answer"] == 200]
        ids = [r["id"] for r in ok]
        distinct = set(ids)
        duplicates = len(ids) - len(distinct)
        lost = (EVENTS + 1) - len(distinct)
        log(f"WEBHOOK_RESTART events={EVENTS + 1} delivered={len(distinct)} lost={lost} "
            f"duplicates={duplicates} attempts={len(records)} seconds_after_restart={took:.2f}")
        assert lost == 0
        assert duplicates <= (EVENTS + 1) // 100, duplicates
        assert expected <= distinct, expected - distinct  # newest page of the outbox
        assert all(r["signature_valid"] for r in ok)
        sequences = [r["sequence"] for r in ok if r["object_id"] == stream["id"]]
        assert sequences == sorted(sequences), "per-object order broken"


if __name__ == "__main__":
    run_test(test_webhooks_restart)
