#!/usr/bin/env python3
"""Records what an RTMP publisher sends, to build test data for ingest/rtmp.

A minimal loopback RTMP responder: simple handshake, just enough chunk parsing to answer
connect / createStream / publish, and a copy of every byte the client sent (handshake
included) written to OUTPUT when the client disconnects. Only for capturing test data; it is
not a server and never runs in tests.

    capture_rtmp_client.py OUTPUT &   # prints the port
    ffmpeg ... -f flv rtmp://127.0.0.1:PORT/live/KEY
"""

import os
import socket
import struct
import sys


def amf_string(s):
    b = s.encode()
    return b"\x02" + struct.pack(">H", len(b)) + b


def amf_number(x):
    return b"\x00" + struct.pack(">d", x)


def amf_object(pairs):
    out = b"\x03"
    for k, v in pairs:
        out += struct.pack(">H", len(k)) + k.encode() + v
    return out + b"\x00\x00\x09"


def chunk(csid, type_id, stream_id, payload, size=128):
    out = bytes([csid]) + b"\x00\x00\x00" + len(payload).to_bytes(3, "big") + bytes([type_id])
    out += struct.pack("<I", stream_id) + payload[:size]
    for i in range(size, len(payload), size):
        out += bytes([0xC0 | csid]) + payload[i:i + size]
    return out


def status(code):
    return amf_object([("level", amf_string("status")), ("code", amf_string(code)),
                       ("description", amf_string(code))])


def read_amf_head(payload):
    """Command name and transaction id of an AMF0 command payload."""
    if len(payload) < 3 or payload[0] != 2:
        return None, 0
    n = struct.unpack(">H", payload[1:3])[0]
    name = payload[3:3 + n].decode(errors="replace")
    rest = payload[3 + n:]
    txid = struct.unpack(">d", rest[1:9])[0] if len(rest) >= 9 and rest[0] == 0 else 0
    return name, txid


class ChunkParser:
    def __init__(self):
        self.buf = b""
        self.size = 128
        self.streams = {}

    def feed(self, data):
        self.buf += data
        messages = []
        while True:
            m = self._one()
            if m is None:
                return messages
            if m:
                messages.append(m)

    def _one(self):
        b = self.buf
        if not b:
            return None
        fmt, csid, pos = b[0] >> 6, b[0] & 0x3F, 1
        if csid == 0:
            if len(b) < 2:
                return None
            csid, pos = 64 + b[1], 2
        elif csid == 1:
            if len(b) < 3:
                return None
            csid, pos = 64 + b[1] + 256 * b[2], 3
        st = self.streams.setdefault(csid, {"ts": 0, "len": 0, "type": 0, "sid": 0,
                                            "ext": False, "data": b""})
        need = [11, 7, 3, 0][fmt]
        if len(b) < pos + need:
            return None
        h = b[pos:pos + need]
        pos += need
        ext = st["ext"] if fmt == 3 else (need and h[0:3] == b"\xff\xff\xff")
        if ext:
            if len(b) < pos + 4:
                return None
            pos += 4
        if fmt <= 1:
            st["len"], st["type"] = int.from_bytes(h[3:6], "big"), h[6]
        if fmt == 0:
            st["sid"] = struct.unpack("<I", h[7:11])[0]
        st["ext"] = ext if fmt <= 2 else st["ext"]
        n = min(self.size, st["len"] - len(st["data"]))
        if len(b) < pos + n:
            return None
        st["data"] += b[pos:pos + n]
        self.buf = b[pos + n:]
        if len(st["data"]) < st["len"]:
            return {}
        msg = (st["type"], st["sid"], st["data"])
        st["data"] = b""
        if msg[0] == 1:
            self.size = struct.unpack(">I", msg[2][:4])[0]
        return msg


def serve(output):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    print(listener.getsockname()[1], flush=True)
    conn, _ = listener.accept()
    captured = b""

    def recv_exact(n):
        nonlocal captured
        data = b""
        while len(data) < n:
            part = conn.recv(n - len(data))
            if not part:
                raise EOFError
            data += part
        captured += data
        return data

    c0c1 = recv_exact(1537)
    conn.sendall(b"\x03" + bytes(8) + os.urandom(1528) + c0c1[1:])
    recv_exact(1536)
    parser = ChunkParser()
    try:
        while True:
            data = conn.recv(65536)
            if not data:
                break
            captured += data
            for type_id, sid, payload in parser.feed(data):
                if type_id != 20:
                    continue
                name, txid = read_amf_head(payload)
                if name == "connect":
                    body = amf_string("_result") + amf_number(txid) + amf_object(
                        [("fmsVer", amf_string("FMS/3,0,1,123"))]) + status(
                        "NetConnection.Connect.Success")
                    conn.sendall(chunk(3, 20, 0, body))
                elif name == "createStream":
                    body = amf_string("_result") + amf_number(txid) + b"\x05" + amf_number(1)
                    conn.sendall(chunk(3, 20, 0, body))
                elif name == "publish":
                    body = amf_string("onStatus") + amf_number(0) + b"\x05" + status(
                        "NetStream.Publish.Start")
                    conn.sendall(chunk(5, 20, sid, body))
    except (EOFError, ConnectionResetError):
        pass
    with open(output, "wb") as f:
        f.write(captured)


if __name__ == "__main__":
    serve(sys.argv[1])
