"""RTMP wire pieces shared by the python test tools: AMF0 encoding and decoding (AMF0 spec
§2) and RTMP chunk writing and reassembly (RTMP 1.0 §5.3). Used by the capture responder
next to this file and by the integration tests' minimal publish client
(tests/integration/reconnect_helpers.py, which adds this folder to sys.path). Standard
library only; test tooling, not a conforming implementation (no chunk stream ids >= 64 on
the write side, no aggregate messages)."""

import struct


def amf_string(s):
    raw = s.encode()
    return b"\x02" + struct.pack(">H", len(raw)) + raw


def amf_number(x):
    return b"\x00" + struct.pack(">d", x)


def amf_object(pairs):
    """An AMF0 object from (key, already encoded value) pairs, in order."""
    out = b"\x03"
    for k, v in pairs:
        out += struct.pack(">H", len(k)) + k.encode() + v
    return out + b"\x00\x00\x09"


def amf_decode(data, pos=0):
    """Decodes AMF0 values until the end of `data` (numbers, booleans, strings, objects, null,
    undefined, ECMA arrays); good enough for a server's _result / onStatus replies."""
    def value(p):
        marker = data[p]
        p += 1
        if marker == 0x00:
            return struct.unpack(">d", data[p:p + 8])[0], p + 8
        if marker == 0x01:
            return bool(data[p]), p + 1
        if marker == 0x02:
            n = struct.unpack(">H", data[p:p + 2])[0]
            return data[p + 2:p + 2 + n].decode(errors="replace"), p + 2 + n
        if marker in (0x03, 0x08):
            if marker == 0x08:
                p += 4
            obj = {}
            while data[p:p + 3] != b"\x00\x00\x09":
                n = struct.unpack(">H", data[p:p + 2])[0]
                key = data[p + 2:p + 2 + n].decode(errors="replace")
                obj[key], p = value(p + 2 + n)
            return obj, p + 3
        if marker in (0x05, 0x06):
            return None, p
        raise ValueError(f"amf0 marker {marker}")
    out = []
    while pos < len(data):
        v, pos = value(pos)
        out.append(v)
    return out


def chunk(csid, type_id, stream_id, payload, size=128):
    """One message as a type-0 chunk followed by type-3 continuations of `size` bytes (pass the
    chunk size announced to the peer; csid < 64)."""
    out = bytes([csid]) + b"\x00\x00\x00" + len(payload).to_bytes(3, "big") + bytes([type_id])
    out += struct.pack("<I", stream_id) + payload[:size]
    for i in range(size, len(payload), size):
        out += bytes([0xC0 | csid]) + payload[i:i + size]
    return out


class ChunkParser:
    """Reassembles RTMP messages from a byte stream fed in any split. feed() returns complete
    messages as (type_id, message_stream_id, payload) and follows Set Chunk Size (type 1)."""

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
        """Consumes one chunk: None when the buffer holds no whole chunk, () when the chunk did
        not finish its message, else the message."""
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
        st = self.streams.setdefault(csid, {"len": 0, "type": 0, "sid": 0, "ext": False,
                                            "data": b""})
        need = [11, 7, 3, 0][fmt]
        if len(b) < pos + need:
            return None
        h = b[pos:pos + need]
        pos += need
        # A type-3 chunk carries an extended timestamp exactly when its stream's last header did.
        ext = st["ext"] if fmt == 3 else h[0:3] == b"\xff\xff\xff"
        if ext:
            if len(b) < pos + 4:
                return None
            pos += 4
        length, type_id = (int.from_bytes(h[3:6], "big"), h[6]) if fmt <= 1 else (
            st["len"], st["type"])
        n = min(self.size, length - len(st["data"]))
        if len(b) < pos + n:
            return None
        st.update(len=length, type=type_id, ext=ext)
        if fmt == 0:
            st["sid"] = struct.unpack("<I", h[7:11])[0]
        st["data"] += b[pos:pos + n]
        self.buf = b[pos + n:]
        if len(st["data"]) < length:
            return ()
        msg = (type_id, st["sid"], st["data"])
        st["data"] = b""
        if type_id == 1:
            self.size = struct.unpack(">I", msg[2][:4])[0] & 0x7FFFFFFF
        return msg
