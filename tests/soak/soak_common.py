"""Shared pieces of the soak scripts: paths to the integration harness, the file-descriptor
limit, server process figures (RSS, open fds), percentiles, a minimal keep-alive HTTP/1.1
client, and the observer (a separate process that polls media playlists on its own
connections, times each request and records when each new segment is listed).

Standard library only. All traffic goes to 127.0.0.1."""

import multiprocessing
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
os.environ.setdefault("STEADYCAST_BIN", os.path.join(ROOT, "build", "steadycast"))

import harness  # noqa: E402

harness.BINARY = os.environ["STEADYCAST_BIN"]

from harness import Server, log  # noqa: E402,F401
from reconnect_helpers import (media_playlist_path, parse_segments,  # noqa: E402,F401
                               rtmp_publisher, wait_status)

TARGET_SEGMENT_S = 2.0


def raise_nofile(wanted):
    """Raises the soft open-file limit to `wanted` (capped by the hard limit); the server
    started afterwards inherits it. Returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def fd_count(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1


def fd_targets(pid):
    """{target: count} of the process's open fds ("socket:[...]" collapsed to "socket")."""
    out = {}
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                t = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            for prefix in ("socket:", "pipe:", "anon_inode:"):
                if t.startswith(prefix):
                    t = t if prefix == "anon_inode:" else prefix[:-1]
            out[t] = out.get(t, 0) + 1
    except OSError:
        pass
    return out


def fd_diff(before, after):
    """The fd kinds whose count changed: {target: (before, after)}."""
    keys = set(before) | set(after)
    return {k: (before.get(k, 0), after.get(k, 0)) for k in sorted(keys)
            if before.get(k, 0) != after.get(k, 0)}


def wait_fds_steady(pid, steady_s=6.0, timeout=45.0):
    """Waits until the process's fd count has not changed for `steady_s` (a live stream's
    segment window holds one memfd per segment, so the count grows until the window is full).
    Returns the count."""
    start = time.time()
    last, since = fd_count(pid), time.time()
    while time.time() - start < timeout:
        time.sleep(0.5)
        now = fd_count(pid)
        if now != last:
            last, since = now, time.time()
        elif time.time() - since >= steady_s:
            break
    return last


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def percentile(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    k = min(len(s) - 1, max(0, int(round(p / 100.0 * (len(s) - 1)))))
    return s[k]


def ms(seconds):
    return f"{seconds * 1000:.1f} ms"


# A keep-alive HTTP/1.1 client on a raw socket --------------------------------------------------
class HttpConn:
    """One persistent HTTP/1.1 connection to 127.0.0.1:port. get() returns (status, body);
    raises OSError/ConnectionError on connection trouble (the caller counts it)."""

    def __init__(self, hostport, timeout=10):
        host, port = hostport.rsplit(":", 1)
        assert host == "127.0.0.1", host
        self.addr = (host, int(port))
        self.timeout = timeout
        self.sock = None
        self.buf = b""

    def _connect(self):
        self.sock = socket.create_connection(self.addr, timeout=self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self):
        if self.sock:
            self.sock.close()
            self.sock = None

    def _fill(self):
        data = self.sock.recv(262144)
        if not data:
            raise ConnectionError("server closed the connection")
        self.buf += data

    def get(self, path):
        if self.sock is None:
            self._connect()
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                while b"\r\n" not in self.buf:
                    self._fill()
                size_line, _, self.buf = self.buf.partition(b"\r\n")
                size = int(size_line.split(b";")[0], 16)
                while len(self.buf) < size + 2:
                    self._fill()
                body += self.buf[:size]
                self.buf = self.buf[size + 2:]
                if size == 0:
                    break
        else:
            length = int(headers.get("content-length", "0"))
            while len(self.buf) < length:
                self._fill()
            body, self.buf = self.buf[:length], self.buf[length:]
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, body


# The observer: a separate process, so the load generator's own CPU use cannot delay it ---------
def _observe_stream(hostport, path, poll_s, fetch_segments, stop, out):
    conn = HttpConn(hostport)
    seen, new_times, pl_lat, pl_at, seg_lat, errors = set(), [], [], [], [], []
    while not stop.is_set():
        t0 = time.monotonic()
        try:
            code, body = conn.get(path)
            pl_lat.append(time.monotonic() - t0)
            pl_at.append(time.time())
            if code != 200:
                errors.append(f"playlist {code}")
            else:
                segs = parse_segments(body.decode(errors="replace"))
                fresh = [s["uri"] for s in segs if s["uri"] not in seen]
                if fresh and seen:
                    new_times.append((time.time(), len(fresh)))
                if fresh and fetch_segments:
                    t1 = time.monotonic()
                    c2, data = conn.get(urllib.parse.urljoin(path, segs[-1]["uri"]))
                    seg_lat.append(time.monotonic() - t1)
                    if c2 != 200:
                        errors.append(f"segment {c2}")
                seen.update(s["uri"] for s in segs)
        except (OSError, ValueError) as e:
            errors.append(f"connection: {e!r}")
            conn.close()
        left = poll_s - (time.monotonic() - t0)
        if left > 0:
            stop.wait(left)
    conn.close()
    out.put({"path": path, "new_times": new_times, "playlist_latency": pl_lat, "playlist_at": pl_at,
             "segment_latency": seg_lat, "errors": errors})


def _observer_main(hostport, paths, poll_s, fetch_segments, stop, out):
    threads = [threading.Thread(target=_observe_stream,
                                args=(hostport, p, poll_s, fetch_segments, stop, out))
               for p in paths]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


class Observer:
    """Polls each media playlist every `poll_s` on its own keep-alive connection (one thread per
    playlist, all in a child process); with fetch_segments it also GETs each newly listed
    segment (a real viewer's loop). stop() returns one result dict per playlist."""

    def __init__(self, hostport, paths, poll_s=0.1, fetch_segments=False):
        ctx = multiprocessing.get_context("fork")
        self.stop_event = ctx.Event()
        self.queue = ctx.Queue()
        self.n = len(paths)
        self.proc = ctx.Process(target=_observer_main, daemon=True,
                                args=(hostport, paths, poll_s, fetch_segments,
                                      self.stop_event, self.queue))
        self.proc.start()

    def stop(self):
        self.stop_event.set()
        results = [self.queue.get(timeout=30) for _ in range(self.n)]
        self.proc.join(10)
        return results


def cadence_gaps(new_times):
    """Gaps (s) between consecutive moments a new segment was listed."""
    times = [t for t, _ in new_times]
    return [b - a for a, b in zip(times, times[1:])]


# Publishing ------------------------------------------------------------------------------------
def ffmpeg_publisher(url, seconds, bitrate="800k", size="640x360", rate=25):
    """A real-time ffmpeg testsrc2 + sine publisher (x264 veryfast, 2 s GOP) to an RTMP URL on
    loopback; stderr to a temporary file."""
    assert url.startswith("rtmp://127.0.0.1:"), url
    err = tempfile.TemporaryFile()
    args = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re",
            "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", str(seconds), "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency",
            "-g", str(2 * rate), "-keyint_min", str(2 * rate), "-sc_threshold", "0",
            "-b:v", bitrate, "-maxrate", bitrate, "-bufsize", bitrate,
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k", "-f", "flv", url]
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
    proc.errfile = err
    return proc


def stop_proc(proc, timeout=10):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def verdict(name, checks):
    """Prints each (label, ok, detail) check and a final PASS/FAIL line; returns the exit code."""
    failed = [c for c in checks if not c[1]]
    for label, ok, detail in checks:
        print(f"  [{'ok' if ok else 'FAIL'}] {label}: {detail}", flush=True)
    print(f"{name}: {'PASS' if not failed else 'FAIL'} "
          f"({len(checks) - len(failed)}/{len(checks)} checks)", flush=True)
    return 1 if failed else 0
