"""The binary's outside shape (docs/contract.md "Binary and command line"): listen.json with the
chosen ports, the admin token file (mode 0600), `token create`, `--version`, precedence of
flag over env, a clear error for bad config, /healthz and /readyz, SIGTERM → exit 0 < 10 s."""

import json
import os
import stat
import subprocess
import tempfile
import time

from harness import BINARY, Server, run_test


def test_cli_and_process_contract():
    out = subprocess.run([BINARY, "--version"], capture_output=True, text=True, timeout=10)
    assert out.returncode == 0 and out.stdout.startswith("steadycast "), out
    for cmd in (["--help"], ["serve", "--help"], ["token", "create", "--help"]):
        res = subprocess.run([BINARY] + cmd, capture_output=True, text=True, timeout=10)
        assert res.returncode == 0 and "--" in res.stdout, (cmd, res)

    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as cfg:
        cfg.write("no_such_setting = 1\n")
    bad = subprocess.run([BINARY, "serve", "--config", cfg.name], capture_output=True, text=True,
                         timeout=10)
    os.unlink(cfg.name)
    assert bad.returncode == 2 and "no_such_setting" in bad.stderr, bad

    # Env sets the HTTP address; the flag given by the harness must win over it.
    with Server(env={"STEADYCAST_HTTP_ADDR": "127.0.0.1:1"}) as server:
        assert server.http.startswith("127.0.0.1:") and not server.http.endswith(":1"), server.http
        for key in ("http", "rtmp"):
            host, port = server.listen[key].rsplit(":", 1)
            assert host == "127.0.0.1" and int(port) > 0, server.listen
        mode = stat.S_IMODE(os.stat(os.path.join(server.data_dir, "admin-token.json")).st_mode)
        assert mode == 0o600, oct(mode)

        status, _, body = server.request("GET", "/healthz", auth=False)
        assert status == 200, body
        status, _, body = server.request("GET", "/readyz", auth=False)
        assert status == 200, body
        status, headers, body = server.request("GET", "/metrics", auth=False)
        assert status == 200 and b"steadycast_publishers" in body, body

        # A token made by the CLI authenticates against the running server's store.
        made = subprocess.run([BINARY, "token", "create", "--data-dir", server.data_dir,
                               "--name", "ci"], capture_output=True, text=True, timeout=10)
        assert made.returncode == 0, made.stderr
        token = json.loads(made.stdout)
        assert token["id"] and token["secret"], token
        import base64
        auth = "Basic " + base64.b64encode(f"{token['id']}:{token['secret']}".encode()).decode()
        status, _, _ = server.request("GET", "/v1/live-streams", auth=False,
                                      headers={"Authorization": auth})
        assert status == 200, status

        start = time.time()
        code = server.stop()
        assert code == 0, code
        assert time.time() - start < 10


if __name__ == "__main__":
    run_test(test_cli_and_process_contract)
