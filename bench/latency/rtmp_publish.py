"""A minimal RTMP publisher that sends the same FLV tags to several servers.

Why not ffmpeg's tee muxer: the availability bench needs the wall time at which every video
frame was handed to each server's socket. ffmpeg's muxer interleaves audio and video (it holds
a packet until the other stream catches up) and buffers its output, so the time we write a tag
into ffmpeg is not the time a server gets it. Here each tag goes straight to every server's
socket (TCP_NODELAY, one sendall per message) and the time after each sendall is recorded per
server.

Protocol: RTMP 1.0 (Adobe, 2012): plain handshake (§5.2, version 3, no digest), chunk stream
with fmt 0 headers for the first chunk of a message and fmt 3 for its continuations (§5.3.1),
Set Chunk Size (§5.4.1), the NetConnection `connect` / `createStream` and NetStream `publish`
commands (§7.2) in AMF0. Enough for nginx-rtmp and steadycast; no extended timestamps (tags
must stay below 4.6 hours).

CLI (live fan-out used by the glass-to-glass bench): reads an FLV stream on stdin (e.g. ffmpeg
`-f flv pipe:1`) and forwards every tag at once to each URL:
    python3 rtmp_publish.py rtmp://HOST:PORT/APP/KEY [...]
"""

import os
import socket
import struct
import sys
import threading
import time
from urllib.parse import urlparse

CHUNK_SIZE = 4096
MSG_SET_CHUNK_SIZE = 1
MSG_AUDIO = 8
MSG_VIDEO = 9
MSG_DATA_AMF0 = 18
MSG_COMMAND_AMF0 = 20


# AMF0 (Adobe AMF0 specification §2) ----------------------------------------------------------
def amf_encode(value):
    if value is None:
        return b"\x05"
    if isinstance(value, bool):
        return b"\x01" + (b"\x01" if value else b"\x00")
    if isinstance(value, (int, float)):
        return b"\x00" + struct.pack(">d", float(value))
    if isinstance(value, str):
        raw = value.encode()
        return b"\x02" + struct.pack(">H", len(raw)) + raw
    if isinstance(value, dict):
        out = b"\x03"
        for key, item in value.items():
            raw = key.encode()
            out += struct.pack(">H", len(raw)) + raw + amf_encode(item)
        return out + b"\x00\x00\x09"
    raise TypeError(f"cannot encode {type(value)} in AMF0")


def amf_decode_all(data):
    """Decodes a sequence of AMF0 values (the body of a command message)."""
    values, pos = [], 0
    while pos < len(data):
        value, pos = _amf_decode(data, pos)
        values.append(value)
    return values


def _amf_decode(data, pos):
    marker = data[pos]
    pos += 1
    if marker == 0x00:
        return struct.unpack_from(">d", data, pos)[0], pos + 8
    if marker == 0x01:
        return data[pos] != 0, pos + 1
    if marker == 0x02:
        n = struct.unpack_from(">H", data, pos)[0]
        return data[pos + 2:pos + 2 + n].decode(errors="replace"), pos + 2 + n
    if marker in (0x03, 0x08):  # object, ECMA array (with a 4-byte count first)
        if marker == 0x08:
            pos += 4
        obj = {}
        while True:
            n = struct.unpack_from(">H", data, pos)[0]
            pos += 2
            if n == 0 and data[pos] == 0x09:
                return obj, pos + 1
            key = data[pos:pos + n].decode(errors="replace")
            obj[key], pos = _amf_decode(data, pos + n)
    if marker in (0x05, 0x06):
        return None, pos
    if marker == 0x0A:
        count = struct.unpack_from(">I", data, pos)[0]
        pos += 4
        items = []
        for _ in range(count):
            item, pos = _amf_decode(data, pos)
            items.append(item)
        return items, pos
    raise ValueError(f"unsupported AMF0 marker {marker:#x}")


# Chunk stream ------------------------------------------------------------------------------
def encode_message(csid, msg_type, timestamp, stream_id, payload, chunk_size=CHUNK_SIZE):
    """One message as chunks: fmt 0 header, then fmt 3 continuations (RTMP §5.3.1)."""
    if timestamp >= 0xFFFFFF:
        raise ValueError("extended timestamps are not supported")
    header = bytes([csid & 0x3F]) + struct.pack(">I", timestamp)[1:] + \
        struct.pack(">I", len(payload))[1:] + bytes([msg_type]) + struct.pack("<I", stream_id)
    parts = [header, payload[:chunk_size]]
    for at in range(chunk_size, len(payload), chunk_size):
        parts.append(bytes([0xC0 | (csid & 0x3F)]))
        parts.append(payload[at:at + chunk_size])
    return b"".join(parts)


class ChunkReader:
    """Reassembles the server's messages (all four header formats; the server's chunk size)."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.chunk_size = 128
        self.streams = {}  # csid -> {"ts", "len", "type", "sid", "data"}

    def _need(self, n):
        while len(self.buf) < n:
            more = self.sock.recv(65536)
            if not more:
                raise ConnectionError("server closed the connection")
            self.buf += more

    def _take(self, n):
        self._need(n)
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_message(self):
        while True:
            first = self._take(1)[0]
            fmt, csid = first >> 6, first & 0x3F
            if csid == 0:
                csid = 64 + self._take(1)[0]
            elif csid == 1:
                b = self._take(2)
                csid = 64 + b[0] + 256 * b[1]
            st = self.streams.setdefault(csid, {"ts": 0, "len": 0, "type": 0, "sid": 0,
                                                "data": b""})
            if fmt <= 2:
                ts = int.from_bytes(self._take(3), "big")
                if fmt <= 1:
                    st["len"] = int.from_bytes(self._take(3), "big")
                    st["type"] = self._take(1)[0]
                    if fmt == 0:
                        st["sid"] = struct.unpack("<I", self._take(4))[0]
                if ts == 0xFFFFFF:
                    ts = struct.unpack(">I", self._take(4))[0]
                st["ts"] = ts if fmt == 0 else st["ts"] + ts
            n = min(self.chunk_size, st["len"] - len(st["data"]))
            st["data"] += self._take(n)
            if len(st["data"]) < st["len"]:
                continue
            msg_type, data = st["type"], st["data"]
            st["data"] = b""
            if msg_type == MSG_SET_CHUNK_SIZE:
                self.chunk_size = struct.unpack(">I", data[:4])[0] & 0x7FFFFFFF
            return msg_type, data


class Publisher:
    """One RTMP publishing connection (rtmp://HOST:PORT/APP/KEY). Not thread-safe: one thread
    sends; a daemon thread drains what the server sends after `publish` succeeded."""

    def __init__(self, url, timeout=10.0):
        u = urlparse(url)
        app, _, key = u.path.lstrip("/").partition("/")
        if u.scheme != "rtmp" or not app or not key:
            raise ValueError(f"not an rtmp://HOST:PORT/APP/KEY URL: {url}")
        self.url, self.app, self.key = url, app, key
        self.tc_url = f"rtmp://{u.hostname}:{u.port or 1935}/{app}"
        self.sock = socket.create_connection((u.hostname, u.port or 1935), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.stream_id = 0
        self._handshake()
        self.reader = ChunkReader(self.sock)
        self._connect()
        self.sock.settimeout(timeout)
        threading.Thread(target=self._drain, daemon=True).start()

    def _handshake(self):
        c1 = struct.pack(">II", int(time.monotonic() * 1000) & 0xFFFFFFFF, 0) + os.urandom(1528)
        self.sock.sendall(b"\x03" + c1)
        s0s1 = self._recv_exact(1 + 1536)
        self._recv_exact(1536)  # S2: echo of C1, not checked
        self.sock.sendall(s0s1[1:])  # C2: echo of S1

    def _recv_exact(self, n):
        out = b""
        while len(out) < n:
            more = self.sock.recv(n - len(out))
            if not more:
                raise ConnectionError(f"{self.url}: closed during the handshake")
            out += more
        return out

    def _command(self, name, txn, *args, stream_id=0):
        body = amf_encode(name) + amf_encode(float(txn)) + b"".join(amf_encode(a) for a in args)
        self.sock.sendall(encode_message(3, MSG_COMMAND_AMF0, 0, stream_id, body))

    def _await(self, predicate, what):
        while True:
            msg_type, data = self.reader.read_message()
            if msg_type != MSG_COMMAND_AMF0:
                continue
            values = amf_decode_all(data)
            if values and values[0] == "_error":
                raise ConnectionError(f"{self.url}: {what} refused: {values[3:]}")
            if predicate(values):
                return values

    def _connect(self):
        self.sock.sendall(encode_message(2, MSG_SET_CHUNK_SIZE, 0, 0,
                                         struct.pack(">I", CHUNK_SIZE)))
        self._command("connect", 1, {"app": self.app, "type": "nonprivate",
                                     "flashVer": "FMLE/3.0 (compatible; steadycast-bench)",
                                     "tcUrl": self.tc_url})
        self._await(lambda v: v[0] == "_result" and v[1] == 1, "connect")
        self._command("releaseStream", 2, None, self.key)
        self._command("FCPublish", 3, None, self.key)
        self._command("createStream", 4, None)
        result = self._await(lambda v: v[0] == "_result" and v[1] == 4, "createStream")
        self.stream_id = int(result[3])
        self._command("publish", 5, None, self.key, "live", stream_id=self.stream_id)

        def started(values):
            if values[0] != "onStatus" or len(values) < 4 or not isinstance(values[3], dict):
                return False
            code = values[3].get("code", "")
            if code != "NetStream.Publish.Start":
                raise ConnectionError(f"{self.url}: publish refused: {code}")
            return True
        self._await(started, "publish")

    def _drain(self):
        try:
            while self.sock.recv(65536):
                pass
        except OSError:
            pass

    def send_tag(self, tag_type, timestamp, data):
        """Sends one FLV tag body as an RTMP message; returns time.monotonic() after sendall."""
        if tag_type == MSG_DATA_AMF0:
            data = amf_encode("@setDataFrame") + data
            csid = 5
        else:
            csid = 4 if tag_type == MSG_AUDIO else 6
        self.sock.sendall(encode_message(csid, tag_type, timestamp, self.stream_id, data))
        return time.monotonic()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# FLV (Adobe FLV/F4V specification, annex E) -------------------------------------------------
def read_flv_tags(stream):
    """Yields (tag_type, timestamp_ms, body) from a binary file object holding FLV."""
    header = _read_exact(stream, 9)
    if header is None or header[:3] != b"FLV":
        raise ValueError("not an FLV stream")
    offset = struct.unpack(">I", header[5:9])[0]
    _read_exact(stream, offset - 9 + 4)  # rest of the header + PreviousTagSize0
    while True:
        head = _read_exact(stream, 11)
        if head is None:
            return
        size = int.from_bytes(head[1:4], "big")
        ts = int.from_bytes(head[4:7], "big") | (head[7] << 24)
        body = _read_exact(stream, size + 4)
        if body is None:
            return
        yield head[0] & 0x1F, ts, body[:size]


def _read_exact(stream, n):
    out = b""
    while len(out) < n:
        more = stream.read(n - len(out))
        if not more:
            return None
        out += more
    return out


def is_video_frame(tag_type, body):
    """An AVC video frame (not the sequence header nor an end-of-sequence)."""
    return tag_type == MSG_VIDEO and len(body) > 1 and (body[0] & 0x0F) == 7 and body[1] == 1


def is_keyframe(tag_type, body):
    return is_video_frame(tag_type, body) and (body[0] >> 4) == 1


def main():
    urls = sys.argv[1:]
    if not urls:
        sys.exit(__doc__)
    publishers = [Publisher(u) for u in urls]
    try:
        for tag_type, ts, body in read_flv_tags(sys.stdin.buffer):
            for p in publishers:
                p.send_tag(tag_type, ts, body)
    except (BrokenPipeError, ConnectionError) as e:
        sys.exit(f"rtmp_publish: {e}")
    finally:
        for p in publishers:
            p.close()


if __name__ == "__main__":
    main()
