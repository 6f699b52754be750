"""Shared helpers for steadycast integration tests.

Each test starts a real `steadycast serve` on loopback with port 0 everywhere and a fresh
temporary data dir, talks to it over HTTP (API with the admin token) and drives real clients
(ffmpeg, ffprobe, gst-launch-1.0, chromium). Only the Python standard library is used.
"""

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

BINARY = os.environ.get("STEADYCAST_BIN", "build/steadycast")


def log(*args):
    print(*args, file=sys.stderr, flush=True)


class Server:
    """A steadycast process with its own data dir; use as a context manager."""

    def __init__(self, *extra_args, env=None):
        self.data_dir = tempfile.mkdtemp(prefix="steadycast-it-")
        self.extra_args = list(extra_args)
        self.env = dict(os.environ, **(env or {}))
        self.proc = None
        self.log_path = os.path.join(self.data_dir, "server.log")

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        if exc[0] is not None:
            self.dump_log()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def start(self, timeout=15):
        args = [BINARY, "serve", "--data-dir", self.data_dir, "--http-addr", "127.0.0.1:0",
                "--rtmp-addr", "127.0.0.1:0", "--srt-addr", "127.0.0.1:0"] + self.extra_args
        listen = os.path.join(self.data_dir, "listen.json")
        if os.path.exists(listen):
            os.remove(listen)
        self.logfile = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self.logfile, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                self.dump_log()
                raise RuntimeError(f"server exited early with {self.proc.returncode}")
            if os.path.exists(listen):
                with open(listen) as f:
                    self.listen = json.load(f)
                break
            time.sleep(0.05)
        else:
            raise RuntimeError("server did not write listen.json in time")
        with open(os.path.join(self.data_dir, "admin-token.json")) as f:
            token = json.load(f)
        self.auth = "Basic " + base64.b64encode(f"{token['id']}:{token['secret']}".encode()).decode()
        self.http = self.listen["http"]
        self.rtmp = self.listen["rtmp"]

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError("server did not exit within 10 s of SIGTERM")
        if getattr(self, "logfile", None):
            self.logfile.close()
        return self.proc.returncode if self.proc else None

    def dump_log(self, tail=80):
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode(errors="replace").splitlines()
            log("---- server log (tail) ----")
            for line in lines[-tail:]:
                log(line)
        except OSError:
            pass

    def read_log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    # HTTP ------------------------------------------------------------------------------
    def url(self, path):
        return f"http://{self.http}{path}"

    def request(self, method, path, body=None, auth=True, headers=None):
        data = None
        hdrs = dict(headers or {})
        if body is not None:
            data = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        if auth:
            hdrs["Authorization"] = self.auth
        req = urllib.request.Request(self.url(path), data=data, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def api(self, method, path, body=None, expect=None):
        status, _, raw = self.request(method, path, body)
        if expect is not None and status != expect:
            raise AssertionError(f"{method} {path} → {status}: {raw[:500]!r}")
        return json.loads(raw) if raw else None

    def create_stream(self, **fields):
        """Creates a live stream. NOTE: unless `reconnect_window` is given, tests get streams
        with reconnect_window=0 (the broadcast ends with ENDLIST as soon as the publisher
        leaves), so that players reading the finished playlist terminate. Tests of the
        reconnect window pass reconnect_window explicitly (the server's default is 60)."""
        fields.setdefault("reconnect_window", 0)
        # Likewise `ladder` defaults to "passthrough" here (no transcoding: 2-core CI machines
        # run many media tests); ABR tests ask for a ladder explicitly.
        fields.setdefault("ladder", "passthrough")
        return self.api("POST", "/v1/live-streams", fields, expect=201)["data"]

    def rtmp_url(self, key):
        return f"rtmp://{self.rtmp}/live/{key}"

    def master_url(self, stream):
        return self.url(f"/hls/{stream['playback_ids'][0]['id']}.m3u8")

    def wait_for_playlist(self, stream, timeout=30):
        """Waits until the master playlist answers 200; returns its text."""
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            status, _, body = self.request("GET", f"/hls/{stream['playback_ids'][0]['id']}.m3u8",
                                           auth=False)
            last = status
            if status == 200:
                return body.decode()
            time.sleep(0.2)
        raise AssertionError(f"master playlist not ready (last status {last})")


def ffmpeg_publish_args(url, seconds=12, size="640x360", rate=30, gop=60, realtime=True):
    """ffmpeg arguments publishing testsrc2 + sine over RTMP (FLV)."""
    args = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin"]
    if realtime:
        args += ["-re"]
    args += ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}",
             "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
             "-t", str(seconds), "-c:v", "libx264", "-preset", "veryfast", "-g", str(gop),
             "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k", "-f", "flv", url]
    return args


def gst_publish_args(url, frames=360, width=640, height=360):
    audio_buffers = int(frames / 30 * 48000 / 1024) + 1
    return ["gst-launch-1.0", "-q",
            "videotestsrc", f"num-buffers={frames}", "is-live=true", "!",
            f"video/x-raw,width={width},height={height},framerate=30/1", "!",
            "x264enc", "key-int-max=60", "tune=zerolatency", "speed-preset=veryfast", "!",
            "h264parse", "!", "flvmux", "name=mux", "streamable=true", "!",
            "rtmp2sink", f"location={url}",
            "audiotestsrc", "is-live=true", f"num-buffers={audio_buffers}", "samplesperbuffer=1024", "!",
            "audio/x-raw,rate=48000,channels=2", "!", "avenc_aac", "!", "aacparse", "!", "mux."]


def count_decoded_frames(url, timeout=120):
    """Decodes every video frame of `url` with ffmpeg; returns (frames, error_lines)."""
    proc = subprocess.run(
        ["ffmpeg", "-hide_banner", "-v", "error", "-nostdin", "-i", url, "-map", "0:v:0",
         "-f", "framemd5", "-"], capture_output=True, timeout=timeout)
    frames = sum(1 for line in proc.stdout.decode().splitlines()
                 if line and not line.startswith("#"))
    errors = [l for l in proc.stderr.decode().splitlines() if l.strip()]
    return frames, errors


def ffprobe_json(url, timeout=60):
    proc = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_streams",
                           "-show_format", url], capture_output=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f"ffprobe failed: {proc.stderr.decode()}")
    return json.loads(proc.stdout)


def raw_connect(hostport, timeout=5):
    host, port = hostport.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=timeout)
    return s


def run_test(fn):
    """Runs a test function, prints PASS/FAIL, exits with the right code."""
    start = time.time()
    try:
        fn()
    except Exception:
        import traceback
        traceback.print_exc()
        log(f"FAIL {fn.__name__} ({time.time() - start:.1f}s)")
        sys.exit(1)
    log(f"PASS {fn.__name__} ({time.time() - start:.1f}s)")
