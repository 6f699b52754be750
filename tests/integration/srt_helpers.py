"""Helpers for the SRT integration tests: publisher command lines (ffmpeg, srt-live-transmit,
GStreamer), a `steadycast lab relay` process, the health route, playlist parsing, and a tiny
hand-made SRT handshake (induction + conclusion) for flood tests. Standard library only."""

import os
import queue
import random
import re
import signal
import socket
import struct
import subprocess
import threading
import time
import urllib.parse

from harness import BINARY, count_decoded_frames, log


def srt_addr(server):
    return server.listen["srt"]


def ffmpeg_srt_url(hostport, key, latency_ms=200, passphrase=None):
    """ffmpeg's srt:// URL; note ffmpeg's `latency` option is in MICROseconds."""
    url = f"srt://{hostport}?streamid=#!::r={key},m=publish&latency={latency_ms * 1000}"
    if passphrase is not None:
        url += f"&passphrase={passphrase}&pbkeylen=32"
    return url


def slt_srt_url(hostport, key, latency_ms=200, passphrase=None):
    """srt-live-transmit's srt:// URL (latency in milliseconds); the stream ID is
    percent-encoded because its URI parser would cut at '#'."""
    sid = urllib.parse.quote(f"#!::r={key},m=publish", safe="")
    url = f"srt://{hostport}?mode=caller&streamid={sid}&latency={latency_ms}"
    if passphrase is not None:
        url += f"&passphrase={passphrase}"
    return url


def ffmpeg_source_args(seconds, size="640x360", rate=30, gop=60, preset="veryfast",
                       video_opts=()):
    """testsrc2 + sine encoded H.264/AAC (the input half of an ffmpeg command line)."""
    return ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", str(seconds), "-c:v", "libx264", "-preset", preset, "-g", str(gop),
            "-pix_fmt", "yuv420p", *video_opts, "-c:a", "aac", "-b:a", "96k"]


def ffmpeg_srt_publish_args(url, seconds=10, realtime=True, **source):
    args = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin"]
    if realtime:
        args += ["-re"]
    return args + ffmpeg_source_args(seconds, **source) + ["-f", "mpegts", url]


def ffmpeg_copy_publish_args(path, fmt, url):
    """Publishes a pre-made file in real time without re-encoding (`fmt`: mpegts or flv)."""
    return ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re", "-i", path,
            "-c", "copy", "-f", fmt, url]


def make_ts(path, seconds=10, fmt="mpegts", **source):
    """Encodes a test file (MPEG-TS by default, or `fmt` e.g. mp4) faster than real time."""
    args = (["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y"] +
            ffmpeg_source_args(seconds, **source) + ["-f", fmt, path])
    subprocess.run(args, check=True, timeout=120)
    return path


def gst_srt_publish_args(uri, streamid, frames=300, width=640, height=360, latency_ms=200):
    audio_buffers = int(frames / 30 * 48000 / 1024) + 1
    return ["gst-launch-1.0", "-q",
            "videotestsrc", f"num-buffers={frames}", "is-live=true", "!",
            f"video/x-raw,width={width},height={height},framerate=30/1", "!",
            "x264enc", "key-int-max=60", "tune=zerolatency", "speed-preset=veryfast", "!",
            "h264parse", "!", "mpegtsmux", "name=mux", "alignment=7", "!",
            "srtsink", f"uri={uri}", f"streamid={streamid}", f"latency={latency_ms}",
            "wait-for-connection=false",
            "audiotestsrc", "is-live=true", f"num-buffers={audio_buffers}",
            "samplesperbuffer=1024", "!", "audio/x-raw,rate=48000,channels=2", "!",
            "avenc_aac", "!", "aacparse", "!", "mux."]


# Health ------------------------------------------------------------------------------------
def health(server, stream_id):
    return server.api("GET", f"/v1/live-streams/{stream_id}/health", expect=200)["data"]


def wait_until(predicate, timeout, interval=0.1, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


def wait_srt_stats(server, stream_id, timeout=15):
    """The health object once the SRT publisher has reported link stats."""
    return wait_until(lambda: (lambda h: h if h.get("srt") else None)(health(server, stream_id)),
                      timeout, what="srt stats")


class HealthSampler:
    """Polls the health route on a thread and keeps the last SRT stats seen (the route empties
    once the publisher leaves)."""

    def __init__(self, server, stream_id, interval=0.5):
        self.server, self.stream_id, self.interval = server, stream_id, interval
        self.last_srt = None
        self.samples = []
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            try:
                data = health(self.server, self.stream_id)
            except Exception:  # the server may be restarting or gone; keep the last sample
                data = {}
            if data.get("srt"):
                self.last_srt = data["srt"]
                self.samples.append({k: v for k, v in data["srt"].items() if k != "history"})
            time.sleep(self.interval)

    def stop(self):
        self.running = False
        self.thread.join(5)
        return self.last_srt


def healthz_ok(server):
    status, _, _ = server.request("GET", "/healthz", auth=False)
    return status == 200


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


# Playlists -----------------------------------------------------------------------------------
def media_playlists(server, stream):
    """{uri: text} of every media playlist the master playlist references."""
    master = server.wait_for_playlist(stream)
    base = f"/hls/{stream['playback_ids'][0]['id']}.m3u8"
    out = {}
    for line in master.splitlines():
        if line and not line.startswith("#"):
            path = urllib.parse.urljoin(base, line)
            status, _, body = server.request("GET", path, auth=False)
            assert status == 200, (line, status)
            out[line] = body.decode()
    return master, out


def extinf(playlist_text):
    return [float(m) for m in re.findall(r"#EXTINF:([\d.]+)", playlist_text)]


def codecs(master_text):
    return re.findall(r'CODECS="([^"]+)"', master_text)


# Relay ---------------------------------------------------------------------------------------
class LabRelay:
    """A `steadycast lab relay` process; its stdout lines are collected on a thread."""

    def __init__(self, proto, to, *flags):
        self.proc = subprocess.Popen(
            [BINARY, "lab", "relay", "--proto", proto, "--listen", "127.0.0.1:0", "--to", to,
             *flags], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines = []
        self._q = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.stderr = []
        threading.Thread(target=lambda: self.stderr.extend(self.proc.stderr), daemon=True).start()
        first = self._q.get(timeout=10)
        assert first and first.startswith(f"relay proto={proto} "), (first, self.stderr)
        self.header = first
        self.addr = re.search(r"listen=(\S+)", first).group(1)

    def _read(self):
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            self.lines.append(line)
            self._q.put(line)
        self._q.put(None)

    def stop(self):
        """SIGINT; returns the `total ...` line."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        time.sleep(0.1)
        totals = [l for l in self.lines if l.startswith("total ")]
        return totals[-1] if totals else ""


# Hand-made SRT handshake (HSv5 caller), for floods -------------------------------------------
_HS_INDUCTION, _HS_CONCLUSION = 1, 0xFFFFFFFF
_SRT_MAGIC = 0x4A17


def _hs_packet(dest_id, version, enc, ext, hs_type, sock_id, cookie, extensions=b""):
    header = struct.pack("!IIII", 0x80000000, 0, 0, dest_id)
    cif = struct.pack("!IHHIIIIII", version, enc, ext, random.randrange(1 << 31), 1500, 8192,
                      hs_type, sock_id, cookie) + socket.inet_aton("127.0.0.1") + b"\0" * 12
    return header + cif + extensions


def _sid_extension(streamid):
    raw = streamid.encode()
    raw += b"\0" * (-len(raw) % 4)
    # libsrt carries the stream ID as 32-bit little-endian words.
    swapped = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
    return struct.pack("!HH", 5, len(raw) // 4) + swapped


def _hsreq_extension(latency_ms):
    flags = 0x01 | 0x02 | 0x08 | 0x10 | 0x20  # TSBPDSND|TSBPDRCV|TLPKTDROP|NAKREPORT|REXMITFLG
    return struct.pack("!HHIIHH", 1, 3, 0x010501, flags, latency_ms, latency_ms)


def srt_handshake(hostport, streamid, timeout=1.0, sock=None):
    """One caller handshake; returns the handshake type of the listener's conclusion answer
    (0xFFFFFFFF = accepted, >= 1000 = rejected with that code) or None on timeout."""
    host, port = hostport.rsplit(":", 1)
    own = sock is None
    if own:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(timeout)
    peer = (host, int(port))
    sock_id = random.randrange(1, 1 << 30)
    try:
        sock.sendto(_hs_packet(0, 4, 0, 2, _HS_INDUCTION, sock_id, 0), peer)
        reply = _recv_hs(sock, sock_id)
        if reply is None:
            return None
        cookie = reply[1]
        ext = _hsreq_extension(120) + _sid_extension(streamid)
        sock.sendto(_hs_packet(0, 5, 0, 0x1 | 0x4, _HS_CONCLUSION, sock_id, cookie, ext), peer)
        while True:
            reply = _recv_hs(sock, sock_id)
            if reply is None:
                return None
            if reply[0] != _HS_INDUCTION:
                if reply[0] == _HS_CONCLUSION:
                    # Accepted: hang up politely (shutdown control packet) so no connection lingers.
                    sock.sendto(struct.pack("!IIII", 0x80050000, 0, 0, reply[2]), peer)
                return reply[0]
    except OSError:
        return None
    finally:
        if own:
            sock.close()


def _recv_hs(sock, sock_id):
    """(handshake type, cookie, listener socket id) of the next handshake for `sock_id`."""
    deadline = time.time() + sock.gettimeout()
    while time.time() < deadline:
        try:
            data, _ = sock.recvfrom(2048)
        except socket.timeout:
            return None
        if len(data) < 64 or struct.unpack("!I", data[:4])[0] != 0x80000000:
            continue
        dest, = struct.unpack("!I", data[12:16])
        if dest != sock_id:
            continue
        hs_type, peer_id, cookie = struct.unpack("!III", data[36:48])
        return hs_type, cookie, peer_id
    return None


def random_datagrams(hostport, count, seed=7):
    """Sends `count` random datagrams (random bytes, truncated and mangled SRT headers)."""
    host, port = hostport.rsplit(":", 1)
    rng = random.Random(seed)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(count):
        size = rng.choice([0, 1, 4, 15, 16, 17, 63, 64, 100, 188, 1316, 1456, 1500])
        data = bytearray(rng.getrandbits(8) for _ in range(size))
        if i % 3 == 0 and size >= 16:  # control packets (handshake, ACK, NAK, ...) of junk
            data[0] = 0x80 | (data[0] & 0x7F) if i % 2 else 0x80
            data[1] = rng.choice([0, 1, 2, 3, 5, 6, 0x7F, 0xFF]) if i % 2 else 0
        sock.sendto(bytes(data), (host, int(port)))
        if i % 200 == 0:
            time.sleep(0.01)
    sock.close()


def run_capture(args, timeout):
    """Runs a client to completion; returns (returncode, stderr text)."""
    proc = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, timeout=timeout)
    return proc.returncode, proc.stderr.decode(errors="replace")


def env_flag(name):
    return os.environ.get(name, "") not in ("", "0")



# Lossy-link runs (test_srt_lossy_link, tests/netlab/srt_latency_sweep.py) ------------------
LOSSY_VIDEO = dict(size="1280x720", preset="ultrafast", gop=60,
                   video_opts=("-b:v", "2500k", "-maxrate", "2500k", "-bufsize", "5000k"))


class LossyRun:
    """One stream published with `ffmpeg -re -c copy` over SRT through a `lab relay --proto udp`
    with loss and delay each way; start() returns at once, finish() waits and collects the
    figures: the last SRT stats the health route showed, the median RTT, the relay's total line
    and the HLS decode result."""

    def __init__(self, server, source, latency_ms, loss=10, delay=50, seed=1, seconds=None):
        self.server, self.latency_ms = server, latency_ms
        self.stream = server.create_stream()
        self.relay = LabRelay("udp", srt_addr(server), "--loss", str(loss), "--delay",
                              str(delay), "--seed", str(seed))
        args = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re", "-i", source]
        if seconds:
            args += ["-t", str(seconds)]
        args += ["-c", "copy", "-f", "mpegts",
                 ffmpeg_srt_url(self.relay.addr, self.stream["stream_key"], latency_ms)]
        self.args = args

    def start(self):
        self.publisher = subprocess.Popen(self.args, stdin=subprocess.DEVNULL,
                                          stderr=subprocess.PIPE)
        wait_until(lambda: health(self.server, self.stream["id"])["publisher"], 10,
                   what="publisher")
        self.sampler = HealthSampler(self.server, self.stream["id"])
        return self

    def finish(self, timeout=90):
        _, err = self.publisher.communicate(timeout=timeout)
        self.publisher_rc, self.publisher_err = self.publisher.returncode, err.decode()
        wait_until(lambda: health(self.server, self.stream["id"])["publisher"] is None, 15,
                   what="publisher gone")
        self.srt = self.sampler.stop() or {}
        rtts = sorted(s["rtt_ms"] for s in self.sampler.samples[2:]) or [0]
        self.rtt_ms = rtts[len(rtts) // 2]
        self.relay_total = self.relay.stop()
        self.frames, self.decode_errors = count_decoded_frames(self.server.master_url(self.stream))
        return self

    def summary(self):
        return (f"latency={self.latency_ms}ms negotiated={self.srt.get('latency_ms')}ms "
                f"rtt_ms={self.rtt_ms:.1f} lost={self.srt.get('packets_lost')} "
                f"retransmitted={self.srt.get('packets_retransmitted')} "
                f"dropped={self.srt.get('packets_dropped')} "
                f"received={self.srt.get('packets_received')} frames={self.frames} "
                f"decode_errors={len(self.decode_errors)}")


def decode_segments(server, stream, workdir):
    """Decodes each segment of the first media playlist on its own (init + segment);
    returns [(segment uri, frames, error lines)]."""
    _, media = media_playlists(server, stream)
    uri, text = next(iter(media.items()))
    base = urllib.parse.urljoin(f"/hls/{stream['playback_ids'][0]['id']}.m3u8", uri)

    def get(name):
        status, _, body = server.request("GET", urllib.parse.urljoin(base, name), auth=False)
        assert status == 200, (name, status)
        return body

    init = get(re.search(r'#EXT-X-MAP:URI="([^"]+)"', text).group(1))
    out = []
    path = os.path.join(workdir, "segment.mp4")
    for name in [l for l in text.splitlines() if l and not l.startswith("#")]:
        with open(path, "wb") as f:
            f.write(init + get(name))
        frames, errors = count_decoded_frames(path)
        out.append((name, frames, errors))
    return out


def assert_decodes_clean(server, stream, workdir, errors, what):
    """Asserts `errors` (from decoding the whole HLS) is empty; if not, logs which segments hold
    the errors first. (A cut last frame when an SRT caller hangs up was such a bug: libsrt
    discards the tail of the receive buffer, and the TS demuxer's last unbounded video PES was
    forwarded truncated.)"""
    if errors:
        log(f"{what}: per segment (uri, frames, errors): "
            f"{decode_segments(server, stream, workdir)}")
    assert errors == [], (what, errors[:5])
