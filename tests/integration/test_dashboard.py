"""The web dashboard in Chromium against a real server and real ffmpeg publishers
(tests/browser/dashboard_flow.mjs does the browsing): wrong token refused without the browser's
Basic-auth prompt, sign-in kept in sessionStorage only, a stream created through the form
(default ladder, 640x360 publish), the key hidden until "Show", the list badge `active` less
than 2 s after the API says so, the player playing and the charts filling; the publisher killed
→ badge `reconnecting` within 2 s and the player advancing on the slate; a new publisher →
`active` and the same player plays on (no reload). Prints the measured badge latencies.

Screenshots (desktop 1280x800 and phone 390x844, list and stream page) go to
$DASHBOARD_SCREENSHOTS when set, else to a temporary directory removed afterwards. With
$STEADYCAST_WEB_DIR set, the server serves the dashboard from that checkout (--web-dir)."""

import json
import os
import shutil
import subprocess
import tempfile

from harness import Server, log, run_test
from reconnect_helpers import source_args

ROOT = os.environ.get("STEADYCAST_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))


def server_args():
    web_dir = os.environ.get("STEADYCAST_WEB_DIR")
    return ["--web-dir", web_dir] if web_dir else []


def browser_config(server, shots):
    with open(os.path.join(server.data_dir, "admin-token.json")) as f:
        token = json.load(f)
    publisher = (["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re"] +
                 source_args(150) + ["-f", "flv", "{URL}"])
    return {"base": server.url(""), "token_id": token["id"], "token_secret": token["secret"],
            "rtmp": f"rtmp://{server.rtmp}/live/", "ffmpeg": publisher, "shots": shots}


def run_browser(script, config, timeout):
    """Runs a tests/browser script with the config; returns its JSON result."""
    proc = subprocess.run(["node", os.path.join(ROOT, "tests", "browser", script),
                           json.dumps(config)], capture_output=True, text=True, timeout=timeout)
    log(proc.stderr[-4000:])
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    assert lines, f"{script} printed no result (exit {proc.returncode})"
    return json.loads(lines[-1])


def test_dashboard():
    shots = os.environ.get("DASHBOARD_SCREENSHOTS") or tempfile.mkdtemp(prefix="dashboard-")
    try:
        with Server(*server_args()) as server:
            result = run_browser("dashboard_flow.mjs", browser_config(server, shots), 160)
    finally:
        if not os.environ.get("DASHBOARD_SCREENSHOTS"):
            shutil.rmtree(shots, ignore_errors=True)
    log(f"DASHBOARD_BADGE_LATENCY_MS={json.dumps(result.get('latency_ms'))} "
        f"(page draw time minus the time a 100 ms API poll first saw the status; *_at_most: "
        f"minus the time the poll before it, still answering the old status, was sent)")
    log(f"charts (figures plotted): {json.dumps(result.get('charts'))}")
    log(f"video: {json.dumps(result.get('video'))}; slate line: {result.get('slate_text')!r}")
    assert result.get("ok"), result.get("error")


if __name__ == "__main__":
    run_test(test_dashboard)
