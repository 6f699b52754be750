"""Helpers for the reconnect-window, takeover, restart, key-reset and lockout tests: long-running
ffmpeg publishers that can be killed, stopped and resumed; stream status polling; media
playlist parsing and watching; downloading a playlist window and decoding it offline (whole,
and per discontinuity run); the outbox read straight from SQLite (read-only); /metrics; and a
minimal RTMP publish client (handshake, connect, createStream, publish) that can bind its
source address (its AMF0 and chunk handling live in src/ingest/rtmp/testing/rtmp_wire.py).
Standard library only."""

import os
import re
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

from harness import count_decoded_frames, log
from srt_helpers import ffmpeg_srt_url, health, srt_addr

# AMF0 and RTMP chunking for the publish client are shared with the ingest/rtmp capture tool.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src",
                                "ingest", "rtmp", "testing"))
from rtmp_wire import (ChunkParser, amf_decode, amf_number, amf_object,  # noqa: E402
                       amf_string, chunk)

FPS = 25


# Publishers ----------------------------------------------------------------------------------
def source_args(seconds, pattern="testsrc2"):
    """A lavfi test pattern (testsrc2 by default; smptebars, testsrc, ... give other pictures)
    640x360 25 fps + sine, x264 ultrafast, 2 s GOP (the input half of an ffmpeg command)."""
    return ["-f", "lavfi", "-i", f"{pattern}=size=640x360:rate={FPS}",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-g", str(2 * FPS),
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k"]


class Publisher:
    """One real-time ffmpeg publisher (RTMP/FLV or SRT/MPEG-TS). stderr goes to a file, so a
    chatty or stopped process can never block on a full pipe."""

    def __init__(self, url, fmt="flv", seconds=120, pattern="testsrc2"):
        self.url = url
        self.errfile = tempfile.TemporaryFile()
        args = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re"]
        args += source_args(seconds, pattern) + ["-f", fmt, url]
        self.started = time.time()
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=self.errfile)
        self.pid = self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def kill9(self):
        if self.alive():
            self.proc.send_signal(signal.SIGCONT)  # a stopped process dies on SIGKILL too
            self.proc.kill()
        self.proc.wait(10)

    def sigstop(self):
        self.proc.send_signal(signal.SIGSTOP)

    def sigcont(self):
        self.proc.send_signal(signal.SIGCONT)

    def wait(self, timeout):
        """Exit code, or None if still running after `timeout` seconds."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stderr(self):
        self.errfile.seek(0)
        return self.errfile.read().decode(errors="replace")

    def close(self):
        self.kill9()
        self.errfile.close()


def rtmp_publisher(server, key, seconds=120, pattern="testsrc2"):
    return Publisher(server.rtmp_url(key), "flv", seconds, pattern)


def srt_publisher(server, key, seconds=120, latency_ms=200):
    return Publisher(ffmpeg_srt_url(srt_addr(server), key, latency_ms), "mpegts", seconds)


# Stream state --------------------------------------------------------------------------------
def get_stream(server, stream_id):
    return server.api("GET", f"/v1/live-streams/{stream_id}", expect=200)["data"]


def status(server, stream_id):
    return get_stream(server, stream_id)["status"]


def wait_status(server, stream_id, wanted, timeout, interval=0.05):
    """Seconds until the stream's status is `wanted`; fails with the last status seen."""
    start = time.time()
    last = None
    while time.time() - start < timeout:
        last = status(server, stream_id)
        if last == wanted:
            return time.time() - start
        time.sleep(interval)
    raise AssertionError(f"status {wanted!r} not reached in {timeout} s (last {last!r})")


def has_publisher(server, stream_id):
    return health(server, stream_id)["publisher"] is not None


# Playlists -----------------------------------------------------------------------------------
def media_playlist_path(server, stream, timeout=30):
    """Absolute path of the (first) media playlist the master playlist references."""
    master = server.wait_for_playlist(stream, timeout)
    base = f"/hls/{stream['playback_ids'][0]['id']}.m3u8"
    uri = next(l for l in master.splitlines() if l and not l.startswith("#"))
    return urllib.parse.urljoin(base, uri)


def fetch(server, path):
    status_code, _, body = server.request("GET", path, auth=False)
    return status_code, body


def get_playlist(server, path):
    code, body = fetch(server, path)
    return code, body.decode(errors="replace") if code == 200 else ""


def parse_segments(text):
    """[{uri, duration, discontinuity (before it), map (init uri)}] in playlist order."""
    out, disc, init, duration = [], False, None, None
    for line in text.splitlines():
        if line.startswith("#EXT-X-DISCONTINUITY") and not line.startswith(
                "#EXT-X-DISCONTINUITY-SEQUENCE"):
            disc = True
        elif line.startswith("#EXT-X-MAP:"):
            init = re.search(r'URI="([^"]+)"', line).group(1)
        elif line.startswith("#EXTINF:"):
            duration = float(line[8:].split(",")[0])
        elif line and not line.startswith("#"):
            out.append({"uri": line, "duration": duration, "discontinuity": disc, "map": init})
            disc, duration = False, None
    return out


def media_sequence(text):
    m = re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", text)
    return int(m.group(1)) if m else None


def discontinuity_sequence(text):
    m = re.search(r"#EXT-X-DISCONTINUITY-SEQUENCE:(\d+)", text)
    return int(m.group(1)) if m else 0


class PlaylistWatcher:
    """Polls a media playlist on a thread every `interval` s and records every answer:
    (time, HTTP status, has ENDLIST, segment uris). The first poll happens at once."""

    def __init__(self, server, path, interval=0.5):
        self.server, self.path, self.interval = server, path, interval
        self.samples = []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                code, text = get_playlist(self.server, self.path)
            except OSError as e:  # connection refused etc.: recorded as status 0
                code, text = 0, str(e)
            self.samples.append((time.time(), code, "#EXT-X-ENDLIST" in text,
                                 [s["uri"] for s in parse_segments(text)]))
            self._stop.wait(self.interval)

    def stop(self):
        self._stop.set()
        self.thread.join(10)
        return self.samples


def wait_new_segment_after(server, path, known, timeout, interval=0.05):
    """Polls until the playlist lists a segment not in `known`; returns (seconds, text)."""
    start = time.time()
    while time.time() - start < timeout:
        code, text = get_playlist(server, path)
        if code == 200 and any(s["uri"] not in known for s in parse_segments(text)):
            return time.time() - start, text
        time.sleep(interval)
    raise AssertionError(f"no new segment in {timeout} s")


def download_window(server, playlist_path, workdir):
    """Copies the media playlist and every segment and init it references into `workdir`
    (ENDLIST appended if missing, so ffmpeg reads it as a finished playlist). Returns
    (local playlist path, playlist text as served, segments)."""
    code, text = get_playlist(server, playlist_path)
    assert code == 200, (playlist_path, code)
    segments = parse_segments(text)
    names = {s["uri"] for s in segments} | {s["map"] for s in segments if s["map"]}
    for name in names:
        code, body = fetch(server, urllib.parse.urljoin(playlist_path, name))
        assert code == 200, (name, code)
        with open(os.path.join(workdir, os.path.basename(name)), "wb") as f:
            f.write(body)
    local = os.path.join(workdir, "window.m3u8")
    with open(local, "w") as f:
        f.write(text if "#EXT-X-ENDLIST" in text else text.rstrip("\n") + "\n#EXT-X-ENDLIST\n")
    return local, text, segments


def write_run_playlist(workdir, name, segments):
    """A finished local playlist holding `segments` (one discontinuity run: same timeline)."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-TARGETDURATION:10",
             "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-PLAYLIST-TYPE:VOD"]
    current_map = None
    for s in segments:
        if s["map"] != current_map:
            lines.append(f'#EXT-X-MAP:URI="{os.path.basename(s["map"])}"')
            current_map = s["map"]
        lines += [f"#EXTINF:{s['duration']:.3f},", os.path.basename(s["uri"])]
    path = os.path.join(workdir, name)
    with open(path, "w") as f:
        f.write("\n".join(lines + ["#EXT-X-ENDLIST", ""]))
    return path


def decode_window(server, playlist_path, workdir):
    """Downloads the playlist window and decodes it with `ffmpeg -v error`: once whole (across
    every EXT-X-DISCONTINUITY) and once per discontinuity run. Returns a dict: whole_frames,
    whole_errors, runs [(segments, expected frames, decoded frames, errors)], text.

    Why per run: the server restarts the media timeline at a join (allowed by RFC 8216 §4.4.4.3
    with EXT-X-DISCONTINUITY); ffmpeg's HLS demuxer ignores the tag and silently drops the
    frames whose timestamps fall before the last pre-join frame, so only the per-run decode can
    prove that every frame is decodable; the whole decode proves there is no error line."""
    local, text, segments = download_window(server, playlist_path, workdir)
    whole_frames, whole_errors = count_decoded_frames(local)
    runs, current = [], []
    for s in segments:
        if s["discontinuity"] and current:
            runs.append(current)
            current = []
        current.append(s)
    if current:
        runs.append(current)
    results = []
    for i, run in enumerate(runs):
        path = write_run_playlist(workdir, f"run{i}.m3u8", run)
        frames, errors = count_decoded_frames(path)
        expected = round(sum(s["duration"] for s in run) * FPS)
        results.append(([s["uri"] for s in run], expected, frames, errors))
    return {"whole_frames": whole_frames, "whole_errors": whole_errors, "runs": results,
            "text": text, "segments": segments}


def assert_window_decodes(result, what):
    log(f"{what}: whole window decoded {result['whole_frames']} frames, "
        f"{len(result['whole_errors'])} error lines; runs (segments, expected, decoded, errors): "
        f"{[(len(r[0]), r[1], r[2], len(r[3])) for r in result['runs']]}")
    assert result["whole_errors"] == [], (what, result["whole_errors"][:5])
    for uris, expected, frames, errors in result["runs"]:
        assert errors == [], (what, uris, errors[:5])
        # Each run must decode (nearly) every frame its EXTINF durations promise.
        assert frames >= expected - 2, (what, uris, expected, frames)


# Outbox --------------------------------------------------------------------------------------
def outbox(data_dir, object_id):
    """[(type, sequence, data_json)] of one object, in outbox order, read through a read-only
    SQLite connection while the server runs (WAL lets readers in)."""
    path = os.path.join(data_dir, "steadycast.db")
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        rows = db.execute("SELECT type, sequence, data_json FROM events WHERE object_id = ? "
                          "ORDER BY position", (object_id,)).fetchall()
    finally:
        db.close()
    return rows


def short_types(rows):
    return [r[0].removeprefix("live_stream.") for r in rows]


def assert_outbox_sane(rows, secrets):
    """Sequences 1..N without gaps, in outbox order; no secret in any payload."""
    sequences = [r[1] for r in rows]
    assert sequences == list(range(1, len(rows) + 1)), sequences
    for type_, _, data in rows:
        for secret in secrets:
            assert secret not in data, f"a secret appears in the payload of {type_}"


# Metrics -------------------------------------------------------------------------------------
def metrics(server):
    """{'name{labels}': value} from /metrics."""
    code, body = fetch(server, "/metrics")
    assert code == 200, code
    out = {}
    for line in body.decode().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            try:
                out[name] = float(value)
            except ValueError:
                pass
    return out


# Minimal RTMP publish client -----------------------------------------------------------------
def rtmp_publish_attempt(hostport, key, source_ip=None, app="live", timeout=5.0):
    """Handshake + connect + createStream + publish(key). Returns (outcome, description,
    seconds from sending publish to the server's answer): outcome is the onStatus code
    ("NetStream.Publish.Start", "NetStream.Publish.BadName", ...), "closed" when the server
    hung up without one, or "timeout"."""
    host, port = hostport.rsplit(":", 1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        if source_ip:
            sock.bind((source_ip, 0))
        sock.connect((host, int(port)))
        c1 = struct.pack("!II", 0, 0) + os.urandom(1528)
        sock.sendall(b"\x03" + c1)
        s012 = b""
        while len(s012) < 1 + 2 * 1536:
            data = sock.recv(8192)
            if not data:
                return "closed", "", 0.0
            s012 += data
        reader = ChunkParser()
        extra = s012[1 + 2 * 1536:]
        # Set Chunk Size first, so every later message fits in one chunk.
        size = 4096
        connect = amf_string("connect") + amf_number(1) + amf_object(
            [("app", amf_string(app)), ("type", amf_string("nonprivate")),
             ("tcUrl", amf_string(f"rtmp://{hostport}/{app}"))])
        commands = (
            chunk(2, 1, 0, struct.pack("!I", size)) +
            chunk(3, 20, 0, connect, size) +
            chunk(3, 20, 0, amf_string("createStream") + amf_number(2) + b"\x05", size) +
            chunk(8, 20, 1, amf_string("publish") + amf_number(0) + b"\x05" +
                  amf_string(key) + amf_string("live"), size))
        sock.sendall(s012[1:1 + 1536] + commands)  # C2 echoes S1
        sent = time.time()
        pending = reader.feed(extra)
        while True:
            for mtype, _, payload in pending:
                if mtype != 20:
                    continue
                values = amf_decode(payload)
                if values and values[0] == "onStatus" and isinstance(values[-1], dict):
                    info = values[-1]
                    if str(info.get("code", "")).startswith("NetStream.Publish."):
                        return info["code"], info.get("description", ""), time.time() - sent
            data = sock.recv(65536)
            if not data:
                return "closed", "", time.time() - sent
            pending = reader.feed(data)
    except socket.timeout:
        return "timeout", "", timeout
    except (ConnectionResetError, BrokenPipeError):
        return "closed", "", 0.0
    finally:
        sock.close()


def socket_states(pid):
    """TCP states ("ESTAB", "CLOSE-WAIT", ...) of the sockets process `pid` holds (via ss)."""
    proc = subprocess.run(["ss", "-tnpH"], capture_output=True, text=True, timeout=10)
    return [line.split()[0] for line in proc.stdout.splitlines() if f"pid={pid}," in line]

