"""`steadycast streams ...` against a running server (docs/contract.md "Binary and command line",
"Live streams"): every action through the CLI, tables and --json, problems on stderr with
exit 1, usage errors exit 2, server address and admin token from the data dir or from
--server/--token/STEADYCAST_TOKEN, a read-scope token refused on writes, and
GET /v1/openapi.json served without credentials."""

import json
import os
import subprocess
import tempfile

from harness import BINARY, Server, run_test


def cli(server, *args, env=None, cwd=None, data_dir=True):
    """Runs `steadycast streams ARGS` (with --data-dir of `server` unless told not to)."""
    argv = [BINARY, "streams"] + list(args)
    if data_dir:
        argv += ["--data-dir", server.data_dir]
    run_env = {k: v for k, v in os.environ.items() if not k.startswith("STEADYCAST_")}
    run_env.update(env or {})
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, env=run_env, cwd=cwd)


def ok_json(res):
    assert res.returncode == 0, (res.args, res.returncode, res.stdout, res.stderr)
    return json.loads(res.stdout)


def test_help_and_usage_errors():
    for cmd in (["streams", "--help"], ["streams", "create", "--help"],
                ["streams", "list", "--help"], ["streams", "update", "--help"]):
        res = subprocess.run([BINARY] + cmd, capture_output=True, text=True, timeout=10)
        assert res.returncode == 0 and "--" in res.stdout, (cmd, res)
    res = subprocess.run([BINARY, "streams", "create", "--help"], capture_output=True, text=True,
                         timeout=10)
    for flag in ("--reconnect-window", "--srt-passphrase", "--no-srt-passphrase",
                 "--srt-latency-ms", "--latency-mode", "--ladder", "--slate", "--no-slate",
                 "--takeover", "--playback-policy", "--metadata", "--body", "--json", "--server",
                 "--token", "--data-dir"):
        assert flag in res.stdout, (flag, res.stdout)
    for bad in (["streams", "get"], ["streams", "create", "--bogus"],
                ["streams", "create", "--latency-mode", "fast"],
                ["streams", "create", "--slate", "--no-slate"],
                ["streams", "create", "--ladder", "fancy", "--server", "127.0.0.1:1",
                 "--token", "a:b"],
                ["streams", "list", "--server", "127.0.0.1:1", "--token", "no-colon"],
                ["token", "create", "--scope", "owner"]):
        res = subprocess.run([BINARY] + bad, capture_output=True, text=True, timeout=10)
        assert res.returncode == 2, (bad, res)
    # Nothing listens there: exit 1 with the reason, promptly.
    res = subprocess.run([BINARY, "streams", "list", "--server", "http://127.0.0.1:1",
                          "--token", "a:b"], capture_output=True, text=True, timeout=20)
    assert res.returncode == 1 and "cannot reach" in res.stderr, res
    with tempfile.TemporaryDirectory() as empty:
        res = subprocess.run([BINARY, "streams", "list", "--data-dir", empty],
                             capture_output=True, text=True, timeout=10)
        assert res.returncode == 1 and "listen.json" in res.stderr, res


def test_every_action_through_the_cli():
    with Server("--api-rate-limits", "false") as server:
        created = ok_json(cli(server, "create", "--reconnect-window", "90", "--metadata",
                              "team=news", "--metadata", "site=it", "--srt-latency-ms", "300",
                              "--takeover", "newest", "--json"))["data"]
        assert created["id"].startswith("ls_") and created["status"] == "idle", created
        assert created["reconnect_window"] == 90 and created["srt_latency_ms"] == 300, created
        assert created["metadata"] == {"team": "news", "site": "it"}, created
        assert created["takeover"] == "newest", created
        sid = created["id"]

        # Table output for a second stream: key/value rows with id, key and URLs.
        res = cli(server, "create", "--playback-policy", "signed", "--no-slate")
        assert res.returncode == 0, res
        id_lines = [line.split() for line in res.stdout.splitlines() if line.startswith("id ")]
        assert len(id_lines) == 1 and len(id_lines[0]) == 2, res.stdout
        other = id_lines[0][1]
        assert other.startswith("ls_") and other != sid, res.stdout
        assert "rtmp publish" in res.stdout and "/hls/pb_" in res.stdout, res.stdout
        assert "signed" in res.stdout and "slate" in res.stdout, res.stdout

        # list: table, --json, --all over pages of one.
        res = cli(server, "list")
        assert res.returncode == 0 and sid in res.stdout and other in res.stdout, res
        assert res.stdout.splitlines()[0].split() == ["ID", "STATUS", "CREATED", "PLAYBACK"], res
        listed = ok_json(cli(server, "list", "--json", "--limit", "1"))
        assert len(listed["data"]) == 1 and listed["next_cursor"], listed
        res = cli(server, "list", "--limit", "1")
        assert res.returncode == 0 and "--cursor" in res.stderr, res
        everything = ok_json(cli(server, "list", "--all", "--limit", "1", "--json"))
        assert [s["id"] for s in everything["data"]] == [other, sid], everything

        # get
        res = cli(server, "get", sid)
        assert res.returncode == 0 and sid in res.stdout and created["stream_key"] in res.stdout, res
        assert ok_json(cli(server, "get", sid, "--json"))["data"]["id"] == sid

        # update: flags, --body, and a validation error with its field on stderr.
        updated = ok_json(cli(server, "update", sid, "--reconnect-window", "5", "--no-slate",
                              "--ladder", '[{"height":360,"video_kbps":800}]', "--json"))["data"]
        assert updated["reconnect_window"] == 5 and updated["slate"] is False, updated
        assert updated["ladder"] == [{"height": 360, "video_kbps": 800}], updated
        assert updated["metadata"] == {"team": "news", "site": "it"}, updated  # untouched
        updated = ok_json(cli(server, "update", sid, "--body", '{"latency_mode":"low"}',
                              "--json"))["data"]
        assert updated["latency_mode"] == "low", updated
        res = cli(server, "update", sid, "--reconnect-window", "5000")
        assert res.returncode == 1 and "400" in res.stderr and "reconnect_window" in res.stderr, res
        assert res.stdout == "", res

        # disable / enable / reset-key
        assert ok_json(cli(server, "disable", sid, "--json"))["data"]["status"] == "disabled"
        res = cli(server, "enable", sid)
        assert res.returncode == 0 and "idle" in res.stdout, res
        reset = ok_json(cli(server, "reset-key", sid, "--json"))["data"]
        assert reset["stream_key"] != created["stream_key"], reset

        # complete on an idle stream: 409, exit 1, the problem on stderr.
        res = cli(server, "complete", sid)
        assert res.returncode == 1 and "409" in res.stderr, res

        # delete, then it is gone.
        res = cli(server, "delete", sid)
        assert res.returncode == 0 and sid in res.stdout, res
        res = cli(server, "get", sid)
        assert res.returncode == 1 and "404" in res.stderr, res

        # The same idempotency key twice: one stream, the first answer replayed.
        first = ok_json(cli(server, "create", "--idempotency-key", "it-key-1", "--json"))["data"]
        again = ok_json(cli(server, "create", "--idempotency-key", "it-key-1", "--json"))["data"]
        assert first["id"] == again["id"], (first, again)


def test_server_and_token_from_flags_and_environment():
    with Server() as server:
        with open(os.path.join(server.data_dir, "admin-token.json")) as f:
            admin = json.load(f)
        token = f"{admin['id']}:{admin['secret']}"
        url = f"http://{server.http}"
        with tempfile.TemporaryDirectory() as elsewhere:  # no ./data here
            res = cli(server, "create", "--server", url, "--token", token, "--json",
                      data_dir=False, cwd=elsewhere)
            sid = ok_json(res)["data"]["id"]
            res = cli(server, "list", "--server", url, data_dir=False, cwd=elsewhere,
                      env={"STEADYCAST_TOKEN": token})
            assert res.returncode == 0 and sid in res.stdout, res
            # STEADYCAST_DATA_DIR instead of --data-dir.
            res = cli(server, "get", sid, data_dir=False, cwd=elsewhere,
                      env={"STEADYCAST_DATA_DIR": server.data_dir})
            assert res.returncode == 0 and sid in res.stdout, res
            res = cli(server, "list", "--server", url, "--token", "tok_nope:wrong", data_dir=False,
                      cwd=elsewhere)
            assert res.returncode == 1 and "401" in res.stderr, res

        # A read-scope token lists but may not create.
        made = subprocess.run([BINARY, "token", "create", "--data-dir", server.data_dir,
                               "--name", "viewer", "--scope", "read"], capture_output=True,
                              text=True, timeout=10)
        assert made.returncode == 0, made
        reader = json.loads(made.stdout)
        assert reader["scope"] == "read", reader
        read_token = f"{reader['id']}:{reader['secret']}"
        res = cli(server, "list", "--token", read_token)
        assert res.returncode == 0 and sid in res.stdout, res
        res = cli(server, "create", "--token", read_token)
        assert res.returncode == 1 and "403" in res.stderr, res

        # The OpenAPI document is public and lists the routes the CLI uses.
        status, headers, body = server.request("GET", "/v1/openapi.json", auth=False)
        assert status == 200 and headers.get("Cache-Control") == "max-age=300", (status, headers)
        doc = json.loads(body)
        assert doc["openapi"].startswith("3.1"), doc["openapi"]
        for path in ("/v1/live-streams", "/v1/live-streams/{id}",
                     "/v1/live-streams/{id}/reset-stream-key", "/v1/live-streams/{id}/complete"):
            assert path in doc["paths"], path


if __name__ == "__main__":
    run_test(test_help_and_usage_errors)
    run_test(test_every_action_through_the_cli)
    run_test(test_server_and_token_from_flags_and_environment)
