"""Viewer-experience accuracy, end to end: a throttled viewer rebuffers, its player reports it
in QoE beacons, and the server's aggregate must agree with what the player itself counted.

One RTMP publisher (640x360, ~1.5 Mbit/s, passthrough ladder: one rendition of a known,
steady bitrate). Chromium plays /play/ID while its download throughput is switched through
the DevTools protocol: clean, then well below the stream's bitrate (several rebuffers), clean
again, once more throttled, clean. Then the tab is closed: pagehide ends the view and the
player sends view_end with its final totals (tests/browser/qoe_throttled.mjs).

Checked:
- the page's beacons: one view, seq 0, 1, 2, … all sent, the bodies on the wire are the ones
  the player reported, and each heartbeat / view_end carries the totals of the player's own
  stats() at that moment;
- rebuffering really happened (rebuffer_count ≥ 1, ratio > 2 %), inside the throttled phases;
  the page never showed "Reconnecting…" (the publisher never left); the player's rebuffer time
  is the time the page showed "buffering" outside seeks, and all of the view's time after its
  first frame is playing, rebuffering or stalled in a seek;
- GET /v1/live-streams/{id}/health → viewers: rebuffer_ratio within 10 % (relative) of the
  player's rebuffer_ms / (playing_ms + rebuffer_ms), startup_ms_p50 = the player's startup_ms,
  no current view after view_end, no playback failure;
- /metrics: steadycast_viewers_rebuffer_ratio{live_stream_id=…} the same as the health figure,
  every beacon accepted.
Prints QOE_FIGURES: the player's and the server's ratio, their relative error, the rebuffer
count and time, startup, and page_ratio (the same ratio from the test's own measure: time the
page showed "buffering" outside seeks).
"""

import json
import os
import re
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request

from harness import Server, log, run_test

ROOT = os.environ.get("STEADYCAST_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(ROOT, "tests", "browser", "qoe_throttled.mjs")
WEB_DIR = os.environ.get("STEADYCAST_WEB_DIR")

VIDEO_KBPS = 1500
THROTTLE_SHARE = 0.4      # throttled download throughput, as a share of the stream's bitrate
PUBLISH_SECONDS = 150     # longer than the test: the stream stays live until the view ended
MAX_RELATIVE_ERROR = 0.10
MIN_RATIO = 0.02


def phases(throttled_kbps):
    """Clean → throttled → clean → throttled → clean: 71 s of viewing."""
    return [
        {"name": "clean", "seconds": 12, "kbps": None},
        {"name": "throttled", "seconds": 20, "kbps": throttled_kbps},
        {"name": "clean", "seconds": 14, "kbps": None},
        {"name": "throttled", "seconds": 14, "kbps": throttled_kbps},
        {"name": "clean", "seconds": 11, "kbps": None},
    ]


def server_args():
    args = ["--api-rate-limits", "false"]
    if WEB_DIR:
        args += ["--web-dir", WEB_DIR]
    return args


class Publisher:
    """ffmpeg publishing testsrc2 640x360 at a capped, steady bitrate over RTMP."""

    def __init__(self, url, seconds):
        self.errfile = tempfile.TemporaryFile()
        kbps = f"{VIDEO_KBPS}k"
        args = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re",
                "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                "-t", str(seconds), "-c:v", "libx264", "-preset", "veryfast", "-g", "50",
                "-pix_fmt", "yuv420p", "-b:v", kbps, "-maxrate", kbps, "-bufsize", kbps,
                "-c:a", "aac", "-b:a", "64k", "-f", "flv", url]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=self.errfile)

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.errfile.seek(0)
        errors = self.errfile.read().decode(errors="replace")
        self.errfile.close()
        return errors


def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.read()


def measured_kbps(server, stream, segments=3):
    """The delivered bitrate (every media playlist of the master, audio included) over the
    last `segments` segments: bytes / EXTINF seconds."""
    master_url = server.master_url(stream)
    master = fetch(master_url).decode()
    uris = re.findall(r'URI="([^"]+)"', master)
    uris += [line for line in master.splitlines() if line and not line.startswith("#")]
    total = 0.0
    for uri in dict.fromkeys(uris):
        media_url = urllib.parse.urljoin(master_url, uri)
        lines = fetch(media_url).decode().splitlines()
        pairs = [(float(lines[i].split(":")[1].split(",")[0]), lines[i + 1])
                 for i in range(len(lines) - 1) if lines[i].startswith("#EXTINF:")]
        pairs = pairs[-segments:]
        size = sum(len(fetch(urllib.parse.urljoin(media_url, seg))) for _, seg in pairs)
        total += size * 8 / 1000 / sum(d for d, _ in pairs)
    return total


def run_viewer(url, plan, timeout):
    """Runs qoe_throttled.mjs (its progress lines go to the log); returns its result."""
    proc = subprocess.Popen(["node", SCRIPT, url, json.dumps(plan)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    stderr = []
    threading.Thread(target=lambda: stderr.extend(proc.stderr), daemon=True).start()
    watchdog = threading.Timer(timeout, proc.kill)
    watchdog.start()
    result = {}
    try:
        for line in proc.stdout:
            if line.startswith("{"):
                result = json.loads(line)
            else:
                log(f"  viewer: {line.rstrip()}")
        proc.wait()
    finally:
        watchdog.cancel()
    assert result, f"the viewer gave no result (exit {proc.returncode}): {''.join(stderr)[-3000:]}"
    if os.environ.get("QOE_RESULT_FILE"):  # every sample, state and beacon, for a closer look
        with open(os.environ["QOE_RESULT_FILE"], "w") as f:
            json.dump(result, f)
    assert result.get("ok"), (result.get("exception"), "".join(stderr)[-3000:])
    assert result["page_errors"] == [], result["page_errors"]
    return result


def totals_event(body):
    """The heartbeat/view_end of a beacon body (the last one if several), or None."""
    found = [e for e in body["events"] if e["type"] in ("heartbeat", "view_end")]
    return found[-1] if found else None


def check_beacons(result, playback_id):
    """The beacons of the one view, checked against the wire and the player's stats();
    returns (view_end event, the player's stats() when it was sent)."""
    reported = result["beacons"]
    wire = result["requests"]
    assert reported, "the player reported no beacon"
    views = {b["body"]["view_id"] for b in reported}
    assert len(views) == 1, f"expected one view, the page had {len(views)}"
    assert all(b["body"]["playback_id"] == playback_id for b in reported)
    assert [b["body"]["seq"] for b in reported] == list(range(len(reported))), \
        [b["body"]["seq"] for b in reported]
    assert all(b["transport"] in ("beacon", "fetch") and b["dropped"] == 0 for b in reported), \
        [(b["transport"], b["dropped"]) for b in reported]
    # What left the page is what the player says it sent.
    # What left the page is what the player says it sent: every request the browser reported
    # (not always the one sent while the page closes; that every beacon arrived is checked on
    # the server's side, by its count of accepted beacons).
    by_seq = {b["body"]["seq"]: b["body"] for b in reported}
    for body in wire:
        assert by_seq.get(body.get("seq")) == body, (body, by_seq.get(body.get("seq")))
    missing = sorted(set(by_seq) - {b["seq"] for b in wire})
    assert len(missing) <= 1 and set(missing) <= {len(reported) - 1}, missing
    log(f"beacons: {len(reported)} sent, {len(wire)} seen as requests")
    for record in reported:
        totals = totals_event(record["body"])
        if totals is None:
            continue
        stats = record["stats"]
        # stats() ran right after the event was built: the same counters, a few ms later.
        assert totals["rebuffer_count"] == stats["rebuffer_count"], (totals, stats)
        for key in ("playing_ms", "rebuffer_ms"):
            assert 0 <= stats[key] - totals[key] <= 50, (key, totals, stats)
    kinds = [e["type"] for b in reported for e in b["body"]["events"]]
    assert kinds.count("view_end") == 1 and kinds[-1] == "view_end", kinds[-5:]
    assert kinds.count("heartbeat") >= 5, kinds.count("heartbeat")
    last = reported[-1]
    return totals_event(last["body"]), last["stats"]


def spans(records, end, opening, closing=None):
    """[start, end) intervals (page clock, ms) opened by a record whose value is `opening` and
    closed by the next record (the next one whose value is `closing`, if given) or by `end`."""
    out = []
    for i, r in enumerate(records):
        if r["value"] != opening or (out and r["at"] < out[-1][1]):
            continue
        later = [n["at"] for n in records[i + 1:] if closing is None or n["value"] == closing]
        out.append((r["at"], min(later[0] if later else end, end)))
    return out


def overlap(a, b):
    return sum(max(0.0, min(e1, e2) - max(s1, s2)) for s1, e1 in a for s2, e2 in b)


def subtract(a, b):
    """Intervals `a` without the parts covered by intervals `b`."""
    out = []
    for start, end in a:
        pieces = [(start, end)]
        for s2, e2 in b:
            pieces = [p for s1, e1 in pieces
                      for p in ((s1, min(e1, s2)), (max(s1, e2), e1)) if p[1] > p[0]]
        out += pieces
    return out


def stall_time(result):
    """The test's own measure of rebuffering, from the page's state changes and the <video>'s
    seeks: time in "buffering" outside seeks (ms), how much of it in or right after a
    throttled phase, the number of buffering spans, and the time stalled in seeks (ms)."""
    end = result["end_requested_at"]
    states = [{"at": s["at"], "value": s["state"]} for s in result["states"]]
    seeks = [{"at": s["at"], "value": s["type"]} for s in result["seeks"]]
    buffering = spans(states, end, "buffering")
    seeking = spans(seeks, end, "seeking", "seeked")
    stalled = subtract(buffering, seeking)
    throttled = [(p["start"], p["end"] + 4000) for p in result["phases"] if p["kbps"]]
    return (sum(e - s for s, e in stalled), overlap(stalled, throttled), len(buffering),
            overlap(buffering, seeking))


def beacon_outcomes(server):
    """steadycast_beacons_total by outcome, from /metrics."""
    status, _, raw = server.request("GET", "/metrics")
    assert status == 200, status
    return {m.group(1): int(m.group(2)) for m in re.finditer(
        r'^steadycast_beacons_total\{outcome="([a-z_]+)"\} (\d+)$', raw.decode(), re.M)}


def metric(text, name, stream_id):
    match = re.search(rf'^{name}\{{live_stream_id="{stream_id}"\}} (\S+)$', text, re.M)
    return float(match.group(1)) if match else None


def server_figures(server, stream, beacons):
    """viewers of the stream's health and the beacon outcomes, once every beacon the page sent
    is in (view_end included: the view is then no longer current)."""
    deadline = time.time() + 10
    while True:
        health = server.api("GET", f"/v1/live-streams/{stream['id']}/health", expect=200)
        viewers = health["data"]["viewers"]
        outcomes = beacon_outcomes(server)
        if viewers["current"] == 0 and outcomes.get("accepted", 0) >= beacons:
            return viewers, outcomes
        assert time.time() < deadline, f"the beacons did not all arrive: {outcomes} {viewers}"
        time.sleep(0.2)


def test_qoe_throttled():
    with Server(*server_args()) as server:
        stream = server.create_stream(reconnect_window=60, ladder="passthrough")
        playback_id = stream["playback_ids"][0]["id"]
        publisher = Publisher(server.rtmp_url(stream["stream_key"]), PUBLISH_SECONDS)
        try:
            server.wait_for_playlist(stream, timeout=30)
            time.sleep(6)  # a few segments: a viewer arriving at a running stream
            kbps = measured_kbps(server, stream)
            throttled_kbps = round(THROTTLE_SHARE * kbps)
            log(f"stream: {kbps:.0f} kbit/s delivered; throttled phases at {throttled_kbps} kbit/s")
            assert 0.5 * VIDEO_KBPS < kbps < 1.5 * VIDEO_KBPS, kbps
            url = server.url(f"/play/{playback_id}?muted=1")
            result = run_viewer(url, phases(throttled_kbps), timeout=130)
            assert publisher.proc.poll() is None, "the publisher stopped during the view"
        finally:
            errors = publisher.close()
        assert not errors.strip(), errors[-2000:]

        # The player's figures: its last beacon (view_end) and its stats() at that moment.
        final, stats = check_beacons(result, playback_id)
        playing, rebuffer = final["playing_ms"], final["rebuffer_ms"]
        count = final["rebuffer_count"]
        player_ratio = rebuffer / (playing + rebuffer)
        startup = stats["startup_ms"]
        # The test's own: what the page showed.
        stalled, stalled_throttled, episodes, in_seeks = stall_time(result)
        page_ratio = stalled / (playing + stalled)
        events = [e for b in result["beacons"] for e in b["body"]["events"]]
        wall = final["at_ms"] - next(e["at_ms"] for e in events if e["type"] == "first_frame")
        unaccounted = wall - playing - rebuffer - in_seeks
        # The server's.
        viewers, outcomes = server_figures(server, stream, len(result["beacons"]))
        server_ratio = viewers["rebuffer_ratio"]
        error = abs(server_ratio - player_ratio) / player_ratio
        status, _, raw = server.request("GET", "/metrics")
        assert status == 200, status
        exported = metric(raw.decode(), "steadycast_viewers_rebuffer_ratio", stream["id"])

        log("phases: " + "; ".join(
            f"{p['name']} {p['seconds']}s → playing {p['stats']['playing_ms']} ms, rebuffer "
            f"{p['stats']['rebuffer_ms']} ms ×{p['stats']['rebuffer_count']}"
            for p in result["phases"]))
        log(f"player: playing {playing} ms, rebuffer {rebuffer} ms in {count} rebuffer(s), "
            f"startup {startup} ms")
        log(f"page: 'buffering' {stalled:.0f} ms outside seeks in {episodes} span(s) "
            f"({stalled_throttled:.0f} ms in or right after a throttled phase), {in_seeks:.0f} ms "
            f"stalled in {len(result['seeks']) // 2} seek(s); {wall} ms from first frame to "
            f"view_end, {unaccounted:.0f} ms of it neither playing, rebuffering nor in a seek")
        log(f"server: viewers {viewers}; beacons {outcomes}; "
            f"steadycast_viewers_rebuffer_ratio {exported}")
        log(f"QOE_FIGURES player_ratio={player_ratio:.4f} server_ratio={server_ratio:.4f} "
            f"relative_error={error:.2%} rebuffer_count={count} rebuffer_ms={rebuffer} "
            f"playing_ms={playing} startup_ms={startup} "
            f"server_startup_ms_p50={viewers['startup_ms_p50']} page_ratio={page_ratio:.4f}")

        # The publisher never left and the network was only slow: the page never showed
        # "Reconnecting…" (a stall taken for a publisher outage is not counted as rebuffering).
        shown = [s["state"] for s in result["states"]]
        assert not set(shown) - {"loading", "playing", "buffering"}, shown
        # The view rebuffered, and because of the throttling.
        assert count >= 1 and player_ratio > MIN_RATIO, (count, player_ratio)
        assert stalled_throttled >= 0.8 * stalled, (stalled_throttled, stalled)
        # The player's rebuffer time is the time the page showed "buffering" outside seeks
        # (both follow the same facts; a tick of the stall watcher as slack), and all of the
        # view's time after its first frame is playing, rebuffering or stalled in a seek.
        assert abs(rebuffer - stalled) <= 300 + 0.05 * stalled, (rebuffer, stalled)
        assert abs(unaccounted) <= 300 + 0.01 * wall, (wall, playing, rebuffer, in_seeks)

        # Every beacon arrived and counted; the server's figures are the player's.
        assert outcomes["accepted"] == len(result["beacons"]), outcomes
        assert not any(n for outcome, n in outcomes.items() if outcome != "accepted"), outcomes
        assert error <= MAX_RELATIVE_ERROR, (server_ratio, player_ratio)
        assert viewers["startup_ms_p50"] == startup, (viewers["startup_ms_p50"], startup)
        assert viewers["playback_failure_ratio"] == 0, viewers
        assert exported is not None and abs(exported - server_ratio) < 1e-6, \
            (exported, server_ratio)


if __name__ == "__main__":
    run_test(test_qoe_throttled)
