"""A webhook receiver for the integration tests: a real HTTP server on loopback that
verifies every delivery's `Steadycast-Signature` with an implementation independent of the
server's (Python's hmac/hashlib, docs/contract.md "Webhook delivery": HEX = HMAC-SHA256(secret,
t + "." + raw_body), header `t=UNIX,v1=HEX[,v1=HEX]`), checks the timestamp tolerance, and
records every request: event id, type, object id, sequence, attempt header, signature validity,
arrival time and the answer it gave.

Behaviours (set at start, changeable while running through the object's attributes):
  fail_first=N   answer 500 to the first N requests of each event id
  down           close the connection without answering (connection error)
  delay=S        sleep S seconds before answering (a slow receiver)
  status=C       answer C instead of 200

Use from a test:
    with WebhookReceiver(secrets=[secret]) as rx:
        ... rx.url ... rx.records() ... rx.wait_for(lambda recs: len(recs) >= 3, timeout=10)
or as a process: python3 webhook_receiver.py --secret S [--fail-first N] prints its URL, then
one JSON line per request. Standard library only."""

import argparse
import hashlib
import hmac
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_S = 300


def parse_signature(header):
    """(t, [v1 hex, ...]) from `t=...,v1=...,v1=...`; (None, []) when malformed."""
    t, sigs = None, []
    for part in (header or "").split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            t = int(value)
        elif key == "v1" and value:
            sigs.append(value)
    return t, sigs


def signature_valid(header, body, secrets, now=None, tolerance=TOLERANCE_S):
    """True when some v1 matches HMAC-SHA256(secret, t + "." + body) for one of `secrets` and t
    is within `tolerance` seconds of now."""
    t, sigs = parse_signature(header)
    if t is None or not sigs:
        return False
    now = time.time() if now is None else now
    if abs(now - t) > tolerance:
        return False
    signed = str(t).encode() + b"." + body
    for secret in secrets:
        expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        if any(hmac.compare_digest(expected, s) for s in sigs):
            return True
    return False


class WebhookReceiver:
    def __init__(self, secrets=(), fail_first=0, delay=0.0, status=200):
        self.secrets = list(secrets)
        self.fail_first = fail_first
        self.delay = delay
        self.status = status
        self.down = False
        self._records = []
        self._attempts = {}
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                receiver._handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def _handle(self, request):
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        if self.down:
            request.close_connection = True
            request.connection.close()
            return
        try:
            event = json.loads(body)
        except ValueError:
            event = {}
        event_id = event.get("id")
        with self._lock:
            seen = self._attempts.get(event_id, 0)
            self._attempts[event_id] = seen + 1
        answer = 500 if seen < self.fail_first else self.status
        if self.delay:
            time.sleep(self.delay)
        record = {
            "at": time.time(),
            "id": event_id,
            "type": event.get("type"),
            "object_id": (event.get("object") or {}).get("id"),
            "sequence": event.get("sequence"),
            "attempt_header": request.headers.get("Steadycast-Delivery-Attempt"),
            "event_id_header": request.headers.get("Steadycast-Event-Id"),
            "signature_valid": signature_valid(request.headers.get("Steadycast-Signature"),
                                               body, self.secrets),
            "signatures": len(parse_signature(
                request.headers.get("Steadycast-Signature"))[1]),
            "content_type": request.headers.get("Content-Type"),
            "answer": answer,
        }
        with self._cond:
            self._records.append(record)
            self._cond.notify_all()
        request.send_response(answer)
        request.send_header("Content-Length", "0")
        request.end_headers()

    def records(self):
        with self._lock:
            return list(self._records)

    def wait_for(self, predicate, timeout):
        """Waits until predicate(records) is true; returns the records (raises on timeout)."""
        deadline = time.time() + timeout
        with self._cond:
            while not predicate(self._records):
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError(f"receiver: condition not met in {timeout} s "
                                         f"({len(self._records)} requests)")
                self._cond.wait(left)
            return list(self._records)


def _self_test():
    """The signature check against a vector computed here by hand-written steps."""
    secret, t, body = "whsec_test", 1700000000, b'{"id":"evt_1"}'
    hexsig = hmac.new(secret.encode(), b"1700000000." + body, hashlib.sha256).hexdigest()
    assert signature_valid(f"t={t},v1={hexsig}", body, [secret], now=t)
    assert signature_valid(f"t={t},v1={'0' * 64},v1={hexsig}", body, [secret], now=t)
    assert not signature_valid(f"t={t},v1={hexsig}", body + b" ", [secret], now=t)
    assert not signature_valid(f"t={t},v1={hexsig}", body, [secret], now=t + 301)
    assert not signature_valid("garbage", body, [secret], now=t)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--secret", action="append", default=[])
    parser.add_argument("--fail-first", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    if args.self_test:
        _self_test()
        print("ok")
        return
    with WebhookReceiver(args.secret, args.fail_first, args.delay) as rx:
        print(rx.url, flush=True)
        printed = 0
        try:
            while True:
                records = rx.wait_for(lambda r: len(r) > printed, timeout=3600)
                for record in records[printed:]:
                    print(json.dumps(record), flush=True)
                printed = len(records)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    sys.exit(main())
