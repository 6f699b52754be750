"""P4a: availability delay. The same pre-encoded FLV is paced tag by tag (at its timestamps)
into several RTMP servers at once; one poller process per server fetches its media playlist
every few milliseconds. A segment's delay is the time it is first listed minus the time the
keyframe that closes it (the first frame of the next segment) was written to that server's
socket: no server can know a segment is complete earlier. An LL-HLS part's delay is the time
it is first listed minus (the write time of its last frame + one frame interval)."""

import json
import os
import signal
import statistics
import subprocess
import sys
import time

import rtmp_publish

HERE = os.path.dirname(os.path.abspath(__file__))
FPS = 30
FRAME_MS = 1000 / FPS


def make_input(path, seconds, gop_frames):
    """testsrc2 640x360 at 30 fps, x264 without B-frames (pts = dts), a keyframe every
    `gop_frames`, AAC-LC 48 kHz, FLV."""
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
         "-f", "lavfi", "-i", f"testsrc2=size=640x360:rate={FPS}",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", str(seconds),
         "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-g", str(gop_frames),
         "-keyint_min", str(gop_frames), "-sc_threshold", "0", "-b:v", "1200k",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k", "-f", "flv", path],
        check=True, timeout=120)


def pace(flv_path, publishers, deadline, on_start=None):
    """Sends every tag to every publisher at its timestamp (the order of the publishers
    rotates from tag to tag); `on_start(t0)` is told when timestamp 0 will be sent. Returns,
    per publisher, [(dts_ms, write_time, is_key)] of the video frames, write_time =
    time.monotonic() after that publisher's sendall."""
    writes = [[] for _ in publishers]
    t0 = time.monotonic() + 0.1
    if on_start:
        on_start(t0)
    with open(flv_path, "rb") as f:
        for n, (tag_type, ts, body) in enumerate(rtmp_publish.read_flv_tags(f)):
            due = t0 + ts / 1000
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            if time.monotonic() > deadline:
                raise TimeoutError("pacing ran past its deadline")
            video = rtmp_publish.is_video_frame(tag_type, body)
            key = video and rtmp_publish.is_keyframe(tag_type, body)
            order = list(range(len(publishers)))
            order = order[n % len(order):] + order[:n % len(order)]
            for i in order:
                t = publishers[i].send_tag(tag_type, ts, body)
                if video:
                    writes[i].append((ts, t, key))
    return writes


def _raise_priority():
    """Pollers wake up every millisecond; on a busy 2-core machine a normal-priority poller
    waits for the CPU and the resolution drops to several ms. As root, run them at nice -10
    (they sleep most of the time, so this takes little from anyone)."""
    try:
        os.nice(-10)
    except OSError:
        pass


def start_poller(url, fast_ms):
    return subprocess.Popen([sys.executable, os.path.join(HERE, "poll_playlist.py"), url,
                             str(fast_ms)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, preexec_fn=_raise_priority)


def tell_schedule(proc, t0, period_s, before_s=0.01, after_s=0.25):
    """Fast polling from `before_s` before to `after_s` after every keyframe."""
    proc.stdin.write(f"{t0} {period_s} {before_s} {after_s}\n")
    proc.stdin.flush()


def stop_poller(proc):
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=15)
    return json.loads(out)


def listed_at(item):
    """When the server listed an item: after it read the playlist for the previous request
    (which did not list it) and before it read it for the request that did. A server reads its
    playlist right after a request arrives, so each request counts at the time it was sent
    (answer times, which differ between servers, stay out). Returns (the middle, half the
    width) of that interval."""
    if item["prev_asked"] is None:
        return item["asked"], 0.0
    return (item["prev_asked"] + item["asked"]) / 2, (item["asked"] - item["prev_asked"]) / 2


def ratio_interval(a, b):
    """a.mean / b.mean and a conservative 95 % interval from both standard errors
    (inf when b's mean is not clearly above 0)."""
    ratio = a["mean"] / b["mean"] if b["mean"] > 0 else float("inf")
    low = max(0.0, a["mean"] - 2 * a["se"]) / (b["mean"] + 2 * b["se"])
    denominator = b["mean"] - 2 * b["se"]
    high = (a["mean"] + 2 * a["se"]) / denominator if denominator > 0 else float("inf")
    return ratio, low, high


def summary(values):
    if not values:
        return None
    values = sorted(values)
    se = statistics.stdev(values) / len(values) ** 0.5 if len(values) > 1 else 0.0
    return {"n": len(values), "mean": statistics.fmean(values), "se": se,
            "p50": statistics.median(values), "max": values[-1], "min": values[0]}


def analyse(poll, writes, warmup_segments=1):
    """Delays in ms of the segments and parts one poller saw, against one server's writes.
    A segment whose end lies past the last keyframe was closed by the end of the stream, not
    by a keyframe: it is left out."""
    keyframes = {dts: t for dts, t, key in writes if key}
    key_dts = sorted(keyframes)
    frames = sorted((dts, t) for dts, t, _ in writes)
    result = {"segments": [], "segments_upper": [], "parts": [], "unmatched_segments": 0,
              "unmatched_parts": 0, "half_width_ms": None, "polls": poll["polls"]}
    if not key_dts or not poll["segments"]:
        return result
    # Segment start times (media ms), each snapped to the keyframe that starts it.
    first_msn = poll["segments"][0]["msn"]
    starts = {first_msn: key_dts[0]}
    half_widths = []
    for seg in poll["segments"]:
        start = starts.get(seg["msn"])
        if start is None or seg["duration"] is None:
            break
        estimate = start + seg["duration"] * 1000
        if estimate > key_dts[-1] + 50:
            break  # closed by the end of the stream
        closing = min(key_dts, key=lambda k: abs(k - estimate))
        if abs(closing - estimate) > 50 or closing <= start:
            result["unmatched_segments"] += 1
            break  # the timeline is lost: stop rather than mismatch every later segment
        starts[seg["msn"] + 1] = closing
        if seg["msn"] < first_msn + warmup_segments:
            continue
        at, half = listed_at(seg)
        result["segments"].append((at - keyframes[closing]) * 1000)
        result["segments_upper"].append((seg["seen"] - keyframes[closing]) * 1000)
        half_widths.append(half * 1000)
    # Parts: end = segment start + the durations of its parts up to this one. The server
    # knows a part is complete one frame interval after its last frame at the earliest.
    ends = {}
    for part in poll["parts"]:
        key = (part["msn"], part["index"])
        base = starts.get(part["msn"]) if part["index"] == 0 else \
            ends.get((part["msn"], part["index"] - 1))
        if base is None:
            result["unmatched_parts"] += 1
            continue
        ends[key] = base + part["duration"] * 1000
        if part["msn"] < first_msn + warmup_segments:
            continue
        if ends[key] > frames[-1][0] + FRAME_MS / 2:
            continue  # closed by the end of the stream
        last = [t for dts, t in frames if dts <= ends[key] - 5]
        if not last:
            result["unmatched_parts"] += 1
            continue
        at, half = listed_at(part)
        result["parts"].append((at - (last[-1] + FRAME_MS / 1000)) * 1000)
    if half_widths:
        result["half_width_ms"] = statistics.fmean(half_widths)
    return result
