"""Unit checks of the web player's DOM-free logic (derived state, rebuffering rules, master
playlist probe against a fake fetch, retry delays, beacon body limits and order, QoE
classification of stalls), run by Node: tests/browser/player_units.mjs."""

import os
import subprocess

from harness import log, run_test
from test_player_support import BROWSER_DIR


def test_player_units():
    proc = subprocess.run(["node", "--disable-warning=MODULE_TYPELESS_PACKAGE_JSON",
                           os.path.join(BROWSER_DIR, "player_units.mjs")],
                          capture_output=True, text=True, timeout=50)
    log(proc.stderr[-4000:])
    assert proc.returncode == 0, "player unit checks failed"


if __name__ == "__main__":
    run_test(test_player_units)
