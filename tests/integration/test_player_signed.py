"""Signed playback ids and the player's error pages, in Chromium: /play/ID?token=JWT plays a
signed id (the token rides on the master URL, the server carries it into every playlist and
segment URI, and the beacons name it); without a token the page says "Not authorised" (403);
an unknown playback id says "This stream does not exist" (404). Neither is a spinner, and
both keep probing quietly."""

import base64
import hashlib
import hmac
import json
import time

from harness import Server, log, run_test
from reconnect_helpers import rtmp_publisher
from test_player_support import (PageWatch, check_beacons, fatal_errors, messages_in, play_url,
                                 server_args)

SECRET = "player-test-secret-0123456789-abcdefghij"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def playback_token(playback_id, ttl=600):
    """An HS256 JWT for `playback_id` (claims sub, exp, aud "v")."""
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = b64url(json.dumps({"sub": playback_id, "exp": int(time.time()) + ttl,
                                "aud": "v"}).encode())
    signature = hmac.new(SECRET.encode(), f"{header}.{claims}".encode(), hashlib.sha256).digest()
    return f"{header}.{claims}.{b64url(signature)}"


def test_player_signed():
    with Server(*server_args("--playback-hs256-secret", SECRET)) as server:
        stream = server.create_stream(playback_policy="signed")
        pb = stream["playback_ids"][0]
        assert pb["policy"] == "signed", pb
        token = playback_token(pb["id"])
        publisher = rtmp_publisher(server, stream["stream_key"])
        results = []
        try:
            # One browser at a time: the signed page (through a heartbeat), then the two errors.
            for url, viewport, prefix, state, hold in (
                    (play_url(server, stream, f"muted=1&token={token}"), "1280x720", "signed",
                     "playing", 11),
                    (play_url(server, stream), "390x844", "signed-no-token", "forbidden", 2),
                    (server.url("/play/pb_doesnotexist000000000000?muted=1"), "1280x720",
                     "unknown", "missing", 2)):
                page = PageWatch(url, 60, viewport=viewport, prefix=prefix)
                try:
                    page.wait_state(state, 40)
                    time.sleep(hold)
                    results.append(page.stop())
                finally:
                    page.close()
        finally:
            publisher.close()
        played, forbidden, missing = results
        log(f"signed: {[s for _, s in played['transitions']]}; no token: "
            f"{[s for _, s in forbidden['transitions']]}; unknown: "
            f"{[s for _, s in missing['transitions']]}")
        assert played["final"]["state"] == "playing" and fatal_errors(played) == []
        view = check_beacons(played["beacons"], pb["id"], token=token)
        assert any(e["type"] == "heartbeat" for b in view for e in b["events"]), view
        assert messages_in(forbidden, "forbidden") == {"Not authorised"}
        assert forbidden["final"]["state"] == "forbidden"
        assert messages_in(missing, "missing") == {"This stream does not exist"}
        assert missing["final"]["state"] == "missing"
        for r, state in ((forbidden, "forbidden"), (missing, "missing")):
            # A spinner may show while the first probe is in flight, never once the error shows.
            first = next(i for i, s in enumerate(r["samples"]) if s[2] == state)
            assert not any(s[6] for s in r["samples"][first:]), "a spinner on an error page"
            assert r["navigations"] == 1


if __name__ == "__main__":
    run_test(test_player_signed)
