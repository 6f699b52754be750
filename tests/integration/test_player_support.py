"""Shared helpers for the web player's browser tests (test_player_*.py); not a test itself.

PageWatch runs tests/browser/player_watch.mjs: Chromium opens the player page /play/ID and
reports every player state change ("STATE <unix ms> <state>") while the test changes the world,
then one JSON result line. Set PLAYER_SCREENSHOT_DIR to keep screenshots of every state the
page went through (PLAYER_VIEWPORT=390x844 to see them at phone size), PLAYER_RESULT_FILE to
keep the last page's full result (every sample) for a closer look. The server serves the
player from the checkout when STEADYCAST_WEB_DIR names one (development), else the copy
compiled into the binary.
"""

import json
import os
import queue
import re
import subprocess
import tempfile
import threading
import time

from harness import BINARY, Server, log

ROOT = os.environ.get("STEADYCAST_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
BROWSER_DIR = os.path.join(ROOT, "tests", "browser")
WEB_DIR = os.environ.get("STEADYCAST_WEB_DIR")
SCREENSHOT_DIR = os.environ.get("PLAYER_SCREENSHOT_DIR")

KNOWN_EVENTS = {"view_start", "first_frame", "rebuffer_start", "rebuffer_end", "rendition_switch",
                "error", "heartbeat", "view_end"}
VIEW_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def server_args(*extra):
    """Arguments for Server(): no API rate limits (the tests poll), the checkout's web files
    when STEADYCAST_WEB_DIR is set."""
    args = ["--api-rate-limits", "false"] + list(extra)
    if WEB_DIR:
        args += ["--web-dir", WEB_DIR]
    return args


def play_url(server, stream, query="muted=1"):
    return server.url(f"/play/{stream['playback_ids'][0]['id']}" + (f"?{query}" if query else ""))


class PinnedServer(Server):
    """A Server whose restart reuses the first start's HTTP and RTMP addresses (the harness
    picks new free ports on every start), so a page keeps talking to the same origin."""

    pinned = None

    def start(self, timeout=15):
        if not self.pinned:
            super().start(timeout)
            self.pinned = dict(self.listen)
            return
        args = [BINARY, "serve", "--data-dir", self.data_dir,
                "--http-addr", self.pinned["http"], "--rtmp-addr", self.pinned["rtmp"],
                "--srt-addr", "127.0.0.1:0"] + self.extra_args
        listen = os.path.join(self.data_dir, "listen.json")
        if os.path.exists(listen):
            os.remove(listen)
        self.logfile = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self.logfile, stderr=subprocess.STDOUT,
                                     env=self.env)
        deadline = time.time() + timeout
        while not os.path.exists(listen):
            if self.proc.poll() is not None or time.time() > deadline:
                self.dump_log()
                raise RuntimeError("the server did not come back on its pinned ports")
            time.sleep(0.05)
        with open(listen) as f:
            self.listen = json.load(f)
        assert self.listen["http"] == self.pinned["http"], (self.listen, self.pinned)


class PageWatch:
    """player_watch.mjs in the background; STATE lines are collected as they come."""

    def __init__(self, url, max_seconds, viewport="1280x720", prefix="watch", autoplay_flag=False):
        self.errlog = tempfile.TemporaryFile()
        viewport = os.environ.get("PLAYER_VIEWPORT", viewport)  # e.g. 390x844 for a phone look
        env = dict(os.environ, SCREENSHOT_PREFIX=prefix)
        if SCREENSHOT_DIR:
            env["SCREENSHOT_DIR"] = SCREENSHOT_DIR
        args = ["node", os.path.join(BROWSER_DIR, "player_watch.mjs"), url, str(max_seconds),
                viewport] + (["--autoplay-flag"] if autoplay_flag else [])
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.errlog, text=True, env=env)
        self.states = []  # (unix seconds, state) in arrival order
        self.done = {}    # command → unix seconds when the page performed it
        self.lines = queue.Queue()
        self.result_line = None
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            if line.startswith("STATE "):
                _, ms, state = line.split()
                self.states.append((int(ms) / 1000, state))
            elif line.startswith("DONE "):
                _, ms, command = line.rstrip("\n").split(" ", 2)
                self.done[command] = int(ms) / 1000
            elif line.startswith("{"):
                self.result_line = line
            self.lines.put(line)
        self.lines.put(None)

    def wait_state(self, state, timeout, after=0.0):
        """Unix time (the page's clock) at which the player entered `state` at or after
        `after`; fails after `timeout` seconds with the states seen."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            for at, seen in list(self.states):
                if seen == state and at >= after:
                    return at
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"the player never reached {state!r} (after {after:.1f}); "
                             f"states: {self.states[-12:]}; {self.stderr_tail()}")

    def perform(self, text, timeout=15):
        """Sends a command and waits until the page performed it; returns the time it was
        sent (its effects may show before the page reports it done)."""
        self.done.pop(text, None)
        sent = time.time()
        self.command(text)
        deadline = time.time() + timeout
        while text not in self.done:
            if time.time() > deadline or self.proc.poll() is not None:
                raise AssertionError(f"command {text!r} not performed; {self.stderr_tail()}")
            time.sleep(0.05)
        return sent

    def command(self, text):
        try:
            self.proc.stdin.write(text + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass

    def stop(self, timeout=60):
        """Ends the watch; returns the JSON result."""
        self.command("stop")
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        deadline = time.time() + 5
        while self.result_line is None and time.time() < deadline:
            time.sleep(0.05)
        assert self.result_line, f"player_watch printed no result; {self.stderr_tail()}"
        result = json.loads(self.result_line)
        if os.environ.get("PLAYER_RESULT_FILE"):  # for a look at every sample when debugging
            with open(os.environ["PLAYER_RESULT_FILE"], "w") as f:
                f.write(self.result_line)
        assert result.get("ok"), result.get("exception")
        assert result["page_errors"] == [], result["page_errors"]
        return result

    def stderr_tail(self, chars=3000):
        self.errlog.seek(0)
        return self.errlog.read().decode(errors="replace")[-chars:]

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.errlog.close()


# Checks on the recorded result -------------------------------------------------------------
def close_all(*things):
    """Closes every publisher and page watch given that was started (None is skipped)."""
    for thing in things:
        if thing:
            thing.close()


def fatal_errors(result):
    return [e for e in result["errors"] if e[1]]


def advanced(result, since, until=None):
    """How far currentTime advanced in the samples taken between `since` and `until` (unix s)."""
    window = [s for s in result["samples"]
              if s[0] / 1000 >= since and (until is None or s[0] / 1000 <= until)]
    return (window[-1][1] - window[0][1]) if len(window) > 1 else 0.0


def messages_in(result, state):
    return {s[5] for s in result["samples"] if s[2] == state}


def check_beacons(beacons, playback_id, token=None):
    """The agreed beacon format (version 1), as the page sent it: envelope, seq 0,1,2… per
    view, 1–64 known events with non-decreasing at_ms, a first_frame. Returns the beacons of
    the first view."""
    assert beacons, "no beacon was sent"
    views = {}
    for b in beacons:
        assert b.get("v") == 1 and b["playback_id"] == playback_id, b
        assert VIEW_ID.match(b["view_id"]), b["view_id"]
        assert b["player"]["name"] == "steadycast-player" and b["player"]["version"], b["player"]
        assert b.get("token") == token, b.get("token")
        assert 1 <= len(b["events"]) <= 64, len(b["events"])
        assert len(json.dumps(b)) <= 16 * 1024
        ats = [e["at_ms"] for e in b["events"]]
        assert ats == sorted(ats), ats
        assert {e["type"] for e in b["events"]} <= KNOWN_EVENTS, b["events"]
        views.setdefault(b["view_id"], []).append(b)
    first = next(iter(views.values()))
    assert [b["seq"] for b in first] == list(range(len(first))), [b["seq"] for b in first]
    events = [e for b in first for e in b["events"]]
    assert events[0]["type"] == "view_start", events[:3]
    starts = [e for e in events if e["type"] == "first_frame"]
    assert starts and 0 <= starts[0]["startup_ms"] <= 600000, starts
    log(f"beacons: {len(beacons)} in {len(views)} view(s); first view's event types "
        f"{sorted({e['type'] for e in events})}")
    return first


def last_totals(view_beacons):
    """The last heartbeat/view_end totals of a view (cumulative)."""
    totals = [e for b in view_beacons for e in b["events"]
              if e["type"] in ("heartbeat", "view_end")]
    return totals[-1] if totals else None
