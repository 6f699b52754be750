"""HLS delivery benchmark: steadycast (in-memory window, live publisher) vs nginx (static
files), same bytes, same wrk load, one run. See README.md beside this file."""

import base64
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

DURATION = int(os.environ.get("DURATION", "10"))
CONNECTIONS = int(os.environ.get("CONNECTIONS", "64"))
THREADS = int(os.environ.get("WRK_THREADS", "2"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, auth=None, data=None, method="GET"):
    req = urllib.request.Request(url, data=data, method=method)
    if auth:
        req.add_header("Authorization", auth)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, r.read()


def wrk(url):
    out = subprocess.run(["wrk", "-t", str(THREADS), "-c", str(CONNECTIONS), "-d", f"{DURATION}s",
                          "--latency", url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, (p99.group(1) if p99 else "?"), int(errors.group(1)) if errors else 0


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "build/steadycast"
    for tool in ("wrk", "nginx", "ffmpeg"):
        if not shutil.which(tool) and not os.path.exists(f"/usr/sbin/{tool}"):
            sys.exit(f"{tool} missing: run `make bench` (it installs nginx and wrk)")
    work = tempfile.mkdtemp(prefix="sc-bench-")
    os.chmod(work, 0o755)  # nginx workers run as an unprivileged user and must read the files
    procs = []
    try:
        data = os.path.join(work, "data")
        server = subprocess.Popen([binary, "serve", "--data-dir", data, "--http-addr",
                                   "127.0.0.1:0", "--rtmp-addr", "127.0.0.1:0", "--srt-addr",
                                   "127.0.0.1:0", "--log-level", "warn"])
        procs.append(server)
        listen = os.path.join(data, "listen.json")
        for _ in range(200):
            if os.path.exists(listen):
                break
            time.sleep(0.05)
        addrs = json.load(open(listen))
        tok = json.load(open(os.path.join(data, "admin-token.json")))
        auth = "Basic " + base64.b64encode(f"{tok['id']}:{tok['secret']}".encode()).decode()
        http = f"http://{addrs['http']}"
        _, body = get(f"{http}/v1/live-streams", auth, b"{}", "POST")
        stream = json.loads(body)["data"]
        pb = stream["playback_ids"][0]["id"]
        publisher = subprocess.Popen(
            ["ffmpeg", "-loglevel", "error", "-nostdin", "-re", "-f", "lavfi", "-i",
             "testsrc2=size=1280x720:rate=30", "-f", "lavfi", "-i", "sine", "-c:v", "libx264",
             "-preset", "ultrafast", "-b:v", "1500k", "-g", "60", "-c:a", "aac",
             "-t", str(DURATION * 6 + 60), "-f", "flv",
             f"rtmp://{addrs['rtmp']}/live/{stream['stream_key']}"])
        procs.append(publisher)
        media = f"{http}/hls/{pb}/src/index.m3u8"
        for _ in range(300):
            try:
                if get(media)[1].count(b"#EXTINF") >= 3:
                    break
            except Exception:
                pass
            time.sleep(0.1)

        def newest_segment():
            text = get(media)[1].decode()
            return [l for l in text.splitlines() if l and not l.startswith("#")][-1]

        # nginx: the same files on disk under the same paths.
        root = os.path.join(work, "www")
        os.makedirs(os.path.join(root, "hls", pb, "src"), mode=0o755)
        for d in (root, os.path.join(root, "hls"), os.path.join(root, "hls", pb)):
            os.chmod(d, 0o755)
        port = free_port()
        conf = os.path.join(work, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""
worker_processes auto;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  sendfile on; tcp_nopush on; keepalive_requests 100000;
  types {{ application/vnd.apple.mpegurl m3u8; video/iso.segment m4s; video/mp4 mp4; }}
  server {{
    listen 127.0.0.1:{port};
    root {root};
    location /hls/ {{ add_header Access-Control-Allow-Origin *; }}
  }}
}}
""")
        nginx = subprocess.Popen(["nginx", "-c", conf, "-g", "daemon off;"])
        procs.append(nginx)
        time.sleep(0.5)
        ngx = f"http://127.0.0.1:{port}"

        results = {}
        # Playlist mix: the media playlist (live: it changes every segment on steadycast).
        playlist = get(media)[1]
        open(os.path.join(root, "hls", pb, "src", "index.m3u8"), "wb").write(playlist)
        results["playlist"] = (wrk(media), wrk(f"{ngx}/hls/{pb}/src/index.m3u8"), len(playlist))
        # Segment mix: the newest segment (it stays in the window for the whole run).
        seg = newest_segment()
        seg_bytes = get(f"{http}/hls/{pb}/src/{seg}")[1]
        open(os.path.join(root, "hls", pb, "src", seg), "wb").write(seg_bytes)
        results["segment"] = (wrk(f"{http}/hls/{pb}/src/{seg}"), wrk(f"{ngx}/hls/{pb}/src/{seg}"),
                              len(seg_bytes))

        for mix, ((_, _, sc_err), (_, _, ng_err), _) in results.items():
            if sc_err or ng_err:
                sys.exit(f"{mix}: non-2xx responses (steadycast {sc_err}, nginx {ng_err}): "
                         "the comparison is void")
        print(f"hls_delivery: wrk -t{THREADS} -c{CONNECTIONS} -d{DURATION}s, live publisher 720p")
        for mix, ((sc_rps, sc_p99, sc_err), (ng_rps, ng_p99, ng_err), size) in results.items():
            print(f"  {mix:8s} ({size} B): steadycast {sc_rps:10.0f} req/s (p99 {sc_p99}, "
                  f"non-2xx {sc_err}) | nginx {ng_rps:10.0f} req/s (p99 {ng_p99}, non-2xx "
                  f"{ng_err}) | ratio {sc_rps / ng_rps:.2f}")
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
