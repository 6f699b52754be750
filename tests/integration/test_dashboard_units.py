"""Unit checks of the web dashboard's DOM-free modules (SSE decoder in any split, event feed
reconnection with Last-Event-ID against a fake fetch, health feed sources, formatting), run by
Node: tests/browser/dashboard_units.mjs."""

import os
import subprocess

from harness import log, run_test

ROOT = os.environ.get("STEADYCAST_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))


def test_dashboard_units():
    proc = subprocess.run(["node", "--disable-warning=MODULE_TYPELESS_PACKAGE_JSON",
                           os.path.join(ROOT, "tests", "browser", "dashboard_units.mjs")],
                          capture_output=True, text=True, timeout=50)
    log(proc.stderr[-4000:])
    assert proc.returncode == 0, "dashboard unit checks failed"


if __name__ == "__main__":
    run_test(test_dashboard_units)
