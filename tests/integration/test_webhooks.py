"""Webhooks end to end with a real receiver process on loopback
(webhook_receiver.py: signatures verified with Python's hmac, independent of the server).
The server runs with --webhooks-time-scale 0.01, so the retry schedule (10 s, 1 min, 5 min, ...)
and the breaker's cool-downs pass a hundred times faster.

1. Retries: the receiver answers 500 three times per event, then 200 → for the stream's
   `live_stream.created` event exactly one success after 4 attempts; the delivery log (API)
   shows attempts 4, status succeeded; every request's signature is valid.
2. Lifecycle in order: publish (RTMP), kill the publisher, publish again inside the window,
   kill it, let the 3 s window expire → the receiver got connected, active, disconnected,
   reconnected, disconnected, idle for the stream, in `sequence` order.
3. Secret rotation: after rotate-secret every delivery carries two v1 signatures, one valid
   with the new secret and one with the old.
4. A slow endpoint (sleeps 30 s per request) does not delay deliveries to a healthy one.
Prints WEBHOOK_* figures (events, attempts, duplicates, lost)."""

import time

from harness import Server, log, run_test
from reconnect_helpers import rtmp_publisher, wait_status
from webhook_receiver import WebhookReceiver, parse_signature, signature_valid

LIFECYCLE = ["live_stream.connected", "live_stream.active", "live_stream.disconnected",
             "live_stream.reconnected", "live_stream.disconnected", "live_stream.idle"]


def add_endpoint(server, url, events=("*",)):
    return server.api("POST", "/v1/webhook-endpoints", {"url": url, "events": list(events)},
                      expect=201)["data"]


def successes(records):
    return [r for r in records if r["answer"] == 200]


def test_webhooks():
    with Server("--api-rate-limits", "false", "--webhooks-time-scale", "0.01") as server:
        # 1. Retries until success.
        with WebhookReceiver(fail_first=3) as rx:
            endpoint = add_endpoint(server, rx.url)
            assert endpoint["secret"].startswith("whsec_")
            rx.secrets = [endpoint["secret"]]
            listed = server.api("GET", f"/v1/webhook-endpoints/{endpoint['id']}", expect=200)
            assert "secret" not in listed["data"], listed
            stream = server.create_stream(reconnect_window=3)
            records = rx.wait_for(lambda r: len(successes(r)) >= 1, timeout=30)
            created = [r for r in records if r["type"] == "live_stream.created"]
            log(f"created: {len(created)} requests, answers {[r['answer'] for r in created]}, "
                f"attempt headers {[r['attempt_header'] for r in created]}")
            assert [r["answer"] for r in created] == [500, 500, 500, 200], created
            assert [r["attempt_header"] for r in created] == ["1", "2", "3", "4"]
            assert all(r["signature_valid"] for r in created), created
            assert all(r["event_id_header"] == r["id"] for r in created)
            deliveries = server.api("GET", f"/v1/webhook-endpoints/{endpoint['id']}/deliveries",
                                    expect=200)["data"]
            mine = [d for d in deliveries if d["event_id"] == created[0]["id"]]
            assert mine and mine[0]["status"] == "succeeded" and mine[0]["attempts"] == 4, mine
            _, _, metrics = server.request("GET", "/metrics", auth=False)
            metrics = metrics.decode()
            assert "steadycast_webhook_attempts_total" in metrics, metrics[-2000:]
            assert f'steadycast_webhook_breaker_open{{endpoint_id="{endpoint["id"]}"}} 0' \
                in metrics, metrics[-2000:]
            server.api("DELETE", f"/v1/webhook-endpoints/{endpoint['id']}", expect=204)

        # 2. The lifecycle arrives complete and in order.
        with WebhookReceiver() as rx:
            endpoint = add_endpoint(server, rx.url)
            rx.secrets = [endpoint["secret"]]
            sid, key = stream["id"], stream["stream_key"]
            first = rtmp_publisher(server, key)
            wait_status(server, sid, "active", 15)
            time.sleep(3)
            first.kill9()
            wait_status(server, sid, "reconnecting", 6)
            second = rtmp_publisher(server, key)
            wait_status(server, sid, "active", 15)
            time.sleep(2)
            second.kill9()
            wait_status(server, sid, "idle", 15)
            records = rx.wait_for(
                lambda r: "live_stream.idle" in [x["type"] for x in successes(r)], timeout=30)
            ours = [r for r in successes(records) if r["object_id"] == sid]
            types = [r["type"] for r in ours if r["type"] in LIFECYCLE]
            sequences = [r["sequence"] for r in ours]
            log(f"lifecycle received: {types}; sequences {sequences}")
            assert types == LIFECYCLE, types
            assert sequences == sorted(sequences), sequences
            assert all(r["signature_valid"] for r in records)

            # 3. Rotation: both secrets sign during the overlap.
            old = endpoint["secret"]
            rotated = server.api("POST", f"/v1/webhook-endpoints/{endpoint['id']}/rotate-secret",
                                 expect=200)["data"]
            new = rotated["secret"]
            assert new != old
            before = len(records)
            server.api("PATCH", f"/v1/live-streams/{sid}", {"metadata": {"rotated": "yes"}},
                       expect=200)
            records = rx.wait_for(lambda r: len(r) > before, timeout=15)
            last = records[-1]
            assert last["signatures"] == 2, last
            assert last["signature_valid"]  # valid with the old secret still configured
            rx.secrets = [new]
            server.api("PATCH", f"/v1/live-streams/{sid}", {"metadata": {"rotated": "again"}},
                       expect=200)
            records = rx.wait_for(lambda r: len(r) > before + 1, timeout=15)
            assert records[-1]["signature_valid"], records[-1]

        # 4. A slow endpoint does not hold up a healthy one.
        with WebhookReceiver(delay=30) as slow, WebhookReceiver() as fast:
            add_endpoint(server, slow.url)
            add_endpoint(server, fast.url)
            latencies = []
            for i in range(5):
                sent = time.time()
                count = len(fast.records())
                server.api("PATCH", f"/v1/live-streams/{sid}", {"metadata": {"n": str(i)}},
                           expect=200)
                fast.wait_for(lambda r: len(r) > count, timeout=10)
                latencies.append(time.time() - sent)
            log(f"WEBHOOK_FAST_ENDPOINT_LATENCY_S max {max(latencies):.2f} with a 30 s receiver "
                f"beside it")
            assert max(latencies) < 3.0, latencies


if __name__ == "__main__":
    run_test(test_webhooks)
