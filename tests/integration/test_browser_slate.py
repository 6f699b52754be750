"""hls.js in Chromium through a 10 s publisher outage with the default ladder (slate on): the
same scenario as test_browser_reconnect.py, but the slate fills the outage, so the player
keeps playing — its longest stall must stay far below the outage (the passthrough test sees
~8-9 s) — with no fatal error and no MediaError, and currentTime advancing again after the
publisher returns (the switch back to the source on the same timeline)."""

from harness import log, run_test
from test_browser_reconnect import OUTAGE_S, browser_outage

MAX_STALL_S = 3.0


def test_browser_slate():
    stall, result = browser_outage("default")
    log(f"SLATE_PLAYER_STALL_SECONDS={stall:.2f} (outage {OUTAGE_S:.0f} s)")
    assert stall <= MAX_STALL_S, (stall, result["samples"][-40:])


if __name__ == "__main__":
    run_test(test_browser_slate)
