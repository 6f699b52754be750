"""hls.js in Chromium through a 10 s publisher outage with the default ladder (slate on): the
same scenario as test_browser_reconnect.py, but the slate fills the outage, so the player
keeps playing — its longest stall must stay far below the outage (the passthrough test sees
~8-9 s) — with no fatal error and no MediaError, and currentTime advancing again after the
publisher returns (the switch back to the source on the same timeline)."""

from harness import log, run_test
from test_browser_reconnect import OUTAGE_S, browser_outage

MAX_STALL_S = 3.0


def test_browser_slate():
    # x264's fastest preset: on two cores the publisher, the ladder, the slate encoders and
    # Chromium share the machine, and a ladder that falls behind real time starves the player
    # regardless of the slate (what this test is about).
    stall, _ = browser_outage("default", max_stall_s=MAX_STALL_S,
                              server_args=("--transcode-preset", "ultrafast"))
    log(f"SLATE_PLAYER_STALL_SECONDS={stall:.2f} (outage {OUTAGE_S:.0f} s)")


if __name__ == "__main__":
    run_test(test_browser_slate)
