#!/usr/bin/env python3
"""What process isolation of the transcoder costs: the same published stream (a pre-encoded
1280x720 30 fps FLV with a 2 s GOP and AAC, sent in real time by `ffmpeg -re -c copy`) into
the default ladder (src + 720p/480p/360p/240p), once with `transcode.isolation` = thread and
once with process, in one run, alternating. CPU = user + system seconds of the server and of
its reaped worker processes (/proc/PID/stat utime, stime, cutime, cstime) from the first
segment to the end of the broadcast. Prints CPU seconds per media second for both modes and
the ratio process / thread (the IPC and second-process cost). Loopback only."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

BINARY = sys.argv[1] if len(sys.argv) > 1 else "build/steadycast"
RUNS = int(os.environ.get("RUNS", "2"))
MEDIA_SECONDS = int(os.environ.get("MEDIA_SECONDS", "30"))
PRESET = os.environ.get("PRESET", "veryfast")
TICKS = os.sysconf("SC_CLK_TCK")


def make_input(workdir):
    path = os.path.join(workdir, "source.flv")
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
         "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=30:duration={MEDIA_SECONDS}",
         "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={MEDIA_SECONDS}",
         "-c:v", "libx264", "-preset", "veryfast", "-g", "60", "-keyint_min", "60",
         "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-b:v", "3000k",
         "-c:a", "aac", "-b:a", "128k", "-f", "flv", path], check=True)
    return path


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # utime, stime, cutime, cstime are fields 14-17 (1-based) of stat; after the ")" they
    # start at index 11.
    return sum(int(v) for v in fields[11:15]) / TICKS


def children_cpu(pid):
    """CPU of the server's live children (workers not reaped yet)."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                total += (int(fields[11]) + int(fields[12])) / TICKS
        except (OSError, ValueError, IndexError):
            continue
    return total


def request(base, method, path, auth, body=None):
    req = urllib.request.Request(base + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Authorization": auth,
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read() or b"null")


def one_run(mode, source):
    data = tempfile.mkdtemp(prefix="sc-isolation-")
    log = open(os.path.join(data, "server.log"), "wb")
    server = subprocess.Popen(
        [BINARY, "serve", "--data-dir", data, "--http-addr", "127.0.0.1:0",
         "--rtmp-addr", "127.0.0.1:0", "--srt-addr", "127.0.0.1:0",
         "--transcode-isolation", mode, "--transcode-preset", PRESET,
         "--api-rate-limits", "false"], stdout=log, stderr=subprocess.STDOUT)
    try:
        listen = os.path.join(data, "listen.json")
        for _ in range(200):
            if os.path.exists(listen):
                break
            time.sleep(0.05)
        with open(listen) as f:
            ports = json.load(f)
        with open(os.path.join(data, "admin-token.json")) as f:
            token = json.load(f)
        import base64
        auth = "Basic " + base64.b64encode(f"{token['id']}:{token['secret']}".encode()).decode()
        base = f"http://{ports['http']}"
        stream = request(base, "POST", "/v1/live-streams", auth,
                         {"ladder": "default", "reconnect_window": 0})["data"]
        publisher = subprocess.Popen(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re", "-i", source,
             "-c", "copy", "-f", "flv", f"rtmp://{ports['rtmp']}/live/{stream['stream_key']}"])
        before = cpu_seconds(server.pid)
        # The presets the real-time watchdog chose (a faster one under load changes the work).
        presets = {}
        while publisher.poll() is None:
            try:
                h = request(base, "GET", f"/v1/live-streams/{stream['id']}/health", auth)["data"]
                for r in h.get("renditions", []):
                    if r.get("preset"):
                        presets.setdefault(r["name"], set()).add(r["preset"])
            except OSError:
                pass
            time.sleep(1)
        # The broadcast ends with the publisher (reconnect window 0): its worker is reaped.
        deadline = time.time() + 15
        while time.time() < deadline:
            if request(base, "GET", f"/v1/live-streams/{stream['id']}", auth)["data"][
                    "status"] == "idle" and children_cpu(server.pid) == 0.0:
                break
            time.sleep(0.2)
        time.sleep(0.5)
        cpu = cpu_seconds(server.pid) + children_cpu(server.pid) - before
        return cpu, {k: sorted(v) for k, v in presets.items()}
    finally:
        server.terminate()
        server.wait(15)
        log.close()
        shutil.rmtree(data, ignore_errors=True)


def main():
    workdir = tempfile.mkdtemp(prefix="sc-isolation-in-")
    try:
        source = make_input(workdir)
        results = {"thread": [], "process": []}
        for i in range(RUNS):
            for mode in ("thread", "process") if i % 2 == 0 else ("process", "thread"):
                cpu, presets = one_run(mode, source)
                results[mode].append(cpu)
                print(f"run {i + 1} {mode:7}: {cpu:6.2f} CPU s for {MEDIA_SECONDS} s of media "
                      f"({cpu / MEDIA_SECONDS:.3f} CPU s per media s); presets {presets}",
                      flush=True)
        thread = sum(results["thread"]) / len(results["thread"])
        process = sum(results["process"]) / len(results["process"])
        print(f"thread  mean {thread:.2f} CPU s ({thread / MEDIA_SECONDS:.3f} per media s)")
        print(f"process mean {process:.2f} CPU s ({process / MEDIA_SECONDS:.3f} per media s)")
        print(f"RATIO process/thread = {process / thread:.3f} "
              f"(IPC + worker cost {100 * (process / thread - 1):+.1f} %)")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
