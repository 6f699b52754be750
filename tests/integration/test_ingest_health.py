"""Ingest health a person can read: `GET /v1/live-streams/{id}/health` shows the publisher's
ingest figures (bitrate, fps, keyframe interval, drift, codec, size) and encoder guidance, and
`/health/history` the same figures once a second.

1. ffmpeg publishes 640x360@30 with a keyframe every 60 frames over RTMP: fps ≈ 30, keyframe
   interval ≈ 2 s, 640x360 h264, a plausible bitrate, small drift; the history holds about one
   sample per second with those figures; /metrics has the same series.
2. An RTMP publisher sending 1.6 Mb/s through `lab relay --proto tcp --rate 600`: media arrives
   slower than real time, the drift grows past 2 s, the guidance recommends less than the
   relay's rate and a `live_stream.health_changed` event names the drift.
3. An SRT publisher through `lab relay --proto udp --loss 5`: the guidance reason speaks of
   loss and retransmissions."""

import calendar
import json
import re
import subprocess
import time

from harness import Server, ffmpeg_publish_args, log, run_test
from srt_helpers import (LabRelay, ffmpeg_srt_publish_args, ffmpeg_srt_url, health, srt_addr,
                         wait_until)

RELAY_KBIT = 600


def history(server, stream_id, seconds=None):
    query = "" if seconds is None else f"?seconds={seconds}"
    return server.api("GET", f"/v1/live-streams/{stream_id}/health/history{query}",
                      expect=200)["data"]


def publisher(args):
    return subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def check_ingest(ingest, what):
    assert ingest is not None, what
    assert 27 <= ingest["fps"] <= 33, (what, ingest)
    assert ingest["keyframe_interval_s"] is not None, (what, ingest)
    assert abs(ingest["keyframe_interval_s"] - 2.0) < 0.05, (what, ingest)
    assert (ingest["width"], ingest["height"], ingest["video_codec"]) == (640, 360, "h264"), ingest
    assert 100 <= ingest["bitrate_kbps"] <= 8000, (what, ingest)
    assert 60 <= ingest["audio_kbps"] <= 140, (what, ingest)
    assert abs(ingest["drift_ms"]) < 1000, (what, ingest)


def rtmp_clean(server):
    stream = server.create_stream()
    proc = publisher(ffmpeg_publish_args(server.rtmp_url(stream["stream_key"]), seconds=16))
    try:
        wait_until(lambda: health(server, stream["id"])["publisher"], 15, what="publisher")
        attached = time.time()
        time.sleep(max(0, attached + 10 - time.time()))
        now = health(server, stream["id"])
        log("clean RTMP ingest:", json.dumps(now["ingest"]), "guidance:", now["guidance"])
        check_ingest(now["ingest"], "current")
        assert now["guidance"]["recommended_max_kbps"] is None, now["guidance"]
        assert "keeps up" in now["guidance"]["reason"], now["guidance"]
        assert now["viewers"]["current"] == 0 and now["viewers"]["startup_ms_p50"] is None, now
        # About one sample per second since the publisher came, oldest first.
        everything = history(server, stream["id"])
        samples = everything["samples"]
        elapsed = time.time() - attached
        log(f"history: {len(samples)} samples over {elapsed:.1f} s with a publisher")
        assert everything["interval_s"] == 1 and everything["live_stream_id"] == stream["id"]
        assert abs(len(samples) - elapsed) <= 2.5, (len(samples), elapsed)
        last10 = history(server, stream["id"], 10)["samples"]
        assert len(last10) == 10, len(last10)
        assert last10[-1]["at"] >= samples[-1]["at"], "not the newest samples"
        times = [parse_ms(s["at"]) for s in samples]
        gaps = [b - a for a, b in zip(times, times[1:])]
        # One a second; a late timer tick (a loaded machine) is made up by the next one.
        assert all(200 <= g <= 1800 for g in gaps), gaps
        assert abs(sorted(gaps)[len(gaps) // 2] - 1000) <= 100, gaps
        for sample in last10[-6:]:
            assert sample["status"] == "active", sample
            check_ingest(sample["ingest"], "history")
            assert sample["srt"] is None and sample["viewers"] is None, sample
            assert sample["guidance"]["reason"], sample
            assert [r["name"] for r in sample["renditions"]] == ["src"], sample
        assert server.request("GET", f"/v1/live-streams/{stream['id']}/health/history"
                                     "?seconds=3601")[0] == 400
        status, _, metrics = server.request("GET", "/metrics", auth=False)
        assert status == 200
        label = f'{{live_stream_id="{stream["id"]}"}}'
        for name in ("steadycast_ingest_bitrate_kbps", "steadycast_ingest_fps",
                     "steadycast_ingest_keyframe_interval_seconds", "steadycast_ingest_drift_ms",
                     "steadycast_ingest_audio_kbps"):
            assert (name + label) in metrics.decode(), name
    finally:
        stop(proc)


def parse_ms(rfc3339):
    t = time.strptime(rfc3339[:19], "%Y-%m-%dT%H:%M:%S")
    return calendar.timegm(t) * 1000 + int(rfc3339[20:23])


def drift_events(server, stream_id):
    listed = server.api("GET", f"/v1/events?type=live_stream.health_changed"
                               f"&live_stream_id={stream_id}", expect=200)["data"]
    return [e for e in listed if "ingest_drift" in json.dumps(e["data"].get("health", {}))]


def rtmp_starved(server):
    stream = server.create_stream()
    relay = LabRelay("tcp", server.rtmp, "--rate", str(RELAY_KBIT))
    host, port = relay.addr.rsplit(":", 1)
    args = ffmpeg_publish_args(f"rtmp://{host}:{port}/live/{stream['stream_key']}", seconds=60)
    cbr = ["-b:v", "1500k", "-minrate", "1500k", "-maxrate", "1500k", "-bufsize", "750k",
           "-x264-params", "nal-hrd=cbr"]
    at = args.index("-pix_fmt")
    proc = publisher(args[:at] + cbr + args[at:])
    try:
        wait_until(lambda: health(server, stream["id"])["publisher"], 20, what="publisher")
        ingest = wait_until(lambda: (lambda i: i if i and i["drift_ms"] > 2500 else None)(
            health(server, stream["id"])["ingest"]), 30, interval=0.5, what="drift past 2.5 s")
        time.sleep(2)
        now = health(server, stream["id"])
        log(f"starved RTMP: ingest {json.dumps(now['ingest'])} (2 s before: drift "
            f"{ingest['drift_ms']} ms); guidance: {now['guidance']}")
        assert now["ingest"]["drift_ms"] > ingest["drift_ms"] + 500, "drift does not grow"
        assert now["ingest"]["bitrate_kbps"] < 1.1 * RELAY_KBIT, now["ingest"]  # what the relay lets by
        recommended = now["guidance"]["recommended_max_kbps"]
        assert recommended is not None and 0 < recommended < RELAY_KBIT, now["guidance"]
        assert "slower than real time" in now["guidance"]["reason"], now["guidance"]
        events = wait_until(lambda: drift_events(server, stream["id"]), 20, interval=0.5,
                            what="health_changed naming the drift")
        log("health_changed:", json.dumps(events[0]["data"]["health"]))
        samples = history(server, stream["id"], 30)["samples"]
        drifts = [s["ingest"]["drift_ms"] for s in samples if s["ingest"]]
        assert drifts[-1] > 2000 and drifts[-1] > drifts[0], drifts
        assert any(s["guidance"] and s["guidance"]["recommended_max_kbps"] for s in samples)
    finally:
        stop(proc)
        log("relay: " + relay.stop())


def srt_lossy(server):
    stream = server.create_stream()
    relay = LabRelay("udp", srt_addr(server), "--loss", "5", "--seed", "4")
    url = ffmpeg_srt_url(relay.addr, stream["stream_key"], latency_ms=500)
    proc = publisher(ffmpeg_srt_publish_args(url, seconds=40))
    try:
        wait_until(lambda: health(server, stream["id"])["publisher"], 20, what="publisher")

        def lossy_guidance():
            h = health(server, stream["id"])
            if not h.get("srt") or h["srt"]["connected_ms"] < 6000:
                return None  # judged over 5 s of samples
            reason = (h.get("guidance") or {}).get("reason", "")
            return h if "retransmissions" in reason and "loss" in reason else None

        now = wait_until(lossy_guidance, 30, interval=0.5, what="guidance about loss")
        srt = {k: v for k, v in now["srt"].items() if k != "history"}
        log(f"lossy SRT: ingest {json.dumps(now['ingest'])}\n  srt {json.dumps(srt)}\n  "
            f"guidance: {now['guidance']}")
        assert now["guidance"]["recommended_max_kbps"] is not None, now["guidance"]
        assert now["srt"]["retransmit_pct"] > 0 or now["srt"]["loss_pct"] > 0, srt
        sample = history(server, stream["id"], 1)["samples"][-1]
        assert sample["srt"] is not None and sample["srt"]["loss_pct"] >= 0, sample
        assert re.search(r"\d+(\.\d)? (Mb|kb)/s", now["guidance"]["reason"]), now["guidance"]
    finally:
        stop(proc)
        log("relay: " + relay.stop())


def test_ingest_health():
    with Server() as server:
        rtmp_clean(server)
        rtmp_starved(server)
        srt_lossy(server)


if __name__ == "__main__":
    run_test(test_ingest_health)
