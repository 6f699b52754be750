#!/usr/bin/env python3
"""bench/abr_ladder: steadycast's ABR ladder vs the ffmpeg CLI doing the same ladder.

One run generates a 20 s 1920x1080 30 fps H.264 + AAC input (testsrc2 + sine, 2 s GOP, FLV),
then transcodes it to 720p/480p/360p/240p (x264 veryfast, steadycast's bitrates, VBV maxrate
1.1x, bufsize 2 s at maxrate, IDRs every 2 s, one x264 thread per encoder) and packages CMAF
HLS, once with steadycast (abr_ladder_bench: FLV demuxer -> RTMP media mapper -> Transcoder ->
StreamPackager) and once with one ffmpeg process (split + scale + libx264, -f hls fmp4). It
prints the CPU seconds (user + system) and wall seconds of each, their ratio (goal <= 0.9),
and steadycast's real-time factor for the 1080p30 and a 720p30 source.

Usage: bench/abr_ladder/run.sh [path/to/steadycast]
Env: RUNS (default 1), MEDIA_SECONDS (default 20), DETAIL=1 (also where the CPU goes: scaling
variants), ABR_LADDER_BENCH (path of the tool; default
beside the steadycast binary: BUILD/bench/abr_ladder/abr_ladder_bench), KEEP=1 keeps the temp dir.
"""

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# steadycast's default ladder (transcode/ladder.h LadderDefaults) as PlanLadder sizes it for a
# 16:9 1080p source: short side = rung height, long side by the aspect ratio, both even.
RUNGS = [  # name, width, height, kbps
    ("720p", 1280, 720, 3000),
    ("480p", 854, 480, 1200),
    ("360p", 640, 360, 700),
    ("240p", 426, 240, 350),
]
MAXRATE_FACTOR = 1.1
BUFSIZE_SECONDS = 2.0
PRESET = "veryfast"
# What transcode/video_encoder.cc passes to libx264 (keyframes only where forced).
X264_PARAMS = "keyint=infinite:scenecut=0:force-cfr=1:open-gop=0"
SEGMENT_SECONDS = 2


def log(msg):
    print(msg, flush=True)


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime, r.ru_stime


def measured(cmd, **kw):
    """Runs cmd to completion; returns (stdout, user s, system s, wall s) of that child."""
    u0, s0 = children_cpu()
    t0 = time.monotonic()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    wall = time.monotonic() - t0
    u1, s1 = children_cpu()
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-3000:]}")
    return proc.stdout, u1 - u0, s1 - s0, wall


def make_input(path, width, height, kbps, seconds):
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate=30",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
         "-t", str(seconds), "-c:v", "libx264", "-preset", "veryfast", "-b:v", f"{kbps}k",
         "-g", "60", "-keyint_min", "60", "-sc_threshold", "0", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-b:a", "128k", "-ar", "48000", "-f", "flv", str(path)],
        check=True)


def split_graph(flags="bicubic"):
    """Every rung scaled from the decoded source (what steadycast's transcoder does)."""
    split = "".join(f"[s{i}]" for i in range(len(RUNGS)))
    graph = [f"[0:v]split={len(RUNGS)}{split}"]
    for i, (_, w, h, _) in enumerate(RUNGS):
        graph.append(f"[s{i}]scale={w}:{h}:flags={flags}[v{i}]")
    return ";".join(graph)


def cascade_graph(flags="bicubic"):
    """The top rung from the source, the others from the top rung (a shared intermediate)."""
    _, w0, h0, _ = RUNGS[0]
    split = "".join(f"[t{i}]" for i in range(1, len(RUNGS)))
    graph = [f"[0:v]scale={w0}:{h0}:flags={flags},split={len(RUNGS)}[v0]{split}"]
    for i, (_, w, h, _) in enumerate(RUNGS[1:], start=1):
        graph.append(f"[t{i}]scale={w}:{h}:flags={flags}[v{i}]")
    return ";".join(graph)


def ffmpeg_scale_only_cmd(src, graph):
    cmd = ["ffmpeg", "-hide_banner", "-nostats", "-loglevel", "error", "-threads", "1",
           "-i", str(src), "-filter_complex_threads", "1"]
    if graph is None:
        return cmd + ["-map", "0:v", "-f", "null", "-"]
    cmd += ["-filter_complex", graph]
    for i in range(len(RUNGS)):
        cmd += ["-map", f"[v{i}]"]
    return cmd + ["-f", "null", "-"]


def ffmpeg_ladder_cmd(src, out_dir, graph=None):
    cmd = ["ffmpeg", "-hide_banner", "-nostats", "-loglevel", "error", "-y",
           "-threads", "1", "-i", str(src),  # decoder: 1 thread, as transcode's decoder_threads
           "-filter_complex_threads", "1", "-filter_complex", graph or split_graph()]
    for i in range(len(RUNGS)):
        cmd += ["-map", f"[v{i}]"]
    for _ in RUNGS:
        cmd += ["-map", "0:a"]
    cmd += ["-c:v", "libx264", "-preset", PRESET, "-threads", "1", "-pix_fmt", "yuv420p",
            "-forced-idr", "1", "-x264-params", X264_PARAMS,
            "-force_key_frames", f"expr:gte(t,n_forced*{SEGMENT_SECONDS})",
            "-fps_mode", "passthrough"]
    for i, (_, _, _, kbps) in enumerate(RUNGS):
        maxrate = round(kbps * MAXRATE_FACTOR)
        cmd += [f"-b:v:{i}", f"{kbps}k", f"-maxrate:v:{i}", f"{maxrate}k",
                f"-bufsize:v:{i}", f"{round(maxrate * BUFSIZE_SECONDS)}k"]
    stream_map = " ".join(f"v:{i},a:{i},name:{n}" for i, (n, _, _, _) in enumerate(RUNGS))
    cmd += ["-c:a", "copy", "-f", "hls", "-hls_time", str(SEGMENT_SECONDS),
            "-hls_playlist_type", "vod", "-hls_segment_type", "fmp4",
            "-hls_fmp4_init_filename", "init.mp4", "-master_pl_name", "master.m3u8",
            "-var_stream_map", stream_map,
            "-hls_segment_filename", str(out_dir / "%v" / "seg%d.m4s"),
            str(out_dir / "%v" / "index.m3u8")]
    return cmd


def x264_options(rendition_dir):
    """The x264 settings string (SEI) of a rendition's first segment."""
    segs = sorted(rendition_dir.glob("seg*.m4s"), key=lambda p: int(p.stem[3:]))
    if not segs:
        return None
    data = segs[0].read_bytes()
    at = data.find(b"options: ")
    if at < 0:
        return None
    end = at
    while end < len(data) and 0x20 <= data[end] < 0x7F:  # the SEI text ends at its trailing bits
        end += 1
    return data[at + len(b"options: "):end].decode()


def run_steadycast(tool, src, out_dir=None, extra=()):
    cmd = [str(tool), *extra, str(src)]
    if out_dir is not None:
        cmd[1:1] = ["--out", str(out_dir)]
    stdout, user, system, wall = measured(cmd)
    report = json.loads(stdout)
    report["process_cpu_seconds"] = user + system
    report["process_wall_seconds"] = wall
    for r in report["renditions"]:
        # 30 fps sources: every rung keeps every frame (no frame-rate divisor).
        if not r["passthrough"] and (r.get("frames_dropped")
                                     or r.get("frames_out") != report["video_units_in"]):
            sys.exit(f"steadycast rendition {r['name']} dropped or lost frames: {r}")
    return report


def run_ffmpeg(src, out_dir, graph=None):
    _, user, system, wall = measured(ffmpeg_ladder_cmd(src, out_dir, graph))
    for name, *_ in RUNGS:
        segs = list((out_dir / name).glob("seg*.m4s"))
        if not segs:
            sys.exit(f"ffmpeg wrote no segments for {name}")
    return {"cpu_seconds": user + system, "user": user, "system": system, "wall_seconds": wall}


def find_tool(steadycast):
    env = os.environ.get("ABR_LADDER_BENCH")
    tool = Path(env) if env else Path(steadycast).resolve().parent / "bench/abr_ladder/abr_ladder_bench"
    if not tool.is_file():
        sys.exit(f"{tool} not found: build it first (cmake --build BUILD --target abr_ladder_bench)")
    return tool


def compare_settings(sc_dir, ff_dir):
    same = True
    for name, *_ in RUNGS:
        a, b = x264_options(sc_dir / name), x264_options(ff_dir / name)
        if a is None or a != b:
            same = False
            log(f"  x264 settings differ for {name}:\n    steadycast: {a}\n    ffmpeg:     {b}")
    log(f"x264 settings identical in every rendition (SEI options string): {'yes' if same else 'NO'}")


def main():
    steadycast = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "build" / "steadycast")
    tool = find_tool(steadycast)
    runs = int(os.environ.get("RUNS", "1"))
    seconds = int(os.environ.get("MEDIA_SECONDS", "20"))
    for exe in ("ffmpeg",):
        if shutil.which(exe) is None:
            sys.exit(f"{exe} not installed")
    tmp = Path(tempfile.mkdtemp(prefix="abr_ladder_"))
    try:
        bench(tool, tmp, runs, seconds)
    finally:
        if os.environ.get("KEEP") == "1":
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def bench(tool, tmp, runs, seconds):
    src1080, src720 = tmp / "in1080.flv", tmp / "in720.flv"
    make_input(src1080, 1920, 1080, 6000, seconds)
    make_input(src720, 1280, 720, 3000, seconds)
    log(f"input: {seconds} s 1920x1080 30 fps H.264 (testsrc2, GOP 2 s) + AAC; "
        f"ladder {', '.join(f'{n} {k}k' for n, _, _, k in RUNGS)}; x264 {PRESET}, 1 thread/encoder; "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} (other work inflates wall "
        f"time and, less, CPU time)")
    sc_runs, ff_runs = [], []
    for i in range(runs):
        sc_out, ff_out = tmp / f"sc{i}", tmp / f"ff{i}"
        order = ["sc", "ff"] if i % 2 == 0 else ["ff", "sc"]
        for side in order:
            if side == "sc":
                sc_runs.append(run_steadycast(tool, src1080, sc_out))
            else:
                ff_runs.append(run_ffmpeg(src1080, ff_out))
        sc, ff = sc_runs[-1], ff_runs[-1]
        log(f"run {i + 1}: steadycast CPU {sc['process_cpu_seconds']:.2f} s wall "
            f"{sc['process_wall_seconds']:.2f} s | ffmpeg CPU {ff['cpu_seconds']:.2f} s wall "
            f"{ff['wall_seconds']:.2f} s | ratio {sc['process_cpu_seconds'] / ff['cpu_seconds']:.3f}")
        if i == 0:
            compare_settings(sc_out / "out", ff_out)
        shutil.rmtree(sc_out, ignore_errors=True)
        shutil.rmtree(ff_out, ignore_errors=True)
    report(tool, sc_runs, ff_runs, src720, src1080)
    if os.environ.get("DETAIL") == "1":
        detail(tool, tmp, src1080)


def detail(tool, tmp, src):
    """Where the CPU goes: scaling variants (decode + scale only, ffmpeg filters) and their
    effect on whole ladders (steadycast's --sws, ffmpeg with a shared 720p intermediate)."""
    cpu = {}
    for name, graph in [("decode only", None), ("decode + 4 rungs from source, bicubic",
                                                 split_graph()),
                        ("decode + 720p, then 3 rungs from 720p, bicubic", cascade_graph()),
                        ("decode + 4 rungs from source, bilinear", split_graph("bilinear")),
                        ("decode + 4 rungs from source, fast_bilinear",
                         split_graph("fast_bilinear"))]:
        _, user, system, _ = measured(ffmpeg_scale_only_cmd(src, graph))
        cpu[name] = user + system
        log(f"  {name}: {user + system:.2f} s CPU")
    base = cpu["decode only"]
    for name, value in cpu.items():
        if name != "decode only":
            log(f"  scaling cost ({name.split('decode + ')[1]}): {value - base:.2f} s")
    ff_split = run_ffmpeg(src, tmp / "ff_split")["cpu_seconds"]
    ff_cascade = run_ffmpeg(src, tmp / "ff_cascade", cascade_graph())["cpu_seconds"]
    log(f"  ffmpeg ladder, rungs from source: {ff_split:.2f} s; from a shared 720p: "
        f"{ff_cascade:.2f} s ({ff_cascade / ff_split:.3f}x)")
    for flags in ("bicubic", "bilinear", "fast_bilinear"):
        r = run_steadycast(tool, src, extra=("--sws", flags))
        log(f"  steadycast ladder, --sws {flags}: {r['process_cpu_seconds']:.2f} s CPU, "
            f"{r['process_cpu_seconds'] / ff_split:.3f}x ffmpeg")
    # The x264 budget: 2 threads per stream over 4 encoders = 1 each, so the 720p worker
    # (scale + x264 on one thread) bounds the wall time; 8 gives each encoder 2.
    r = run_steadycast(tool, src, extra=("--threads", "8"))
    speeds = ", ".join(f"{x['name']} {x['encode_speed']:.2f}" for x in r["renditions"])
    log(f"  steadycast ladder, threads_per_stream 8 (2 x264 threads each): "
        f"{r['process_cpu_seconds']:.2f} s CPU, wall {r['process_wall_seconds']:.2f} s; "
        f"own speed per rendition: {speeds}")


def report(tool, sc_runs, ff_runs, src720, src1080):
    sc_cpu = statistics.median(r["process_cpu_seconds"] for r in sc_runs)
    ff_cpu = statistics.median(r["cpu_seconds"] for r in ff_runs)
    sc_wall = statistics.median(r["process_wall_seconds"] for r in sc_runs)
    ff_wall = statistics.median(r["wall_seconds"] for r in ff_runs)
    ratio = sc_cpu / ff_cpu
    log(f"steadycast: CPU {sc_cpu:.2f} s (pipeline only {statistics.median(r['cpu_seconds'] for r in sc_runs):.2f} s), "
        f"wall {sc_wall:.2f} s")
    log(f"ffmpeg:     CPU {ff_cpu:.2f} s, wall {ff_wall:.2f} s")
    log(f"CPU ratio steadycast/ffmpeg: {ratio:.3f} (goal <= 0.9: {'met' if ratio <= 0.9 else 'NOT met'})")
    with_src = run_steadycast(tool, src1080, extra=("--passthrough",))
    log(f"with the passthrough rung (default ladder src+720/480/360/240): CPU "
        f"{with_src['process_cpu_seconds']:.2f} s, ratio {with_src['process_cpu_seconds'] / ff_cpu:.3f}")
    runs = len(sc_runs)
    r720 = [run_steadycast(tool, src720) for _ in range(runs)]
    # PlanLadder keeps a rung equal to the source's size (it only skips larger ones), so the
    # default ladder of a 720p source is src + a transcoded 720p + the lower rungs.
    lower = json.dumps([{"height": h, "video_kbps": k} for _, _, h, k in RUNGS[1:]])
    r720_lower = [run_steadycast(tool, src720, extra=("--ladder", lower)) for _ in range(runs)]
    log(f"steadycast real-time factor (media s / wall s; median, best of {runs}; "
        f"{os.cpu_count()} cores, load average now {os.getloadavg()[0]:.2f}):")
    for label, rs in [("1080p30 source", sc_runs), ("720p30 source", r720),
                      ("720p30 source without the same-size rung", r720_lower)]:
        names = "/".join(r["name"] for r in rs[0]["renditions"])
        rt = [r["realtime_factor"] for r in rs]
        cpu = statistics.median(r["process_cpu_seconds"] for r in rs)
        log(f"  {label} ({names}): {statistics.median(rt):.2f}x, best {max(rt):.2f}x; "
            f"CPU {cpu:.2f} s")

if __name__ == "__main__":
    main()
