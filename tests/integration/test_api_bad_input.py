"""About 245 malformed requests against a running server, each on its own raw connection:
bad JSON, JSON nested ~100 000 deep (the body limit is raised to 1 MiB so that it reaches the
JSON parser, whose depth limit must answer 400), bodies over 1 MiB, 64 KiB headers, bad chunk
sizes, bad Basic credentials, invalid fields and query parameters, and path traversal in
playback and web URLs (plain, percent-encoded and double-encoded). Every answer must be a 4xx
application/problem+json — or, for the one case where RFC 9112 demands it, a 501 for a
transfer coding the server does not implement — never any other 5xx, never a traversal that
serves a file, and the server must stay up and keep working."""

import base64
import json

from harness import Server, log, run_test
from raw_http import exchange, request_bytes

BODY_LIMIT = 1024 * 1024


class Case:
    def __init__(self, name, data, allow=None, pieces=None):
        self.name = name
        self.data = data
        self.allow = allow  # statuses allowed besides any 4xx (e.g. {501})
        self.pieces = pieces


def api(server, method, path, body=b"", headers=(), auth=True, content_type="application/json"):
    hdrs = []
    if auth:
        hdrs.append(("Authorization", server.auth))
    if body and content_type:
        hdrs.append(("Content-Type", content_type))
    return request_bytes(method, path, hdrs + list(headers), body)


def json_cases(server, stream_id, pb):
    bad_json = [b"{", b"[1,2", b"not json", b"{\"a\":1,}", b"{'a':1}", b"{\"a\":NaN}",
                b"{\"a\" 1}", b"{\"a\":1}}", b"{\"a\":01}", b"\"unterminated",
                b"{\"a\":\"\\x41\"}", b"{\"a\":\"\xff\xfe\"}", b"\x00{}", b"{\"a\":1e99999}"]
    targets = [("POST", "/v1/live-streams"), ("PATCH", f"/v1/live-streams/{stream_id}"),
               ("POST", "/v1/webhook-endpoints")]
    cases = []
    for method, path in targets:
        for body in bad_json:
            cases.append(Case(f"bad JSON {method} {path} {body[:12]!r}",
                              api(server, method, path, body)))
    for body in bad_json[:8]:
        cases.append(Case(f"bad JSON beacon {body[:12]!r}",
                          api(server, "POST", "/v1/playback/beacons", body, auth=False)))
    return cases


def nesting_cases(server, stream_id):
    depth = 100_000
    bodies = {
        "arrays": b"[" * depth + b"]" * depth,
        "objects": b"{\"a\":" * depth + b"1" + b"}" * depth,
        "unterminated arrays": b"[" * depth,
        "metadata arrays": b"{\"metadata\":{\"a\":" + b"[" * depth + b"]" * depth + b"}}",
        "strings are not nesting": b"{\"metadata\":{\"a\":\"" + b"[" * depth + b"\"}}",
    }
    cases = []
    for name, body in bodies.items():
        assert len(body) < BODY_LIMIT
        for method, path in [("POST", "/v1/live-streams"),
                             ("PATCH", f"/v1/live-streams/{stream_id}"),
                             ("POST", "/v1/webhook-endpoints")]:
            cases.append(Case(f"deep nesting ({name}) {method} {path}",
                              api(server, method, path, body)))
    cases.append(Case("deep nesting beacon", api(server, "POST", "/v1/playback/beacons",
                                                  bodies["arrays"], auth=False)))
    return cases


def size_cases(server):
    big = b"{\"metadata\":{\"a\":\"" + b"x" * (BODY_LIMIT + 10) + b"\"}}"
    head = ("POST /v1/live-streams HTTP/1.1\r\nHost: x\r\nAuthorization: " + server.auth +
            "\r\nContent-Type: application/json\r\nConnection: close\r\n").encode()
    chunk = b"10000\r\n" + b"x" * 0x10000 + b"\r\n"
    cases = [
        Case(">1 MiB body", api(server, "POST", "/v1/live-streams", big)),
        Case(">1 MiB declared", head + b"Content-Length: 2000000\r\n\r\n"),
        Case("huge declared", head + b"Content-Length: 99999999999999\r\n\r\n"),
        Case(">1 MiB chunked", head + b"Transfer-Encoding: chunked\r\n\r\n" + chunk * 17),
        Case(">1 MiB webhook", api(server, "POST", "/v1/webhook-endpoints", big)),
        Case(">16 KiB beacon", api(server, "POST", "/v1/playback/beacons",
                                   b"{\"v\":1,\"pad\":\"" + b"x" * 20000 + b"\"}", auth=False)),
        Case("64 KiB header", request_bytes("GET", "/v1/live-streams",
                                            [("Authorization", server.auth),
                                             ("X-Big", "h" * 65536)])),
        Case("64 KiB of small headers", request_bytes(
            "GET", "/healthz", [(f"X-H{i}", "v" * 60) for i in range(1000)])),
        Case("64 KiB target", request_bytes("GET", "/v1/live-streams?x=" + "a" * 65536,
                                            [("Authorization", server.auth)])),
        Case("64 KiB Authorization", request_bytes("GET", "/v1/live-streams",
                                                   [("Authorization", "Basic " + "A" * 65536)])),
    ]
    return cases


def chunked_cases(server):
    head = ("POST /v1/live-streams HTTP/1.1\r\nHost: x\r\nAuthorization: " + server.auth +
            "\r\nContent-Type: application/json\r\nConnection: close\r\n"
            "Transfer-Encoding: chunked\r\n\r\n").encode()
    bodies = [b"zz\r\n{}\r\n0\r\n\r\n", b"-2\r\n{}\r\n0\r\n\r\n",
              b"ffffffffffffffffffff\r\n{}\r\n0\r\n\r\n", b"0x2\r\n{}\r\n0\r\n\r\n",
              b"2\r\n{}XX0\r\n\r\n", b"2\n{}\n0\n\n", b"\r\n{}\r\n0\r\n\r\n",
              b"2 2\r\n{}\r\n0\r\n\r\n", b"2\r\n{}}\r\n0\r\n\r\n", b"+2\r\n{}\r\n0\r\n\r\n"]
    cases = [Case(f"bad chunk {b[:10]!r}", head + b) for b in bodies]
    post = ("POST /v1/live-streams HTTP/1.1\r\nHost: x\r\nAuthorization: " + server.auth +
            "\r\nContent-Type: application/json\r\nConnection: close\r\n").encode()
    cases += [
        Case("unknown transfer coding (RFC 9112: 501)",
             post + b"Transfer-Encoding: foo\r\n\r\n{}", allow={501}),
        Case("gzip transfer coding (RFC 9112: 501)",
             post + b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", allow={501}),
        Case("TE + CL", post + b"Transfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n{}"),
        Case("chunked not last", post + b"Transfer-Encoding: chunked, gzip\r\n\r\n{}"),
        Case("two CLs", post + b"Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}"),
        Case("bad CL", post + b"Content-Length: 2x\r\n\r\n{}"),
        Case("negative CL", post + b"Content-Length: -1\r\n\r\n{}"),
        Case("no Host", b"GET /healthz HTTP/1.1\r\n\r\n"),
        Case("two Hosts", b"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
    ]
    return cases


def request_line_cases():
    raw = [b"GARBAGE\r\n\r\n", b"GET\r\n\r\n", b"GET /healthz\r\nHost: x\r\n\r\n",
           b"GET /healthz HTTP/1.1 extra\r\nHost: x\r\n\r\n", b"GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n",
           b"GET /a%00b HTTP/1.1\r\nHost: x\r\n\r\n", b"GET * HTTP/1.1\r\nHost: x\r\n\r\n",
           b"GET /healthz HTTP/1.1\r\nBad Header: x\r\nHost: x\r\n\r\n",
           b"GET /healthz HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n",
           b"GET /healthz HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
           b"GET /healthz HTTP/1.1\r\n: empty\r\nHost: x\r\n\r\n",
           b"GET /healthz HTTP/1.1\r\nHost: a/b\r\n\r\n",
           b"G\xffT /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
           b"GET /healthz HTTP/1.1\r\nHost: x\r\nX\x7f: y\r\n\r\n"]
    return [Case(f"malformed request {r[:24]!r}", r) for r in raw]


def auth_cases(server):
    values = ["Basic", "Basic ", "Basic !!!!", "Basic ====", "Basic YQ", "Basic YWJj",
              "Basic " + base64.b64encode(b"no-colon").decode(),
              "Basic " + base64.b64encode(b":").decode(),
              "Basic " + base64.b64encode(b"tok_x:wrong").decode(),
              "Basic " + base64.b64encode(b"\x00\xff:\x00").decode(),
              "Basic " + base64.b64encode(b"a" * 5000 + b":b").decode(),
              "Basic YWJj ZGVm", "Basic YW=Jj", "Basic\tYWJj", "basic " + server.auth[6:] + "x",
              "Bearer abc", "Digest username=x", "Basic " + server.auth[6:-2] + "@@",
              "Basic " + server.auth[6:] + "====", "Basic %59%57"]
    paths = ("/v1/live-streams", "/v1/events")
    return [Case(f"bad Basic {value[:20]!r}",
                 request_bytes("GET", paths[i % 2], [("Authorization", value)]))
            for i, value in enumerate(values)]


def field_cases(server, stream_id):
    bodies = [{"reconnect_window": -1}, {"reconnect_window": 1801}, {"reconnect_window": "60"},
              {"reconnect_window": 1.5}, {"srt_passphrase": "short"}, {"srt_passphrase": 12345},
              {"srt_passphrase": "x" * 80}, {"latency_mode": "instant"}, {"ladder": "huge"},
              {"ladder": [{"height": -1, "video_kbps": 100}]}, {"ladder": [{}]},
              {"ladder": [{"height": 720}] * 50}, {"slate": "yes"}, {"takeover": "always"},
              {"playback_policy": "secret"}, {"metadata": []}, {"metadata": {"a": 1}},
              {"metadata": {"": "x"}}, {"metadata": {"k" * 1000: "v"}}, {"bogus": 1},
              [], "string", 42, None]
    cases = []
    for body in bodies:
        data = json.dumps(body).encode()
        cases.append(Case(f"invalid field POST {data[:30]!r}",
                          api(server, "POST", "/v1/live-streams", data)))
    for body in bodies[:5]:
        data = json.dumps(body).encode()
        cases.append(Case(f"invalid field PATCH {data[:30]!r}",
                          api(server, "PATCH", f"/v1/live-streams/{stream_id}", data)))
    hooks = [{"url": "ftp://x"}, {"url": "http://169.254.169.254/"}, {"url": "not a url"},
             {"url": "http://[::1"}, {"url": ""}, {"events": ["*"]}, {"url": "http://x", "events": 5},
             {"url": "http://x", "events": ["nope.event"]}, {"url": "http://" + "a" * 5000}]
    for body in hooks:
        data = json.dumps(body).encode()
        cases.append(Case(f"invalid webhook {data[:30]!r}",
                          api(server, "POST", "/v1/webhook-endpoints", data)))
    return cases


def query_and_misc_cases(server, stream_id):
    queries = ["/v1/live-streams?limit=0", "/v1/live-streams?limit=101", "/v1/live-streams?limit=x",
               "/v1/live-streams?limit=-1", "/v1/live-streams?limit=1e3", "/v1/live-streams?limit=",
               "/v1/live-streams?cursor=%%%", "/v1/live-streams?cursor=garbage",
               f"/v1/live-streams/{stream_id}/health/history?seconds=0",
               f"/v1/live-streams/{stream_id}/health/history?seconds=3601",
               f"/v1/live-streams/{stream_id}/health/history?seconds=abc",
               "/v1/events?limit=1000", "/v1/events?cursor=zzz", "/v1/live-streams/ls_nope",
               "/v1/live-streams/%00", "/v1/webhook-endpoints/we_nope/deliveries",
               "/v1/events/evt_nope", "/v1/nothing-here"]
    cases = [Case(f"query {q}", request_bytes("GET", q, [("Authorization", server.auth)]))
             for q in queries]
    cases += [
        Case("wrong method DELETE list", api(server, "DELETE", "/v1/live-streams")),
        Case("wrong method PUT", api(server, "PUT", f"/v1/live-streams/{stream_id}", b"{}")),
        Case("wrong method POST health", api(server, "POST", f"/v1/live-streams/{stream_id}/health",
                                             b"{}")),
        Case("unknown method", api(server, "BREW", "/v1/live-streams")),
        Case("text/plain body", api(server, "POST", "/v1/live-streams", b"{}",
                                    content_type="text/plain")),
        Case("form body", api(server, "POST", "/v1/live-streams", b"a=b",
                              content_type="application/x-www-form-urlencoded")),
        Case("no content type", api(server, "POST", "/v1/live-streams", b"{}", content_type=None)),
        Case("long idempotency key", api(server, "POST", "/v1/live-streams", b"{}",
                                         [("Idempotency-Key", "k" * 300)])),
        Case("control char idempotency key", api(server, "POST", "/v1/live-streams", b"{}",
                                                 [("Idempotency-Key", "a\x01b")])),
        Case("If-Match mismatch", api(server, "PATCH", f"/v1/live-streams/{stream_id}", b"{}",
                                      [("If-Match", "\"nope\"")])),
        Case("complete an idle stream", api(server, "POST",
                                            f"/v1/live-streams/{stream_id}/complete")),
    ]
    return cases


TRAVERSALS = ["../../../../etc/passwd", "..%2f..%2f..%2fetc%2fpasswd",
              "%2e%2e/%2e%2e/%2e%2e/etc/passwd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
              "%252e%252e%252f%252e%252e%252fetc%252fpasswd", "..%252f..%252fetc%252fpasswd",
              "....//....//etc/passwd", "%2e%2e%5c%2e%2e%5cetc%5cpasswd",
              "%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd", "..%00/etc/passwd"]


def traversal_cases(pb):
    prefixes = [f"/hls/{pb}/", "/hls/", "/dash/", "/player/", "/app/", "/vendor/"]
    cases = []
    for prefix in prefixes:
        for t in TRAVERSALS:
            target = prefix + t
            if target.startswith("//"):
                target = "/" + target.lstrip("/")
            cases.append(Case(f"traversal {target}", request_bytes("GET", target)))
    return cases


def check_player_page(server, pb):
    """/play/{pb} serves the one static player page for any single-segment id (the page finds
    out from the playlist whether the id exists): a traversal there must get that same page
    or a 4xx, never another file."""
    page = exchange(server.http, request_bytes("GET", f"/play/{pb}"))
    assert page.status == 200, page
    for t in TRAVERSALS + ["..\\..\\..\\etc\\passwd", "%2fetc%2fpasswd"]:
        r = exchange(server.http, request_bytes("GET", "/play/" + t))
        if r.status == 200:
            assert r.body == page.body, ("/play/" + t, r)
        else:
            assert r.status is not None and 400 <= r.status < 500, ("/play/" + t, r)
            assert r.headers.get("content-type", "").startswith("application/problem+json"), r


def check(server, case):
    r = exchange(server.http, case.data, timeout=15)
    ok_status = r.status is not None and (400 <= r.status < 500 or r.status in (case.allow or ()))
    if not ok_status:
        raise AssertionError(f"{case.name}: expected a 4xx, got {r!r}")
    content_type = r.headers.get("content-type", "")
    if not content_type.startswith("application/problem+json"):
        raise AssertionError(f"{case.name}: not problem+json: {r!r}")
    problem = r.json()
    assert problem.get("status") == r.status and problem.get("type"), (case.name, problem)
    assert b"root:" not in r.body, (case.name, "served a system file", r)
    return r.status


def test_api_bad_input():
    # Short deadlines: an incomplete request (a chunk line ended by a bare LF waits for its
    # CRLF) gets its 408 in seconds.
    with Server("--api-rate-limits", "false", "--http-max-body-bytes", str(BODY_LIMIT),
                "--http-header-timeout-ms", "3000", "--http-body-timeout-ms", "3000",
                "--beacons-address-rate", "100000", "--beacons-address-burst", "100000") as server:
        stream = server.create_stream()
        stream_id, pb = stream["id"], stream["playback_ids"][0]["id"]
        cases = (json_cases(server, stream_id, pb) + nesting_cases(server, stream_id)
                 + size_cases(server) + chunked_cases(server) + request_line_cases()
                 + auth_cases(server) + field_cases(server, stream_id)
                 + query_and_misc_cases(server, stream_id) + traversal_cases(pb))
        log(f"{len(cases)} malformed requests")
        tally = {}
        failures = []
        for case in cases:
            try:
                status = check(server, case)
                tally[status] = tally.get(status, 0) + 1
            except AssertionError as e:
                failures.append(str(e))
            assert server.proc.poll() is None, f"server died after {case.name}"
        log("statuses:", dict(sorted(tally.items())))
        assert not failures, "\n".join(failures)
        check_player_page(server, pb)

        # The JSON depth limit answers, with the body cap raised so the body reaches it.
        r = exchange(server.http, api(server, "POST", "/v1/live-streams",
                                      b"[" * 100_000 + b"]" * 100_000))
        assert r.status == 400 and r.json()["type"].endswith("/invalid-json"), r

        # Still up, still working.
        status, _, _ = server.request("GET", "/healthz", auth=False)
        assert status == 200
        again = server.create_stream()
        assert again["id"].startswith("ls_")
        listed = server.api("GET", "/v1/live-streams?limit=100", expect=200)["data"]
        assert sorted(s["id"] for s in listed) == sorted([stream_id, again["id"]]), listed


if __name__ == "__main__":
    run_test(test_api_bad_input)
