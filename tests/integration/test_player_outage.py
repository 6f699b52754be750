"""A 15 s publisher outage on the passthrough ladder (reconnect window 60 s), watched in the
player page: the live playlist stops growing (no slate, no ENDLIST), so once the buffer is
played the page shows "Reconnecting…" over the last frame (no spinner); when the publisher
returns (the next segment carries EXT-X-DISCONTINUITY) the player plays again by itself, near
the live edge, without a reload and without a fatal error. The outage is the publisher's, not
the delivery's: the player's QoE counters must not count it as rebuffering.

Reports OUTAGE_TO_MESSAGE_S (publisher killed → "Reconnecting…"; mostly the buffer the player
still had), RETURN_TO_PLAYING_S (publisher back → frames advance) and the distance to the live
sync position afterwards."""

import time

from harness import Server, log, run_test
from reconnect_helpers import rtmp_publisher, wait_status
from test_player_support import (PageWatch, close_all, advanced, check_beacons, fatal_errors,
                                 last_totals, messages_in, play_url, server_args)

OUTAGE_S = 15.0


def test_player_outage():
    with Server(*server_args()) as server:
        stream = server.create_stream(reconnect_window=60)
        sid, key, pb = stream["id"], stream["stream_key"], stream["playback_ids"][0]["id"]
        first = rtmp_publisher(server, key)
        second = None
        watch = None
        try:
            server.wait_for_playlist(stream, timeout=20)
            watch = PageWatch(play_url(server, stream), 120, prefix="outage")
            playing = watch.wait_state("playing", 30)
            time.sleep(max(0.0, playing + 6 - time.time()))
            first.kill9()
            killed = time.time()
            wait_status(server, sid, "reconnecting", 5)
            reconnecting = watch.wait_state("reconnecting", 25, after=killed)
            time.sleep(max(0.0, killed + OUTAGE_S - time.time()))
            watch.command("shot outage-reconnecting-late")
            second = rtmp_publisher(server, key)
            restarted = time.time()
            back = watch.wait_state("playing", 30, after=restarted)
            time.sleep(10)
            watch.perform("leave")
            result = watch.stop()
        finally:
            close_all(first, second, watch)
        log(f"killed at {killed:.2f}, publisher back at {restarted:.2f}; transitions "
            f"{[(round(t / 1000 - killed, 2), s) for t, s in result['transitions']]}")
        final = result["left"]["stats"]
        log(f"OUTAGE_TO_MESSAGE_S={reconnecting - killed:.2f}; RETURN_TO_PLAYING_S="
            f"{back - restarted:.2f}; after return: live_sync_distance_s="
            f"{final['live_sync_distance_s']:.2f}, live_edge_distance_s="
            f"{final['live_edge_distance_s']:.2f}, target {final['target_duration_s']} s; "
            f"states {[s for _, s in result['transitions']]}")
        assert messages_in(result, "reconnecting") == {"Reconnecting…"}, result["samples"][-80:]
        assert not any(s[6] for s in result["samples"] if s[2] == "reconnecting"), \
            "a spinner was shown with the reconnecting message"
        # It said so while the publisher was away, not after it came back.
        assert reconnecting < restarted, (reconnecting, restarted)
        assert result["navigations"] == 1, "the page was reloaded"
        assert fatal_errors(result) == [], fatal_errors(result)
        moved = advanced(result, back + 2)
        assert moved >= 5.0, f"currentTime advanced only {moved:.2f} s after the return"
        target = final["target_duration_s"]
        assert abs(final["live_sync_distance_s"]) <= 2 * target, final
        assert final["live_edge_distance_s"] <= 4 * target, final
        # The outage is not rebuffering: whatever stalls the viewer saw are far shorter.
        log(f"player QoE: playing_ms={final['playing_ms']} rebuffer_ms={final['rebuffer_ms']} "
            f"rebuffer_count={final['rebuffer_count']}")
        assert final["rebuffer_ms"] < 4000, final
        # The beacons carry the player's own counters: view_end (sent as the page went away)
        # says what stats() said just before.
        view = check_beacons(result["sent_beacons"], pb)
        end = last_totals(view)
        log(f"view_end: {end}")
        assert end and end["type"] == "view_end", end
        assert end["rebuffer_count"] == final["rebuffer_count"], (end, final)
        assert abs(end["rebuffer_ms"] - final["rebuffer_ms"]) <= 600, (end, final)
        assert 0 <= end["playing_ms"] - final["playing_ms"] <= 1500, (end, final)
        heartbeats = [e for b in view for e in b["events"] if e["type"] == "heartbeat"]
        assert len(heartbeats) >= 3, heartbeats  # every 10 s
        playing = [h["playing_ms"] for h in heartbeats]
        assert playing == sorted(playing), playing  # cumulative


if __name__ == "__main__":
    run_test(test_player_outage)
