"""Latency bench: steadycast against nginx-rtmp in one run, on loopback.

P4a availability delay: how long after the frame that closes a segment (or an LL-HLS part)
reaches the server the playlist lists it. P4b glass-to-glass: a stamped picture's generation
time against the time Chromium presents it, for hls.js, hls.js in low-latency mode and
dash.js. See README.md beside this file.

Usage: python3 latency.py path/to/steadycast
Env: PHASES=p4a,p4b  P4A_SECONDS=48  POLL_MS=1  WARMUP_SECONDS=5  MEASURE_SECONDS=20
     ROWS=name,... (P4b rows to run; default all)  SEGMENT_SECONDS=2
     RESULT_FILE=path (JSON of everything)
     KEEP=1 (keep the temp dir)
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

import availability
import rtmp_publish
import servers

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PHASES = os.environ.get("PHASES", "p4a,p4b").split(",")
P4A_SECONDS = int(os.environ.get("P4A_SECONDS", "48"))
POLL_MS = float(os.environ.get("POLL_MS", "1"))
WARMUP_S = float(os.environ.get("WARMUP_SECONDS", "5"))
MEASURE_S = float(os.environ.get("MEASURE_SECONDS", "20"))
ROWS = [r for r in os.environ.get("ROWS", "").split(",") if r]
# Target segment duration of both servers (steadycast --hls-segment-seconds, nginx-rtmp
# hls_fragment); 2 is steadycast's default.
SEGMENT_S = float(os.environ.get("SEGMENT_SECONDS", "2"))
GOP_FRAMES = 30  # 1 s GOP at 30 fps, both phases
PART_SECONDS = ("0.5", "0.33")
PART_FLAG = "--hls-part-seconds"  # the server setting hls.part_seconds
GOAL_SEGMENT_RATIO = 0.5
GOAL_PART_MEAN_MS = 20
GOAL_LLHLS_S = 1.5
GOAL_HLS_S = 6.0
NO_LLHLS = "SKIPPED (server has no LL-HLS yet)"
NO_DASH = "SKIPPED (server has no DASH yet)"


class Bench:
    def __init__(self, binary):
        self.binary = binary
        self.work = tempfile.mkdtemp(prefix="sc-latency-")
        self.procs = []  # everything started here, stopped in reverse order
        self.servers = []
        self.result = {"p4a": None, "p4b": None}

    # Set-up ----------------------------------------------------------------------------
    def start_servers(self):
        flags = servers.Steadycast.flags(self.binary)
        self.has_part_flag = PART_FLAG in flags
        segments = ["--hls-segment-seconds", f"{SEGMENT_S:g}"]
        extra = segments + ([PART_FLAG, PART_SECONDS[0]] if self.has_part_flag else [])
        self.sc = servers.Steadycast(self.binary, self.work, "steadycast", extra)
        self.servers.append(self.sc)
        # A second server for the shorter parts: the part length is a server setting.
        self.sc_short = None
        if self.has_part_flag:
            self.sc_short = servers.Steadycast(self.binary, self.work, "steadycast-short-parts",
                                               segments + [PART_FLAG, PART_SECONDS[1]])
            self.servers.append(self.sc_short)
        self.nginx = servers.NginxRtmp(self.work, SEGMENT_S)
        self.servers.append(self.nginx)

    def stop(self):
        for proc in reversed(self.procs):
            servers.stop_process(proc, 5)
        for server in reversed(self.servers):
            try:
                server.stop()
            except Exception as e:  # keep stopping the others
                print(f"latency: stopping a server: {e}", file=sys.stderr)
        if os.environ.get("KEEP") == "1":
            print(f"latency: kept {self.work}", file=sys.stderr)
        else:
            shutil.rmtree(self.work, ignore_errors=True)

    # P4a -------------------------------------------------------------------------------
    def p4a(self):
        flv = os.path.join(self.work, "p4a.flv")
        availability.make_input(flv, P4A_SECONDS, GOP_FRAMES)
        std = self.sc.create_stream(ladder="passthrough")
        low = self.sc.create_stream(ladder="passthrough", latency_mode="low")
        targets = [
            {"name": "steadycast", "rtmp": std["rtmp_url"], "poll": std["master_url"]},
            {"name": f"steadycast low, parts {PART_SECONDS[0]} s", "rtmp": low["rtmp_url"],
             "poll": low["master_url"], "low": True},
            {"name": "nginx-rtmp", "rtmp": self.nginx.rtmp_url("p4a"),
             "poll": self.nginx.playlist_url("p4a")},
        ]
        if self.sc_short:
            short = self.sc_short.create_stream(ladder="passthrough", latency_mode="low")
            targets.insert(2, {"name": f"steadycast low, parts {PART_SECONDS[1]} s",
                               "rtmp": short["rtmp_url"], "poll": short["master_url"],
                               "low": True})
        pollers = [availability.start_poller(t["poll"], POLL_MS) for t in targets]
        self.procs += pollers
        publishers = []
        try:
            time.sleep(0.5)
            publishers = [rtmp_publish.Publisher(t["rtmp"]) for t in targets]
            writes = availability.pace(
                flv, publishers, time.monotonic() + P4A_SECONDS + 30,
                lambda t0: [availability.tell_schedule(p, t0, GOP_FRAMES / 30) for p in pollers])
            time.sleep(0.5)
        finally:
            for p in publishers:
                p.close()
        polls = [availability.stop_poller(p) for p in pollers]
        for target, poll, write in zip(targets, polls, writes):
            target["analysis"] = availability.analyse(poll, write)
            target["part_inf"] = poll["part_inf"]
            target["polls"] = poll["polls"]
            target["answer_ms"] = poll["answer_ms"]
        self.result["p4a"] = [{k: v for k, v in t.items() if k not in ("rtmp", "poll")}
                              for t in targets]
        self.print_p4a(targets)

    def print_p4a(self, targets):
        print(f"P4a availability delay: the same FLV (640x360 30 fps, x264 veryfast zerolatency, "
              f"{GOP_FRAMES // 30} s GOP, AAC, {P4A_SECONDS} s) paced tag by tag into every "
              f"server at once; playlists polled every {POLL_MS:g} ms from 10 ms before to "
              f"250 ms after each keyframe (always with parts); first segment dropped")
        print("  nginx-rtmp: " + "; ".join(f"{k} {v}" for k, v in
                                           servers.NGINX_HLS_SETTINGS.items()))
        print(f"  {'server':30s} {'segments':>8s} {'mean ± s.e.':>17s} {'p50':>9s} {'max':>9s} "
              f"{'≤ (seen)':>9s}   parts")
        summaries = {}
        for t in targets:
            a = t["analysis"]
            seg = availability.summary(a["segments"])
            line = f"  {t['name']:30s} "
            if seg:
                summaries[t["name"]] = seg
                upper = availability.summary(a["segments_upper"])
                line += (f"{seg['n']:8d} {seg['mean']:7.2f} ± {seg['se']:4.2f} ms "
                         f"{seg['p50']:6.2f} ms {seg['max']:6.2f} ms {upper['mean']:6.2f} ms")
                if a["unmatched_segments"]:
                    line += f" ({a['unmatched_segments']} unmatched)"
            else:
                line += f"{'no segments matched':>38s}"
            if t.get("low"):
                part = availability.summary(a["parts"])
                if not t["part_inf"]:
                    line += f"   {NO_LLHLS}"
                elif part:
                    ok = "met" if part["mean"] <= GOAL_PART_MEAN_MS else "NOT met"
                    line += (f"   {part['n']} parts: mean {part['mean']:.1f} ± "
                             f"{part['se']:.1f} ms, p50 {part['p50']:.1f} ms, max "
                             f"{part['max']:.1f} ms (goal mean <= {GOAL_PART_MEAN_MS} ms: {ok})")
                else:
                    line += "   no parts matched"
            print(line)
        widths = [t["analysis"]["half_width_ms"] for t in targets
                  if t["analysis"]["half_width_ms"] is not None]
        if widths:
            print(f"  listed time = the middle between the sending of the request that did not "
                  f"list a segment and of the one that did: ± {statistics.fmean(widths):.1f} ms "
                  f"per segment; '≤ (seen)': the upper bound, when the first answer listing it "
                  f"was read")
        print("  answer time of a playlist request: " + ", ".join(
            f"{t['name']} {t['answer_ms']:.2f} ms" for t in targets))
        sc, ng = summaries.get("steadycast"), summaries.get("nginx-rtmp")
        if sc is None or ng is None:
            return
        ratio, low, high = availability.ratio_interval(sc, ng)
        if high <= GOAL_SEGMENT_RATIO:
            verdict = "met"
        elif low > GOAL_SEGMENT_RATIO:
            verdict = "NOT met"
        else:
            verdict = "undecided at this resolution"
        def fmt(x):
            return f"{x:.2f}" if x != float("inf") else "∞"
        shown = fmt(ratio) if ng["mean"] > 0 else "n/a (nginx-rtmp's mean is not above 0)"
        print(f"  ratio steadycast / nginx-rtmp (mean segment delay): {shown}; 95 % interval "
              f"{fmt(low)}–{fmt(high)} from the standard errors (goal <= {GOAL_SEGMENT_RATIO}: "
              f"{verdict})")
        self.result["p4a_ratio"] = {"ratio": fmt(ratio), "low": low, "high": fmt(high),
                                    "verdict": verdict}

    # P4b -------------------------------------------------------------------------------
    def start_stamped_publisher(self, rtmp_urls):
        source = subprocess.Popen([sys.executable, os.path.join(HERE, "stamp_source.py"),
                                   "640", "360", "30"], stdout=subprocess.PIPE)
        self.procs.append(source)
        encoder = subprocess.Popen(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin",
             "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", "640x360", "-r", "30", "-i", "pipe:0",
             "-re", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
             "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast",
             "-tune", "zerolatency", "-g", str(GOP_FRAMES), "-keyint_min", str(GOP_FRAMES),
             "-sc_threshold", "0", "-b:v", "1000k", "-maxrate", "1000k", "-bufsize", "1000k",
             "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k",
             "-flush_packets", "1", "-f", "flv", "pipe:1"],
            stdin=source.stdout, stdout=subprocess.PIPE,
            stderr=open(os.path.join(self.work, "encoder.log"), "wb"))
        source.stdout.close()
        self.procs.append(encoder)
        fanout = subprocess.Popen([sys.executable, os.path.join(HERE, "rtmp_publish.py"),
                                   *rtmp_urls], stdin=encoder.stdout)
        encoder.stdout.close()
        self.procs.append(fanout)
        return [source, encoder, fanout]

    def p4b(self):
        std_default = self.sc.create_stream(ladder="default")
        std_pass = self.sc.create_stream(ladder="passthrough")
        low = self.sc.create_stream(ladder="passthrough", latency_mode="low")
        short = (self.sc_short.create_stream(ladder="passthrough", latency_mode="low")
                 if self.sc_short else None)
        urls = [s["rtmp_url"] for s in (std_default, std_pass, low, short) if s]
        urls.append(self.nginx.rtmp_url("p4b"))
        chain = self.start_stamped_publisher(urls)

        def ready(url):
            return servers.wait_until(lambda: servers.http_get(url)[0] == 200, 30, 0.2)
        for url in (std_pass["master_url"], std_default["master_url"],
                    self.nginx.playlist_url("p4b")):
            if not ready(url):
                dead = [p.args[0] for p in chain if p.poll() is not None]
                raise RuntimeError(f"{url} not ready after 30 s (exited: {dead or 'none'})")
        ll, align = {}, {}
        for key, server, stream, part in (("low", self.sc, low, PART_SECONDS[0]),
                                          ("short", self.sc_short, short, PART_SECONDS[1])):
            align[key] = None
            if stream is None:
                ll[part] = f"{NO_LLHLS[:-1]}: no {PART_FLAG})"
                continue
            try:
                media = server.media_playlist_url(stream, 30)
            except RuntimeError as e:
                ll[part] = f"SKIPPED ({e})"
                continue
            has_parts = b"#EXT-X-PART-INF" in servers.http_get(media)[1]
            ll[part] = None if has_parts else NO_LLHLS
            align[key] = media if has_parts else None
        dash = None

        def mpd_status():
            status = servers.http_get(std_pass["dash_url"])[0]
            return None if status in (0, 412) else status  # 412: not ready yet
        status = servers.wait_until(mpd_status, 15, 0.5)
        if status != 200:
            dash = NO_DASH if status == 404 else f"SKIPPED (GET .mpd answered {status})"
        align.update({"std_pass": self.sc.media_playlist_url(std_pass),
                      "std_default": self.sc.media_playlist_url(std_default),
                      "nginx": self.nginx.playlist_url("p4b")})

        rung = self.sc.smallest_rung_url(std_default)

        def player_page(stream):
            # The server's own player page for the stream (its master is /hls/{id}.m3u8).
            master = stream["master_url"]
            playback_id = master.rsplit("/", 1)[-1].split(".m3u8")[0]
            return master.split("/hls/")[0] + f"/play/{playback_id}?muted=1"

        def row(name, player, url, origin, align_with, skip=None):
            # The page's origin: the server's, on a page without a Content-Security-Policy.
            if origin:
                origin += "/healthz"
            return {"name": name, "player": player, "url": url, "origin": origin,
                    "alignUrl": align[align_with], "skip": skip,
                    "warmupMs": WARMUP_S * 1000, "measureMs": MEASURE_S * 1000,
                    "startTimeoutMs": 20000}
        rows = [
            row("hls steadycast passthrough", "hls", std_pass["master_url"], self.sc.http,
                "std_pass"),
            row("hls steadycast default ladder", "hls", std_default["master_url"],
                self.sc.http, "std_default"),
            # The same stream's smallest transcoded rung alone (its media playlist): hls.js on
            # the whole ladder soon plays `src`, which is not transcoded.
            row("hls steadycast default, smallest rung", "hls", rung, self.sc.http,
                "std_default", None if rung else "SKIPPED (the master lists no transcoded rung)"),
            row("hls nginx-rtmp", "hls", self.nginx.playlist_url("p4b"), self.nginx.http,
                "nginx"),
            row(f"llhls-{PART_SECONDS[0]} steadycast passthrough", "llhls", low["master_url"],
                self.sc.http, "low", ll[PART_SECONDS[0]]),
            row(f"llhls-{PART_SECONDS[1]} steadycast passthrough", "llhls",
                short["master_url"] if short else None,
                self.sc_short.http if short else None, "short", ll[PART_SECONDS[1]]),
            row("hls steadycast player passthrough", "steadycast", player_page(std_pass),
                self.sc.http, "std_pass"),
            row("hls steadycast player default ladder", "steadycast",
                player_page(std_default), self.sc.http, "std_default"),
            row(f"llhls-{PART_SECONDS[0]} steadycast player", "steadycast",
                player_page(low), self.sc.http, "low", ll[PART_SECONDS[0]]),
            row(f"llhls-{PART_SECONDS[1]} steadycast player", "steadycast",
                player_page(short) if short else None,
                self.sc_short.http if short else None, "short", ll[PART_SECONDS[1]]),
            row("dash steadycast passthrough", "dash", std_pass["dash_url"], self.sc.http,
                "std_pass", dash),
            row("dash steadycast default ladder", "dash", std_default["dash_url"], self.sc.http,
                "std_default", dash),
        ]
        if ROWS:
            rows = [r for r in rows if r["name"] in ROWS]
        to_play = [r for r in rows if not r["skip"]]
        rows_file = os.path.join(self.work, "rows.json")
        with open(rows_file, "w") as f:
            json.dump(to_play, f)
        budget = sum(r["startTimeoutMs"] + r["warmupMs"] + r["measureMs"] + 20000
                     for r in to_play) / 1000 + 60  # + the warm-up page
        results = {}
        if to_play:
            player = subprocess.Popen(["node", os.path.join(HERE, "play_latency.mjs"), rows_file],
                                      stdout=subprocess.PIPE, text=True)
            self.procs.append(player)
            try:
                out, _ = player.communicate(timeout=budget)
            except subprocess.TimeoutExpired:
                player.kill()
                out, _ = player.communicate()
                print(f"latency: the browser did not finish in {budget:.0f} s", file=sys.stderr)
            for line in out.splitlines():
                try:
                    r = json.loads(line)
                    results[r["name"]] = r
                except ValueError:
                    print(f"latency: unexpected browser output: {line}", file=sys.stderr)
        for stage, what in zip(chain, ("stamp_source.py", "ffmpeg", "rtmp_publish.py")):
            if stage.poll() is not None:
                print(f"latency: the publisher's {what} exited with {stage.returncode} during "
                      "the run", file=sys.stderr)
        for stage in chain:  # source first: the encoder and the fan-out then end at EOF
            servers.stop_process(stage, 5)
        self.result["p4b"] = [dict(r, result=results.get(r["name"])) for r in rows]
        self.print_p4b(rows, results)

    def print_p4b(self, rows, results):
        print(f"P4b glass-to-glass: stamped 640x360 30 fps (x264 ultrafast zerolatency, "
              f"{GOP_FRAMES // 30} s GOP, AAC) to every server at once; headless Chromium, "
              f"requestVideoFrameCallback; each player started right after a segment was "
              f"listed; {WARMUP_S:g} s dropped, {MEASURE_S:g} s measured")
        print(f"  {'row':38s} {'median':>8s} {'p95':>8s}  {'player says':>12s}  "
              f"{'decoded/rejected':>16s}  goal")
        medians = {}
        for r in rows:
            name = r["name"]
            if r["skip"]:
                print(f"  {name:38s} {r['skip']}")
                continue
            res = results.get(name)
            if not res or not res.get("latency"):
                why = (res or {}).get("exception") or (res or {}).get("reader_error") or \
                    "no result"
                print(f"  {name:38s} FAILED: {why}")
                continue
            lat = res["latency"]
            medians[name] = lat["median"] / 1000
            said = res["player_latency"]
            said = f"{said['median'] / 1000:10.2f} s" if said else f"{'-':>12s}"
            goal = GOAL_LLHLS_S if r["name"].startswith("llhls") else (
                GOAL_HLS_S if name.startswith("hls ") and "steadycast" in name else None)
            goal_text = "" if goal is None else \
                f"<= {goal:g} s: {'met' if medians[name] <= goal else 'NOT met'}"
            print(f"  {name:38s} {lat['median'] / 1000:6.2f} s {lat['p95'] / 1000:6.2f} s  "
                  f"{said}  {res['decoded']:7d}/{res['rejected']:<8d}  {goal_text}")
            extra = []
            if res.get("heights"):
                extra.append("heights " + ", ".join(f"{h}p×{n}" for h, n in
                                                    sorted(res["heights"].items(),
                                                           key=lambda kv: -kv[1])))
            if res.get("aligned") is False:
                extra.append("no new segment within 5 s before the start (not aligned)")
            if res.get("skipped_frames"):
                extra.append(f"{res['skipped_frames']} frames not presented")
            if res.get("media_offset"):
                m = res["media_offset"]
                extra.append(f"stamp−mediaTime spread p5–p95 {m['p95'] - m['p5']:.0f} ms")
            if res.get("clock_skew_ms") is not None:
                extra.append(f"page clock skew {res['clock_skew_ms']:.1f} ms")
            info = res.get("player") or {}
            if info.get("targetLatency"):
                extra.append(f"player's target {info['targetLatency']:.1f} s")
            if info.get("fragmentsPlayed"):
                extra.append("fragments " + ", ".join(f"{k}×{v}" for k, v in
                                                      info["fragmentsPlayed"].items()))
            if info.get("errors"):
                extra.append(f"player errors {info['errors'][:3]}")
            print(f"  {'':38s} {'; '.join(extra)}")
        peer = medians.get("hls nginx-rtmp")
        if peer:
            for name in ("hls steadycast passthrough", "hls steadycast default ladder",
                         "hls steadycast default, smallest rung"):
                if name in medians:
                    print(f"  ratio {name[4:]} / nginx-rtmp (median): "
                          f"{medians[name] / peer:.2f}")


def check_tools(binary):
    missing = [t for t in ("ffmpeg", "node", "nginx") if not shutil.which(t)]
    if not os.path.exists(servers.NGINX_RTMP_MODULE):
        missing.append("libnginx-mod-rtmp")
    for package in ("hls.js", "dashjs", "playwright-core"):
        if not os.path.isdir(os.path.join(ROOT, "node_modules", package)):
            missing.append(f"node_modules/{package} (scripts/install-node-deps.sh)")
    if not os.path.exists(os.environ.get("CHROMIUM", "/usr/bin/chromium")):
        missing.append("chromium")
    if not os.access(binary, os.X_OK):
        missing.append(binary)
    if missing:
        sys.exit(f"latency: missing {', '.join(missing)}: run `make bench` (it installs them)")


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/steadycast")
    check_tools(binary)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("latency: terminated"))
    bench = Bench(binary)
    started = time.monotonic()
    try:
        bench.start_servers()
        print(f"latency: steadycast vs nginx-rtmp ({servers.nginx_version()}), loopback, "
              f"one run; target segment duration {SEGMENT_S:g} s; LL-HLS part setting {PART_FLAG}: "
              f"{'yes' if bench.has_part_flag else 'not in this binary'}")
        if "p4a" in PHASES:
            bench.p4a()
        if "p4b" in PHASES:
            bench.p4b()
    finally:
        bench.stop()
        result_file = os.environ.get("RESULT_FILE")
        if result_file:
            with open(result_file, "w") as f:
                json.dump(bench.result, f, indent=1)
    print(f"latency: done in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
