"""The running server refuses ambiguous HTTP framing, has one body limit, and keeps its
documented deadlines (docs/configuration.md), over raw sockets on loopback:

1. RFC 9112 §6.1/§6.3: an unknown Transfer-Encoding is 501 + close and creates nothing (its
   body is never parsed as a second request); Transfer-Encoding with Content-Length, chunked
   not last, repeated Content-Length → 400 + close.
2. RFC 9112 §3.2: HTTP/1.1 without Host, or with two → 400.
3. `http.max_body_bytes` is the one body limit, raised by the config file or lowered by the
   flag, and every 413 has the problem type payload-too-large.
4. `http.header_timeout_ms`, `http.body_timeout_ms` and `rtmp.handshake_timeout_ms` are
   settings (listed by `serve --help`) and hold."""

import json
import os
import socket
import subprocess
import tempfile
import time

from harness import BINARY, Server, log, run_test
from raw_http import exchange, request_bytes

PAYLOAD_TOO_LARGE = "https://steadycast.dev/problems/payload-too-large"


def post_stream(server, extra_headers, body, content_length=True):
    return request_bytes("POST", "/v1/live-streams",
                         [("Authorization", server.auth), ("Content-Type", "application/json")]
                         + extra_headers, body, content_length=content_length)


def assert_refused(response, status, what):
    assert response.status == status, (what, response)
    assert response.headers.get("content-type", "").startswith("application/problem+json"), \
        (what, response)
    assert response.closed, (what, "connection left open", response)
    assert b"HTTP/1." not in response.extra, (what, "a second response", response)


def stream_count(server):
    return len(server.api("GET", "/v1/live-streams?limit=100", expect=200)["data"])


def check_framing(server):
    smuggled = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    r = exchange(server.http, post_stream(server, [("Transfer-Encoding", "foo")], b"{}" + smuggled,
                                          content_length=False))
    assert_refused(r, 501, "unknown transfer coding")
    assert r.json()["status"] == 501, r
    assert stream_count(server) == 0, "a request with an unknown transfer coding was executed"

    cases = {
        "TE + CL": [("Transfer-Encoding", "chunked"), ("Content-Length", "7")],
        "CL + TE": [("Content-Length", "7"), ("Transfer-Encoding", "chunked")],
        "unknown TE + CL": [("Transfer-Encoding", "foo"), ("Content-Length", "7")],
        "chunked not last": [("Transfer-Encoding", "chunked, gzip")],
        "chunked twice": [("Transfer-Encoding", "chunked, chunked")],
        "equal CLs": [("Content-Length", "7"), ("Content-Length", "7")],
        "conflicting CLs": [("Content-Length", "7"), ("Content-Length", "2")],
        "CL list": [("Content-Length", "7, 7")],
    }
    for what, headers in cases.items():
        r = exchange(server.http, post_stream(server, headers, b"2\r\n{}\r\n0\r\n\r\n" + smuggled,
                                              content_length=False))
        assert_refused(r, 400, what)
    assert stream_count(server) == 0

    # The same body, framed properly, is a request like any other.
    r = exchange(server.http, post_stream(server, [("Transfer-Encoding", "chunked")],
                                          b"2\r\n{}\r\n0\r\n\r\n", content_length=False))
    assert r.status == 201, r
    assert stream_count(server) == 1


def check_host(server):
    r = exchange(server.http, request_bytes("GET", "/healthz", host=None))
    assert_refused(r, 400, "no Host")
    r = exchange(server.http, request_bytes("GET", "/healthz", [("Host", "other")]))
    assert_refused(r, 400, "two Hosts")
    r = exchange(server.http, request_bytes("GET", "/healthz", host=None, version="HTTP/1.0"))
    assert r.status == 200, ("HTTP/1.0 needs no Host", r)


def check_deadlines(server):
    # A header that never ends: 408 at the header deadline (1 s here).
    r = exchange(server.http, b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    assert_refused(r, 408, "slow header")
    assert 0.8 <= r.elapsed <= 3.5, r.elapsed
    # A body shorter than its Content-Length: 408 at the body deadline (2.5 s), counted from
    # the end of the header, not the header deadline.
    r = exchange(server.http, post_stream(server, [("Content-Length", "10")], b"{}",
                                          content_length=False))
    assert_refused(r, 408, "short body")
    assert 2.2 <= r.elapsed <= 5, r.elapsed
    assert "body" in r.json()["detail"], r
    # An unterminated chunked body likewise.
    r = exchange(server.http, post_stream(server, [("Transfer-Encoding", "chunked")],
                                          b"2\r\n{}\r\n", content_length=False))
    assert_refused(r, 408, "unterminated chunked body")
    assert 2.2 <= r.elapsed <= 5, r.elapsed

    # RTMP: a client that trickles its handshake (never idle) is closed at the handshake
    # deadline (1.5 s here; the idle timeout is 10 s).
    host, port = server.rtmp.rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=5)
    start = time.time()
    closed_after = None
    try:
        sock.sendall(b"\x03")
        while time.time() - start < 8:
            sock.sendall(b"\x00" * 16)
            sock.settimeout(0.3)
            try:
                if sock.recv(65536) == b"":
                    closed_after = time.time() - start
                    break
            except socket.timeout:
                pass
    except (BrokenPipeError, ConnectionResetError):
        closed_after = time.time() - start
    sock.close()
    assert closed_after is not None and closed_after < 4, closed_after
    log(f"slow RTMP handshake closed after {closed_after:.1f} s")


def check_body_limit():
    big = json.dumps({"metadata": {"note": "x" * 100_000}}).encode()  # ~100 KB
    small_over = json.dumps({"metadata": {"note": "x" * 3000}}).encode()

    def post(server, body):
        return exchange(server.http, post_stream(server, [], body))

    with Server("--api-rate-limits", "false") as server:  # the default: 64 KiB
        r = post(server, big)
        assert r.status == 413 and r.json()["type"] == PAYLOAD_TOO_LARGE, r
    config = tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False)
    config.write("[http]\nmax_body_bytes = 200000\n")
    config.close()
    try:
        with Server("--config", config.name, "--api-rate-limits", "false") as server:  # raised
            r = post(server, big)
            assert r.status != 413 and r.status < 500, ("a raised limit must admit 100 KB", r)
            r = post(server, big + b" " * 150_000)
            assert r.status == 413 and r.json()["type"] == PAYLOAD_TOO_LARGE, r
            assert "200000" in r.json()["detail"], r
    finally:
        os.unlink(config.name)
    with Server("--http-max-body-bytes", "2048", "--api-rate-limits", "false") as server:
        r = post(server, small_over)
        assert r.status == 413 and r.json()["type"] == PAYLOAD_TOO_LARGE, r
        assert "2048" in r.json()["detail"], r


def check_help():
    out = subprocess.run([BINARY, "serve", "--help"], capture_output=True, timeout=10).stdout.decode()
    for flag in ("--http-max-body-bytes", "--http-header-timeout-ms", "--http-body-timeout-ms",
                 "--rtmp-handshake-timeout-ms"):
        assert flag in out, flag


def test_http_framing():
    check_help()
    with Server("--api-rate-limits", "false", "--http-header-timeout-ms", "1000",
                "--http-body-timeout-ms", "2500", "--rtmp-handshake-timeout-ms", "1500") as server:
        check_framing(server)
        check_host(server)
        check_deadlines(server)
        assert server.proc.poll() is None
    check_body_limit()


if __name__ == "__main__":
    run_test(test_http_framing)
