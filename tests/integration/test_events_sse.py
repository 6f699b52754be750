"""GET /v1/events/stream over real HTTP: Server-Sent Events arrive within a second of the state
change that caused them, Last-Event-ID resumes from the outbox without duplicates, the
live_stream_id filter holds, authentication is required, and SIGTERM ends the stream cleanly."""

import http.client
import json
import select
import subprocess
import threading
import time

from harness import BINARY, Server, run_test


class SseClient:
    """A minimal SSE reader on a background thread: collects (id, event, data) messages."""

    def __init__(self, server, path="/v1/events/stream", last_event_id=None):
        host, port = server.http.rsplit(":", 1)
        self.conn = http.client.HTTPConnection(host, int(port), timeout=30)
        headers = {"Authorization": server.auth, "Accept": "text/event-stream"}
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        self.conn.request("GET", path, headers=headers)
        self.resp = self.conn.getresponse()
        self.messages = []
        self.comments = 0
        self.ended = threading.Event()
        self.lock = threading.Lock()
        if self.resp.status == 200:
            threading.Thread(target=self._read, daemon=True).start()
        else:
            self.ended.set()

    def _read(self):
        fields = {}
        try:
            while True:
                line = self.resp.fp.readline()
                if not line:
                    break
                line = line.decode().rstrip("\n")
                if line == "":
                    if "data" in fields:
                        with self.lock:
                            self.messages.append((fields.get("id"), fields.get("event"),
                                                  json.loads(fields["data"])))
                    fields = {}
                elif line.startswith(":"):
                    with self.lock:
                        self.comments += 1
                else:
                    name, _, value = line.partition(":")
                    fields[name] = value[1:] if value.startswith(" ") else value
        except OSError:
            pass
        self.ended.set()

    def wait_for(self, predicate, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                for m in self.messages:
                    if predicate(m):
                        return m
            time.sleep(0.01)
        return None

    def snapshot(self):
        with self.lock:
            return list(self.messages)

    def close(self):
        self.conn.close()


def test_events_sse():
    with Server() as server:
        status, headers, _ = server.request("GET", "/v1/events/stream", auth=False)
        assert status == 401, status

        stream = server.create_stream()
        sid = stream["id"]
        other = server.create_stream()

        client = SseClient(server)
        assert client.resp.status == 200, client.resp.status
        assert client.resp.getheader("Content-Type", "").startswith("text/event-stream")
        filtered = SseClient(server, f"/v1/events/stream?live_stream_id={other['id']}")
        assert filtered.resp.status == 200
        time.sleep(0.2)  # both subscribed

        started = time.time()
        server.api("PATCH", f"/v1/live-streams/{sid}", {"reconnect_window": 5}, expect=200)
        msg = client.wait_for(lambda m: m[1] == "live_stream.updated", timeout=1.0)
        latency = time.time() - started
        assert msg is not None, client.snapshot()
        print(f"live_stream.updated arrived after {latency * 1000:.0f} ms")
        event_id, event_type, envelope = msg
        assert event_id == envelope["id"] and event_id.startswith("evt_"), msg
        assert envelope["object"] == {"type": "live_stream", "id": sid}, envelope
        assert envelope["data"]["reconnect_window"] == 5, envelope
        assert "stream_key" not in envelope["data"], envelope
        # The same envelope as the list API.
        got = server.api("GET", f"/v1/events/{event_id}", expect=200)["data"]
        assert got == envelope, (got, envelope)

        # The filtered stream sees only its own stream's events.
        server.api("PATCH", f"/v1/live-streams/{other['id']}", {"reconnect_window": 7}, expect=200)
        assert filtered.wait_for(lambda m: m[1] == "live_stream.updated", timeout=1.0)
        assert all(m[2]["object"]["id"] == other["id"] for m in filtered.snapshot())

        # Resume: after the first event of `sid`, everything later is replayed once, in order,
        # then live events follow.
        listed = server.api("GET", "/v1/events?limit=100", expect=200)["data"]
        oldest_first = list(reversed(listed))
        first = oldest_first[0]["id"]
        resumed = SseClient(server, last_event_id=first)
        assert resumed.resp.status == 200
        expected = [e["id"] for e in oldest_first[1:]]
        deadline = time.time() + 3
        while time.time() < deadline and len(resumed.snapshot()) < len(expected):
            time.sleep(0.02)
        assert [m[0] for m in resumed.snapshot()] == expected, (resumed.snapshot(), expected)
        server.api("POST", f"/v1/live-streams/{sid}/disable", {}, expect=200)
        assert resumed.wait_for(lambda m: m[1] == "live_stream.disabled", timeout=1.0)
        ids = [m[0] for m in resumed.snapshot()]
        assert len(ids) == len(set(ids)), ids  # no duplicates across replay and live

        status, _, body = server.request("GET", "/v1/events/stream",
                                         headers={"Last-Event-ID": "evt_nope"})
        assert status == 400, (status, body)

        # The CLI: `events list` with filters, `events tail` prints one line per event.
        listed = subprocess.run([BINARY, "events", "list", "--data-dir", server.data_dir,
                                 "--stream", sid, "--type", "live_stream.updated,live_stream.disabled"],
                                capture_output=True, text=True, timeout=20)
        assert listed.returncode == 0, listed.stderr
        lines = listed.stdout.strip().splitlines()
        assert len(lines) == 2 and "live_stream.disabled" in lines[0] and sid in lines[1], lines
        tail = subprocess.Popen([BINARY, "events", "tail", "--data-dir", server.data_dir,
                                 "--stream", sid], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        try:
            time.sleep(0.5)
            server.api("POST", f"/v1/live-streams/{sid}/enable", {}, expect=200)
            ready, _, _ = select.select([tail.stdout], [], [], 5)
            assert ready, "events tail printed nothing"
            line = tail.stdout.readline()
            assert "live_stream.enabled" in line and sid in line, line
        finally:
            tail.terminate()
            tail.wait(5)

        # Shutdown ends every stream cleanly (EOF, not a hang), and the server exits 0.
        assert server.stop() == 0
        for c in (client, filtered, resumed):
            assert c.ended.wait(5), "stream did not end at shutdown"


if __name__ == "__main__":
    run_test(test_events_sse)
