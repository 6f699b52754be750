"""Managing streams and webhooks through the web dashboard in Chromium against a real server
(tests/browser/dashboard_manage.mjs does the browsing): create with an SRT passphrase, edit
with If-Match (a concurrent change gives 412 and a reload), reset key behind a confirmation,
an SRT publisher on the URL the page shows (RTT chart), disable / enable, a webhook endpoint
whose secret is shown once and whose delivery log fills, the phone layout, the charts and
guidance against the documented health fields, and delete. Screenshots as in
test_dashboard.py."""

import json
import os
import shutil
import tempfile

from harness import Server, log, run_test
from reconnect_helpers import source_args
from test_dashboard import browser_config, run_browser, server_args


def test_dashboard_manage():
    shots = os.environ.get("DASHBOARD_SCREENSHOTS") or tempfile.mkdtemp(prefix="dashboard-")
    try:
        with Server(*server_args()) as server:
            config = browser_config(server, shots)
            config["ffmpeg_srt"] = (["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin",
                                     "-re"] + source_args(60) + ["-f", "mpegts", "{URL}"])
            result = run_browser("dashboard_manage.mjs", config, 150)
    finally:
        if not os.environ.get("DASHBOARD_SCREENSHOTS"):
            shutil.rmtree(shots, ignore_errors=True)
    log(f"result: {json.dumps(result)[:1500]}")
    assert result.get("ok"), result.get("error")


if __name__ == "__main__":
    run_test(test_dashboard_manage)
