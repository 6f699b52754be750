"""Viewer QoE beacons end to end: a real server, a stream published with ffmpeg (RTMP,
passthrough ladder), and simulated players posting beacons as navigator.sendBeacon does
(text/plain, no credentials) from Python threads.

1. 50 viewers with known startup times, rebuffering and bitrates (45 play, 5 fail at startup,
   20 have left; every one re-sends one beacon, a duplicate): GET /v1/live-streams/{id}/health
   `viewers` and the steadycast_viewers_* series of /metrics equal the figures computed here
   from the definitions (nearest-rank percentiles, time-weighted ratios).
2. Refusals: malformed JSON 400, a field error 400 naming the field, 17 KiB 413, a forged
   playback id 404, a signed playback id without / with a forged token 403 and with a valid
   HS256 token 202; each counted in steadycast_beacons_total{outcome}; CORS preflight 204.
3. A stream whose viewers rebuffer 20 % gets live_stream.viewer_experience_degraded in
   GET /v1/events once the condition has held (viewers.experience_hold_ms, a testing setting,
   shortens the 30 s to 3 s), then _recovered when their rebuffering stops.
Prints VIEWER_* figures (accuracy of each figure against the expected value)."""

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.request

from harness import Server, log, run_test
from reconnect_helpers import metrics, rtmp_publisher

SECRET = "an-hs256-secret-of-at-least-32-bytes!!"
HOLD_MS = 3000
VIEWERS = 50
PLAYING = 45


def post_beacon(server, body, content_type="text/plain;charset=UTF-8", query=""):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    data = data.encode() if isinstance(data, str) else data
    req = urllib.request.Request(server.url("/v1/playback/beacons" + query), data=data,
                                 method="POST", headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def beacon(playback_id, view, seq, events, token=None):
    body = {"v": 1, "playback_id": playback_id, "view_id": f"it-view-{view:08d}", "seq": seq,
            "player": {"name": "it-sim", "version": "1", "engine": "python"}, "events": events}
    if token:
        body["token"] = token
    return body


def totals(kind, at_ms, playing, rebuffer, kbps):
    event = {"type": kind, "at_ms": at_ms, "playing_ms": playing, "rebuffer_ms": rebuffer,
             "rebuffer_count": 1 if rebuffer else 0}
    if kbps is not None:
        event["bitrate_kbps"] = kbps
    return event


# The 50 simulated viewers ----------------------------------------------------------------------
def startup(i):
    return 500 + 37 * ((i * 7) % PLAYING)


def first_kbps(i):
    return 800 * (1 + i % 3)


def second_kbps(i):
    return first_kbps(i) if i % 2 == 0 else 2 * first_kbps(i)


def rebuffer(i):
    return 100 * i


def viewer_beacons(playback_id, i):
    """The beacons viewer i sends, in order (the second heartbeat is sent twice)."""
    if i >= PLAYING:  # fails before any frame, then the page is closed
        return [beacon(playback_id, i, 0, [{"type": "view_start", "at_ms": 0}]),
                beacon(playback_id, i, 1, [
                    {"type": "error", "at_ms": 4000, "fatal": True,
                     "code": "networkError/manifestLoadError"},
                    totals("view_end", 4100, 0, 0, None)])]
    half = beacon(playback_id, i, 1, [
        {"type": "rendition_switch", "at_ms": 1500, "bitrate_kbps": first_kbps(i), "height": 360},
        totals("heartbeat", 31000, 30000, rebuffer(i) // 2, first_kbps(i))])
    last = "view_end" if i >= 30 else "heartbeat"
    return [beacon(playback_id, i, 0, [{"type": "view_start", "at_ms": 0},
                                       {"type": "first_frame", "at_ms": startup(i),
                                        "startup_ms": startup(i)}]),
            half, half,
            beacon(playback_id, i, 2, [totals(last, 61000, 60000, rebuffer(i), second_kbps(i))])]


def expected_figures():
    """The figures by the definitions (docs/viewer-experience.md), computed independently."""
    startups = sorted(startup(i) for i in range(PLAYING))

    def nearest_rank(p):
        rank = -(-p * len(startups) // 100)  # ceil(p·N/100)
        return startups[rank - 1]
    playing = 60000 * PLAYING
    rebuffering = sum(rebuffer(i) for i in range(PLAYING))
    kbps_ms = sum(30000 * first_kbps(i) + 30000 * second_kbps(i) for i in range(PLAYING))
    return {"current": 30, "startup_ms_p50": nearest_rank(50), "startup_ms_p95": nearest_rank(95),
            "rebuffer_ratio": rebuffering / (playing + rebuffering),
            "playback_failure_ratio": (VIEWERS - PLAYING) / VIEWERS,
            "average_kbps": kbps_ms / playing}


def simulate_viewers(server, playback_id):
    """Every viewer in its own thread; returns the statuses seen."""
    statuses = []
    lock = threading.Lock()

    def run(i):
        for body in viewer_beacons(playback_id, i):
            code, headers, _ = post_beacon(server, body)
            assert headers.get("Access-Control-Allow-Origin") == "*", headers
            with lock:
                statuses.append(code)
    threads = [threading.Thread(target=run, args=(i,)) for i in range(VIEWERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return statuses


def check_figures(server, stream_id, want):
    got = server.api("GET", f"/v1/live-streams/{stream_id}/health", expect=200)["data"]["viewers"]
    log(f"health viewers: {got}")
    series = metrics(server)
    label = f'{{live_stream_id="{stream_id}"}}'
    from_metrics = {
        "current": series[f"steadycast_viewers_current{label}"],
        "startup_ms_p50": series[
            f'steadycast_viewers_startup_ms{{live_stream_id="{stream_id}",quantile="0.5"}}'],
        "startup_ms_p95": series[
            f'steadycast_viewers_startup_ms{{live_stream_id="{stream_id}",quantile="0.95"}}'],
        "rebuffer_ratio": series[f"steadycast_viewers_rebuffer_ratio{label}"],
        "playback_failure_ratio": series[f"steadycast_viewers_playback_failure_ratio{label}"],
        "average_kbps": series[f"steadycast_viewers_average_kbps{label}"],
    }
    for name, value in want.items():
        error = abs(got[name] - value) / max(abs(value), 1e-12)
        log(f"VIEWER_{name.upper()} expected={value} health={got[name]} "
            f"metrics={from_metrics[name]} relative_error={error:.2e}")
        assert error < 1e-9, (name, got[name], value)
        assert abs(from_metrics[name] - value) / max(abs(value), 1e-12) < 1e-9, (
            name, from_metrics[name], value)
    return series


# Refusals --------------------------------------------------------------------------------------
def jwt_hs256(claims):
    def b64(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    signing_input = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." + b64(
        json.dumps(claims).encode())
    signature = hmac.new(SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64(signature)


def check_refusals(server, public_pb):
    ok_event = [{"type": "view_start", "at_ms": 0}]
    code, headers, body = post_beacon(server, b"{\"v\":1,")
    assert code == 400 and json.loads(body)["type"].endswith("/invalid-json"), (code, body)
    assert headers.get("Access-Control-Allow-Origin") == "*"
    bad = beacon(public_pb, 900, 0, [{"type": "view_start", "at_ms": -1}])
    code, _, body = post_beacon(server, bad)
    assert code == 400, (code, body)
    assert json.loads(body)["errors"][0]["field"] == "events[0].at_ms", body
    big = beacon(public_pb, 901, 0, ok_event)
    big["padding"] = "x" * (17 * 1024)
    code, _, body = post_beacon(server, big)
    assert code == 413, (code, body)
    code, _, body = post_beacon(server, beacon("pb_forged0000000000000000", 902, 0, ok_event))
    assert code == 404, (code, body)

    signed = server.create_stream(playback_policy="signed")
    signed_pb = signed["playback_ids"][0]["id"]
    code, _, body = post_beacon(server, beacon(signed_pb, 903, 0, ok_event))
    assert code == 403, (code, body)
    forged = jwt_hs256({"sub": signed_pb, "exp": int(time.time()) + 600})[:-4] + "AAAA"
    code, _, _ = post_beacon(server, beacon(signed_pb, 903, 1, ok_event, token=forged))
    assert code == 403, code
    good = jwt_hs256({"sub": signed_pb, "exp": int(time.time()) + 600})
    code, _, _ = post_beacon(server, beacon(signed_pb, 903, 2, ok_event, token=good))
    assert code == 202, code
    in_query = beacon(signed_pb, 903, 3, ok_event)
    in_query["experimental"] = {"from": "a newer player"}  # ignored and counted
    code, _, _ = post_beacon(server, in_query, query=f"?token={good}")
    assert code == 202, code

    req = urllib.request.Request(server.url("/v1/playback/beacons"), method="OPTIONS", headers={
        "Origin": "https://embed.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 204
        assert resp.headers["Access-Control-Allow-Origin"] == "*"
        assert "POST" in resp.headers["Access-Control-Allow-Methods"]


# Degraded / recovered --------------------------------------------------------------------------
def events_of(server, stream_id, type_):
    return server.api("GET", f"/v1/events?type={type_}&live_stream_id={stream_id}",
                      expect=200)["data"]


class RebufferingViewers:
    """Five viewers of one stream sending a heartbeat each second with their running totals."""

    def __init__(self, server, playback_id):
        self.server, self.playback_id = server, playback_id
        self.playing = {v: 0 for v in range(5)}
        self.rebuffering = {v: 0 for v in range(5)}
        self.seq = 0

    def until_event(self, stream_id, type_, playing_ms, rebuffer_ms, timeout=25):
        """Heartbeats adding `playing_ms`/`rebuffer_ms` per second until the stream has an
        event of `type_`; returns (its events, seconds taken)."""
        start = time.time()
        while time.time() - start < timeout:
            for v in self.playing:
                self.playing[v] += playing_ms
                self.rebuffering[v] += rebuffer_ms
                p, r = self.playing[v], self.rebuffering[v]
                code, _, _ = post_beacon(self.server, beacon(self.playback_id, 100 + v, self.seq, [
                    totals("heartbeat", p + r, p, r, 1500)]))
                assert code == 202, code
            self.seq += 1
            found = events_of(self.server, stream_id, type_)
            if found:
                return found, time.time() - start
            time.sleep(1)
        raise AssertionError(f"no {type_} event within {timeout} s")


def check_experience_events(server):
    stream = server.create_stream()
    sid = stream["id"]
    degraded = "live_stream.viewer_experience_degraded"
    viewers = RebufferingViewers(server, stream["playback_ids"][0]["id"])
    # Each second 0.8 s playing and 0.2 s rebuffering: 20 %.
    found, took = viewers.until_event(sid, degraded, 800, 200)
    data = found[0]["data"]
    log(f"VIEWER_DEGRADED_AFTER_S={took:.1f} (hold {HOLD_MS / 1000:.0f} s) "
        f"viewers={data['viewers']}")
    assert data["id"] == sid and data["viewers"]["rebuffer_ratio"] > 0.05, data
    assert data["viewers"]["current"] == 5 and "stream_key" not in data, data
    assert took >= HOLD_MS / 1000, took
    # Rebuffering stops: the 10-minute ratio falls below 3 % as playing time accumulates.
    back, took = viewers.until_event(sid, "live_stream.viewer_experience_recovered", 20000, 0)
    log(f"VIEWER_RECOVERED_AFTER_S={took:.1f} viewers={back[0]['data']['viewers']}")
    assert back[0]["data"]["viewers"]["rebuffer_ratio"] < 0.03
    assert len(events_of(server, sid, degraded)) == 1  # hysteresis: one of each


def test_viewer_beacons():
    env = {"STEADYCAST_BEACONS_ADDRESS_RATE": "100000", "STEADYCAST_BEACONS_ADDRESS_BURST": "100000",
           "STEADYCAST_VIEWERS_EXPERIENCE_HOLD_MS": str(HOLD_MS),
           "STEADYCAST_PLAYBACK_HS256_SECRET": SECRET}
    with Server("--api-rate-limits", "false", env=env) as server:
        stream = server.create_stream()
        publisher = rtmp_publisher(server, stream["stream_key"], seconds=60)
        try:
            server.wait_for_playlist(stream)
            pb = stream["playback_ids"][0]["id"]
            statuses = simulate_viewers(server, pb)
            assert statuses.count(202) == len(statuses) == PLAYING * 4 + (VIEWERS - PLAYING) * 2
            check_figures(server, stream["id"], expected_figures())
            check_refusals(server, pb)
            series = metrics(server)
            outcomes = {o: series.get(f'steadycast_beacons_total{{outcome="{o}"}}') for o in (
                "accepted", "duplicate", "invalid", "too_large", "unknown_playback_id",
                "forbidden", "rate_limited")}
            log(f"VIEWER_BEACON_OUTCOMES {outcomes}")
            assert outcomes == {"accepted": PLAYING * 3 + (VIEWERS - PLAYING) * 2 + 2,
                                "duplicate": PLAYING, "invalid": 2, "too_large": 1,
                                "unknown_playback_id": 1, "forbidden": 2, "rate_limited": 0}
            assert series['steadycast_beacon_ignored_total{what="unknown_key"}'] == 1
            check_experience_events(server)
        finally:
            publisher.close()


if __name__ == "__main__":
    run_test(test_viewer_beacons)
