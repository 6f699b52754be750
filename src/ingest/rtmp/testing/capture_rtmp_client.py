#!/usr/bin/env python3
"""Records what an RTMP publisher sends, to build test data for ingest/rtmp.

A minimal loopback RTMP responder: simple handshake, just enough chunk parsing to answer
connect / createStream / publish, and a copy of every byte the client sent (handshake
included) written to OUTPUT when the client disconnects. Only for capturing test data; it is
not a server and never runs in tests. AMF0 and chunk handling come from rtmp_wire.py beside
this file (shared with the integration tests' publish client).

    capture_rtmp_client.py OUTPUT &   # prints the port
    ffmpeg ... -f flv rtmp://127.0.0.1:PORT/live/KEY
"""

import os
import socket
import struct
import sys

from rtmp_wire import ChunkParser, amf_number, amf_object, amf_string, chunk


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
