"""The first slice of the REST API over real HTTP: auth, create/get/list/delete, problem+json,
and the playback routes' 404/412/CORS/Cache-Control before any media."""

import json

from harness import Server, run_test


def test_api_over_http():
    with Server() as server:
        status, headers, body = server.request("GET", "/v1/live-streams", auth=False)
        assert status == 401, status
        assert headers.get("WWW-Authenticate") == 'Basic realm="steadycast"', headers
        assert headers.get("Content-Type", "").startswith("application/problem+json"), headers

        stream = server.create_stream(reconnect_window=30, metadata={"event": "it"})
        assert stream["id"].startswith("ls_") and stream["status"] == "idle", stream
        assert len(stream["stream_key"]) >= 22, stream
        assert stream["ingest"]["rtmp"].startswith("rtmp://") and stream["ingest"]["rtmp"].endswith("/live")
        assert stream["playback_ids"][0]["id"].startswith("pb_"), stream

        status, _, body = server.request("POST", "/v1/live-streams", {"bogus": 1})
        assert status == 400, status
        problem = json.loads(body)
        assert problem["errors"][0]["field"] == "bogus", problem

        got = server.api("GET", f"/v1/live-streams/{stream['id']}", expect=200)["data"]
        assert got["id"] == stream["id"]
        listed = server.api("GET", "/v1/live-streams?limit=10", expect=200)
        assert [s["id"] for s in listed["data"]] == [stream["id"]] and listed["next_cursor"] is None

        pb = stream["playback_ids"][0]["id"]
        status, headers, _ = server.request("GET", f"/hls/{pb}.m3u8", auth=False)
        assert status == 412 and "Retry-After" in headers, (status, headers)
        assert headers.get("Access-Control-Allow-Origin") == "*", headers
        status, headers, _ = server.request("GET", "/hls/pb_doesnotexist.m3u8", auth=False)
        assert status == 404, status
        assert headers.get("Access-Control-Allow-Origin") == "*", headers

        status, _, _ = server.request("DELETE", f"/v1/live-streams/{stream['id']}")
        assert status == 204, status
        status, _, _ = server.request("GET", f"/v1/live-streams/{stream['id']}")
        assert status == 404, status
        status, _, _ = server.request("GET", f"/hls/{pb}.m3u8", auth=False)
        assert status == 404, status


if __name__ == "__main__":
    run_test(test_api_over_http)
