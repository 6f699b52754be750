"""HTTP/1.1 over a raw socket, for tests that must send what ordinary clients never would
(malformed framing, missing Host, bodies shorter than declared) and see exactly what comes
back, including whether the server closed the connection. Standard library only."""

import json
import socket
import time


class RawResponse:
    def __init__(self, status, headers, body, closed, extra, elapsed):
        self.status = status      # int, or None when no response came
        self.headers = headers    # lower-cased names
        self.body = body          # bytes
        self.closed = closed      # the server closed the connection after the response
        self.extra = extra        # bytes after the first response (a second response?)
        self.elapsed = elapsed    # seconds from the end of sending to the end of reading

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return (f"RawResponse({self.status}, {self.headers.get('content-type')!r}, "
                f"{self.body[:300]!r}, closed={self.closed}, extra={self.extra[:80]!r})")


def parse_response(data):
    """Splits the first response off `data`: (status, headers, body, rest) or None."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = data[:end].decode("latin-1").split("\r\n")
    status = int(head[0].split(" ")[1])
    headers = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    body = data[end + 4:end + 4 + length]
    if len(body) < length:
        return None
    return status, headers, body, data[end + 4 + length:]


def exchange(hostport, data, timeout=10, pieces=None, pause=0.0, send_timeout=None):
    """Sends `data` (or the byte strings in `pieces`, `pause` seconds apart), then reads until
    the server closes the connection or `timeout` passes. A server that closes while we still
    send is fine: what it answered is read all the same."""
    host, port = hostport.rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=timeout)
    sock.settimeout(send_timeout or timeout)
    chunks = pieces if pieces is not None else [data]
    try:
        for i, piece in enumerate(chunks):
            if i and pause:
                time.sleep(pause)
            sock.sendall(piece)
    except (BrokenPipeError, ConnectionResetError, socket.timeout):
        pass
    start = time.time()
    received = b""
    closed = False
    sock.settimeout(0.2)
    while time.time() - start < timeout:
        try:
            got = sock.recv(65536)
        except socket.timeout:
            # Answered and kept open (keep-alive): stop once a whole response is in.
            if parse_response(received) is not None and received.count(b"HTTP/1.") >= 1:
                if time.time() - start > 0.5:
                    break
            continue
        except ConnectionResetError:
            closed = True
            break
        if not got:
            closed = True
            break
        received += got
    elapsed = time.time() - start
    sock.close()
    parsed = parse_response(received)
    if parsed is None:
        return RawResponse(None, {}, received, closed, b"", elapsed)
    status, headers, body, rest = parsed
    return RawResponse(status, headers, body, closed, rest, elapsed)


def request_bytes(method, target, headers=(), body=b"", host="127.0.0.1", version="HTTP/1.1",
                  content_length=True, close=True):
    """A request as bytes: Host first (unless host is None), then `headers` as given."""
    lines = [f"{method} {target} {version}"]
    if host is not None:
        lines.append(f"Host: {host}")
    lines += [f"{name}: {value}" for name, value in headers]
    if close:
        lines.append("Connection: close")
    if content_length and body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
