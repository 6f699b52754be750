"""The two servers of the latency bench, each on free loopback ports in a temp dir:
steadycast (`serve` with embedded defaults) and nginx with the nginx-rtmp module writing HLS
(Debian's libnginx-mod-rtmp), served by the same nginx over HTTP."""

import base64
import http.client
import json
import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request

NGINX_RTMP_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so"

# nginx-rtmp HLS settings, chosen to match steadycast's defaults (2 s target segment duration,
# 6 segments in the playlist). Printed by the bench and documented in README.md.
NGINX_HLS_SETTINGS = {
    "hls_fragment": "2s",          # cut at the first keyframe >= 2 s after the fragment start
    "hls_playlist_length": "12s",  # 6 fragments of 2 s (both follow SEGMENT_SECONDS)
    "hls_fragment_slicing": "plain",
    "hls_nested": "off",
    "hls_cleanup": "on",
    "hls_continuous": "off",
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=5):
    """(status, body bytes); status 0 when nothing answered."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except (OSError, http.client.HTTPException):
        return 0, b""


def wait_until(predicate, timeout, step=0.1):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return None


class Steadycast:
    """`steadycast serve` with its own data dir under `work`; extra flags as given."""

    def __init__(self, binary, work, name, extra_args=()):
        self.data = os.path.join(work, name)
        self.log_path = os.path.join(work, f"{name}.log")
        args = [binary, "serve", "--data-dir", self.data, "--http-addr", "127.0.0.1:0",
                "--rtmp-addr", "127.0.0.1:0", "--srt-addr", "127.0.0.1:0",
                "--log-level", "warn", *extra_args]
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        listen = os.path.join(self.data, "listen.json")
        if not wait_until(lambda: self.proc.poll() is not None or os.path.exists(listen), 20,
                          0.05) or self.proc.poll() is not None:
            raise RuntimeError(f"steadycast did not start; see {self.log_path}")
        time.sleep(0.05)  # listen.json is written whole, but give the writer a moment
        addrs = json.load(open(listen))
        tok = json.load(open(os.path.join(self.data, "admin-token.json")))
        self.auth = "Basic " + base64.b64encode(f"{tok['id']}:{tok['secret']}".encode()).decode()
        self.http = f"http://{addrs['http']}"
        self.rtmp = addrs["rtmp"]

    @staticmethod
    def flags(binary):
        """The `serve` flags this binary knows (to detect settings it does not have yet)."""
        out = subprocess.run([binary, "serve", "--help"], capture_output=True, text=True,
                             timeout=20)
        return set(re.findall(r"--[a-z0-9-]+", out.stdout + out.stderr))

    def create_stream(self, **fields):
        fields.setdefault("reconnect_window", 0)
        req = urllib.request.Request(f"{self.http}/v1/live-streams",
                                     data=json.dumps(fields).encode(), method="POST",
                                     headers={"Authorization": self.auth,
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            stream = json.load(r)["data"]
        stream["rtmp_url"] = f"rtmp://{self.rtmp}/live/{stream['stream_key']}"
        stream["playback_id"] = stream["playback_ids"][0]["id"]
        stream["master_url"] = f"{self.http}/hls/{stream['playback_id']}.m3u8"
        stream["dash_url"] = f"{self.http}/dash/{stream['playback_id']}.mpd"
        return stream

    def media_playlist_url(self, stream, timeout=30):
        """The first media playlist the master names (the passthrough ladder: `src`)."""
        def first_uri():
            status, body = http_get(stream["master_url"])
            if status != 200:
                return None
            uris = [line for line in body.decode().splitlines()
                    if line and not line.startswith("#")]
            return uris[0] if uris else None
        uri = wait_until(first_uri, timeout, 0.2)
        if not uri:
            raise RuntimeError(f"no master playlist at {stream['master_url']}")
        return urllib.request.urljoin(stream["master_url"], uri)

    def smallest_rung_url(self, stream):
        """The media playlist of the transcoded variant with the smallest picture (not `src`),
        or None when the master lists none."""
        status, body = http_get(stream["master_url"])
        if status != 200:
            return None
        best, height = None, None
        lines = body.decode().splitlines()
        for info, uri in zip(lines, lines[1:]):
            m = re.search(r"RESOLUTION=\d+x(\d+)", info)
            if info.startswith("#EXT-X-STREAM-INF") and m and "/src/" not in uri:
                if height is None or int(m.group(1)) < height:
                    best, height = uri.strip(), int(m.group(1))
        return urllib.request.urljoin(stream["master_url"], best) if best else None

    def stop(self):
        stop_process(self.proc)
        self.log.close()


class NginxRtmp:
    """nginx with the RTMP module: RTMP ingest (application `live`) → HLS files in a temp dir,
    served over HTTP at /hls/KEY.m3u8 by the same nginx."""

    def __init__(self, work, segment_seconds=2):
        NGINX_HLS_SETTINGS["hls_fragment"] = f"{segment_seconds:g}s"
        NGINX_HLS_SETTINGS["hls_playlist_length"] = f"{6 * segment_seconds:g}s"
        self.dir = os.path.join(work, "nginx")
        self.hls_dir = os.path.join(self.dir, "hls")
        os.makedirs(self.hls_dir)
        os.chmod(work, 0o755)
        os.chmod(self.dir, 0o755)
        os.chmod(self.hls_dir, 0o777)  # nginx workers run as an unprivileged user
        self.rtmp_port, self.http_port = free_port(), free_port()
        hls = "\n".join(f"      {k} {v};" for k, v in NGINX_HLS_SETTINGS.items())
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""load_module {NGINX_RTMP_MODULE};
worker_processes 1;
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log warn;
events {{ worker_connections 256; }}
rtmp {{
  server {{
    listen 127.0.0.1:{self.rtmp_port};
    chunk_size 4096;
    application live {{
      live on;
      record off;
      hls on;
      hls_path {self.hls_dir};
{hls}
    }}
  }}
}}
http {{
  access_log off;
  client_body_temp_path {self.dir}/body;
  types {{ application/vnd.apple.mpegurl m3u8; video/mp2t ts; }}
  server {{
    listen 127.0.0.1:{self.http_port};
    location = /healthz {{ return 200 "ok"; }}
    location /hls/ {{
      alias {self.hls_dir}/;
      add_header Cache-Control no-cache;
      add_header Access-Control-Allow-Origin *;
    }}
  }}
}}
""")
        self.proc = subprocess.Popen(["nginx", "-p", self.dir, "-e", f"{self.dir}/error.log",
                                      "-c", conf, "-g", "daemon off;"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        if not wait_until(lambda: self.proc.poll() is not None or _port_open(self.rtmp_port),
                          10, 0.05) or self.proc.poll() is not None:
            raise RuntimeError(f"nginx did not start; see {self.dir}/error.log")
        self.http = f"http://127.0.0.1:{self.http_port}"

    def rtmp_url(self, key):
        return f"rtmp://127.0.0.1:{self.rtmp_port}/live/{key}"

    def playlist_url(self, key):
        return f"{self.http}/hls/{key}.m3u8"

    def stop(self):
        stop_process(self.proc)


def nginx_version():
    """'nginx 1.22.1, libnginx-mod-rtmp 1.2.2' (or what is known of it)."""
    out = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip()
    version = out.rsplit("/", 1)[-1] if "/" in out else "?"
    module = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "libnginx-mod-rtmp"],
                            capture_output=True, text=True).stdout.strip()
    return f"nginx {version}, libnginx-mod-rtmp {module or '?'}"


def _port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def stop_process(proc, timeout=10):
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
