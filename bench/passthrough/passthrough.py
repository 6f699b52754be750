"""Passthrough bench: N RTMP publishers repackaged to HLS without transcoding, steadycast
("ladder":"passthrough") against nginx-rtmp (`hls on`), both fed the same tags at the same
moments in one run, both polled by one HLS viewer per stream. Prints CPU % of a core per
stream and RSS per stream (beyond the segment bytes) of each server, and the ratios.
See README.md beside this file.

Usage: python3 passthrough.py path/to/steadycast
Env: STREAMS=1,10,30  WARMUP_SECONDS=10  MEASURE_SECONDS=30  INPUT_SECONDS=20
     INPUT_FLV=path (reuse an encoded input; it is encoded once per run otherwise)
     STREAMS_PER_PROCESS=10 (streams per pacer / poller process)
     MEASURE_HOOK='shell command' (run at the start of each measurement window with SC_PID,
       NGINX_PIDS and N in its environment, waited for at the end; e.g. perf record)
     RESULT_FILE=path (JSON of every figure)  KEEP=1 (keep the temp dir)
"""

import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "latency"))
import servers  # noqa: E402

STREAMS = [int(n) for n in os.environ.get("STREAMS", "1,10,30").split(",") if n]
WARMUP_S = float(os.environ.get("WARMUP_SECONDS", "10"))
MEASURE_S = float(os.environ.get("MEASURE_SECONDS", "30"))
INPUT_S = int(os.environ.get("INPUT_SECONDS", "20"))
GROUP = int(os.environ.get("STREAMS_PER_PROCESS", "10"))
GOP_S = 2.0
CLK_TCK = os.sysconf("SC_CLK_TCK")
GOAL = 0.6


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def encode_input(path):
    """1280x720 30 fps x264 veryfast ~2.5 Mbit/s (CBR-ish, B-frames as an encoder's defaults
    have them), a keyframe every 2 s, AAC-LC 48 kHz 128 kbit/s, FLV."""
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
         "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", str(INPUT_S),
         "-c:v", "libx264", "-preset", "veryfast", "-b:v", "2500k", "-maxrate", "2500k",
         "-bufsize", "5000k", "-g", "60", "-keyint_min", "60", "-sc_threshold", "0",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-f", "flv", path],
        check=True, timeout=600)


# /proc figures ---------------------------------------------------------------------------
def cpu_seconds(pids):
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime
        except OSError:
            pass
    return total


def memory_kib(pids):
    """Sum over `pids` of VmRSS, RssAnon, RssFile, RssShmem (KiB)."""
    out = {"VmRSS": 0, "RssAnon": 0, "RssFile": 0, "RssShmem": 0}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    key, _, value = line.partition(":")
                    if key in out:
                        out[key] += int(value.split()[0])
        except OSError:
            pass
    return out


def memfd_bytes(pid):
    """Bytes of the memfds `pid` holds open (steadycast's finished segments)."""
    total = 0
    fd_dir = f"/proc/{pid}/fd"
    for fd in os.listdir(fd_dir):
        try:
            if os.readlink(f"{fd_dir}/{fd}").startswith("/memfd:"):
                total += os.stat(f"{fd_dir}/{fd}").st_size
        except OSError:
            pass
    return total


def dir_bytes(path):
    return sum(e.stat().st_size for e in os.scandir(path) if e.is_file())


def children(pid):
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
            except OSError:
                pass
    return out


# One run at N streams -----------------------------------------------------------------------
class Run:
    def __init__(self, binary, work, flv, n):
        self.n, self.flv, self.procs = n, flv, []
        self.work = os.path.join(work, f"n{n}")
        os.makedirs(self.work)
        os.chmod(self.work, 0o755)
        self.sc = servers.Steadycast(binary, self.work, "steadycast")
        self.ng = None
        try:
            self.ng = servers.NginxRtmp(self.work)
            servers.wait_until(lambda: children(self.ng.proc.pid), 10)
            self.streams = [create_stream(self.sc) for _ in range(n)]
        except BaseException:
            self.stop()
            raise

    def server_pids(self):
        return {"steadycast": [self.sc.proc.pid],
                "nginx": [self.ng.proc.pid] + children(self.ng.proc.pid)}

    def start_pacers(self):
        pacers = []
        for first in range(0, self.n, GROUP):
            p = subprocess.Popen([sys.executable, os.path.join(HERE, "pace_streams.py"),
                                  self.flv], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 text=True)
            for i in range(first, min(self.n, first + GROUP)):
                # Keyframes of different streams spread over the GOP, as with real encoders.
                p.stdin.write(f"{i} {GOP_S * i / self.n:.4f} {self.streams[i]['rtmp_url']} "
                              f"{self.ng.rtmp_url(f's{i}')}\n")
            p.stdin.write("\n")
            p.stdin.flush()
            pacers.append(p)
            self.procs.append(p)
        for p in pacers:
            if p.stdout.readline().strip() != "ready":
                raise RuntimeError("a pacer did not connect its publishers")
        t0 = time.monotonic() + 0.5
        deadline = t0 + WARMUP_S + MEASURE_S + 120
        for p in pacers:
            p.stdin.write(f"{t0} {deadline}\n")
            p.stdin.flush()
        return pacers

    def playlists(self):
        sc = [self.sc.media_playlist_url(s) for s in self.streams]
        ng = [self.ng.playlist_url(f"s{i}") for i in range(self.n)]
        ok = servers.wait_until(
            lambda: all(servers.http_get(u)[0] == 200 for u in ng), 30, 0.5)
        if not ok:
            raise RuntimeError("nginx-rtmp did not list every stream")
        return sc, ng

    def start_pollers(self, sc_urls, ng_urls):
        pollers = []
        for first in range(0, self.n, GROUP):
            urls = sc_urls[first:first + GROUP] + ng_urls[first:first + GROUP]
            p = subprocess.Popen([sys.executable, os.path.join(HERE, "poll_streams.py"), *urls],
                                 stdout=subprocess.PIPE, text=True)
            pollers.append(p)
            self.procs.append(p)
        return pollers

    def measure(self):
        pids = self.server_pids()
        idle = {name: memory_kib(p) for name, p in pids.items()}
        pacers = self.start_pacers()
        sc_urls, ng_urls = self.playlists()
        pollers = self.start_pollers(sc_urls, ng_urls)
        time.sleep(WARMUP_S)
        pids = self.server_pids()
        hook = None
        if os.environ.get("MEASURE_HOOK"):
            env = dict(os.environ, SC_PID=str(self.sc.proc.pid), N=str(self.n),
                       NGINX_PIDS=" ".join(map(str, pids["nginx"])))
            hook = subprocess.Popen(os.environ["MEASURE_HOOK"], shell=True, env=env)
        t_start = time.monotonic()
        cpu_start = {name: cpu_seconds(p) for name, p in pids.items()}
        samples = []
        while time.monotonic() < t_start + MEASURE_S:
            time.sleep(min(5.0, max(0.0, t_start + MEASURE_S - time.monotonic())))
            samples.append({"mem": {name: memory_kib(p) for name, p in pids.items()},
                            "memfd": memfd_bytes(self.sc.proc.pid),
                            "tmpfs": dir_bytes(self.ng.hls_dir)})
        cpu_end = {name: cpu_seconds(p) for name, p in pids.items()}
        wall = time.monotonic() - t_start
        load = os.getloadavg()
        if hook:
            hook.wait()
        polls = [stop_json(p) for p in pollers]
        paced = [stop_json(p) for p in pacers]
        return self.figures(idle, samples, cpu_start, cpu_end, wall, load, polls, paced)

    def figures(self, idle, samples, cpu_start, cpu_end, wall, load, polls, paced):
        n, out = self.n, {"n": self.n, "wall_s": wall, "loadavg": load}
        for name in ("steadycast", "nginx"):
            cpu = cpu_end[name] - cpu_start[name]
            rss = statistics.median(s["mem"][name]["VmRSS"] for s in samples)
            shmem = statistics.median(s["mem"][name]["RssShmem"] for s in samples)
            held = statistics.median(s["memfd" if name == "steadycast" else "tmpfs"]
                                     for s in samples)
            # Beyond the segment bytes: steadycast's memfd segments are mapped, so their
            # resident pages are its RssShmem; nginx-rtmp's sit in tmpfs files, outside RSS.
            beyond = rss - shmem - (idle[name]["VmRSS"] - idle[name]["RssShmem"])
            out[name] = {"cpu_s": cpu, "cpu_pct_per_stream": 100 * cpu / wall / n,
                         "rss_kib": rss, "rss_shmem_kib": shmem,
                         "idle_rss_kib": idle[name]["VmRSS"],
                         "rss_kib_per_stream": beyond / n, "segment_bytes_per_stream": held / n}
        out["ratio_cpu"] = (out["steadycast"]["cpu_pct_per_stream"]
                            / max(1e-9, out["nginx"]["cpu_pct_per_stream"]))
        out["ratio_rss"] = (out["steadycast"]["rss_kib_per_stream"]
                            / max(1e-9, out["nginx"]["rss_kib_per_stream"]))
        out["polls"] = {k: sum(p.get(k, 0) for p in polls) for k in ("requests", "errors", "bytes")}
        out["pacer_late_ms_p99"] = max((p.get("late_ms_p99", 0) for p in paced), default=0)
        out["pacer_late_ms_max"] = max((p.get("late_ms_max", 0) for p in paced), default=0)
        return out

    def stop(self):
        for p in reversed(self.procs):
            servers.stop_process(p)
        self.sc.stop()
        if self.ng is not None:
            self.ng.stop()


def create_stream(sc):
    """A passthrough stream; waits out the API's write rate limit (5/s, bursts of 10 by
    default) rather than changing the server's settings."""
    for _ in range(60):
        try:
            return sc.create_stream(ladder="passthrough")
        except urllib.error.HTTPError as e:
            if e.code != 429:
                raise
            time.sleep(float(e.headers.get("Retry-After") or 1))
    raise RuntimeError("steadycast kept answering 429 to stream creation")


def stop_json(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    lines = [ln for ln in (out or "").splitlines() if ln.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


def print_table(results):
    log("")
    log(f"{'N':>3} | {'CPU %/stream sc':>15} {'nginx':>7} {'ratio':>6} | "
        f"{'RSS KiB/stream sc':>17} {'nginx':>7} {'ratio':>6} | "
        f"{'seg MiB/stream sc':>17} {'nginx':>6} | {'late p99 ms':>11} | load")
    for r in results:
        sc, ng = r["steadycast"], r["nginx"]
        log(f"{r['n']:>3} | {sc['cpu_pct_per_stream']:>15.3f} {ng['cpu_pct_per_stream']:>7.3f} "
            f"{r['ratio_cpu']:>6.2f} | {sc['rss_kib_per_stream']:>17.0f} "
            f"{ng['rss_kib_per_stream']:>7.0f} {r['ratio_rss']:>6.2f} | "
            f"{sc['segment_bytes_per_stream'] / 2**20:>17.2f} "
            f"{ng['segment_bytes_per_stream'] / 2**20:>6.2f} | {r['pacer_late_ms_p99']:>11.1f} | "
            f"{' '.join(f'{x:.2f}' for x in r['loadavg'])}")
    log(f"goal: CPU ratio <= {GOAL} at every N "
        f"({'met' if all(r['ratio_cpu'] <= GOAL for r in results) else 'not met'})")


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/steadycast")
    for tool in ("nginx", "ffmpeg"):
        if not shutil.which(tool) and not os.path.exists(f"/usr/sbin/{tool}"):
            sys.exit(f"{tool} missing: run `make bench` (it installs nginx and the RTMP module)")
    if not os.path.exists(servers.NGINX_RTMP_MODULE):
        sys.exit("libnginx-mod-rtmp missing: run `make bench`")
    # nginx-rtmp writes its HLS files to hls_path: keep that (the whole work dir) on tmpfs so
    # neither server touches a disk for segments.
    work = tempfile.mkdtemp(prefix="sc-passthrough-",
                            dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    os.chmod(work, 0o755)
    results = []
    try:
        flv = os.environ.get("INPUT_FLV")
        if not flv:
            flv = os.path.join(work, "input.flv")
            log(f"encoding the input ({INPUT_S} s 1280x720 30 fps, ~2.5 Mbit/s + AAC) ...")
            encode_input(flv)
        log(f"{servers.nginx_version()}; nginx-rtmp {servers.NGINX_HLS_SETTINGS}")
        for n in STREAMS:
            log(f"N={n}: warm-up {WARMUP_S:g} s, measuring {MEASURE_S:g} s ...")
            run = Run(binary, work, flv, n)
            try:
                r = run.measure()
            finally:
                run.stop()
            results.append(r)
            log(f"  steadycast {r['steadycast']['cpu_s']:.2f} s CPU, nginx "
                f"{r['nginx']['cpu_s']:.2f} s CPU over {r['wall_s']:.1f} s; polls "
                f"{r['polls']}; pacer late p99/max {r['pacer_late_ms_p99']:.1f}/"
                f"{r['pacer_late_ms_max']:.1f} ms; load {r['loadavg'][0]:.2f}")
        print_table(results)
        if os.environ.get("RESULT_FILE"):
            with open(os.environ["RESULT_FILE"], "w") as f:
                json.dump(results, f, indent=1)
    finally:
        if os.environ.get("KEEP") == "1":
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
