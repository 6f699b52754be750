"""A/V sync measurement for tests/integration/test_hls_av_sync.py (standard library only).

The publisher (`flash_beep_publish_args`) sends a picture that is black except for a white
flash at every whole second of its timeline (frames with mod(t, 1) < 0.1) and a 1 kHz tone at
the same instants (samples with mod(t, 1) < 0.1, silence otherwise), so a flash onset and a
beep onset mark the same instant of the source.

Each player writes what it decoded with its own timestamps (ffmpeg analyses the stream
directly; GStreamer and VLC write a Matroska file, then analysed the same way). `analyse` runs
ffmpeg over the capture: `showinfo` after a 16x16 gray scale prints each picture's pts_time and
mean luma (flash onset: the first white picture after a black one), `silencedetect` prints where
each silence ends (beep onset, sample-accurate). `pair_offsets` pairs each flash onset with the
beep onset nearest to it: offset = beep − flash (positive: the sound comes late).
"""

import os
import re
import signal
import statistics
import subprocess
import time

FPS = 30
FLASH_EXPR = "lt(mod(t\\,1)\\,0.1)"  # commas escaped for the lavfi graph parser
WHITE_LUMA = 128                      # between black (5/16) and white (235/255) in any range
SILENCE_DB = -20                      # the tone is at -6 dBFS; AAC-coded silence far below
MIN_SILENCE_S = 0.3                   # silences last 0.9 s
PAIR_WINDOW_S = 0.4                   # a flash and a beep further apart are not one event


def flash_beep_publish_args(url, seconds, size="640x360"):
    """ffmpeg publishing the flash/beep source in real time over RTMP (FLV)."""
    video = (f"color=c=black:s={size}:r={FPS},"
             f"drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='{FLASH_EXPR}'")
    audio = f"aevalsrc=exprs='0.5*sin(2*PI*1000*t)*{FLASH_EXPR}':s=48000:c=mono"
    return ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re",
            "-f", "lavfi", "-i", video, "-f", "lavfi", "-i", audio,
            "-t", str(seconds), "-c:v", "libx264", "-preset", "veryfast", "-g", str(2 * FPS),
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k", "-f", "flv", url]


def reference_file_args(path, seconds, audio_delay_ms):
    """ffmpeg arguments writing the flash/beep source (160x90, no -re) to a Matroska file with
    the sound delayed by `audio_delay_ms`: a known offset for checking the analysis itself."""
    video = (f"color=c=black:s=160x90:r={FPS},"
             f"drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='{FLASH_EXPR}'")
    audio = (f"aevalsrc=exprs='0.5*sin(2*PI*1000*t)*{FLASH_EXPR}':s=48000:c=mono,"
             f"adelay={audio_delay_ms}")
    return ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
            "-f", "lavfi", "-i", video, "-f", "lavfi", "-i", audio, "-t", str(seconds),
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-c:a", "pcm_s16le", path]


def analyse_args(source, seconds, videos=1, input_args=()):
    """ffmpeg arguments that decode `seconds` of the first `videos` video streams and the first
    audio stream of `source` and print each picture's luma and the silence boundaries."""
    chains = [f"[0:v:{i}]scale=16:16,format=gray,showinfo[v{i}]" for i in range(videos)]
    graph = ";".join(chains + [f"[0:a:0]silencedetect=n={SILENCE_DB}dB:d={MIN_SILENCE_S}[a]"])
    outputs = []
    for label in [f"[v{i}]" for i in range(videos)] + ["[a]"]:
        outputs += ["-map", label, "-t", str(seconds), "-f", "null", "-"]
    return (["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "info"] + list(input_args) +
            ["-i", source, "-filter_complex", graph] + outputs)


# Filters of the graph are numbered in order: scale, format, showinfo per video stream, so
# video stream i's showinfo is Parsed_showinfo_{3i+2}.
SHOWINFO = re.compile(r"Parsed_showinfo_(\d+) .*\sn:\s*\d+\s+pts:\s*-?\d+\s+"
                      r"pts_time:(-?[\d.]+).*\smean:\[(\d+)")
SILENCE_END = re.compile(r"silence_end: (-?[\d.]+)")
VIDEO_STREAM = re.compile(r"Stream #0:\d+.*: Video: .*?, (\d+)x(\d+)")


def parse_analysis(stderr, videos=1):
    """([pictures [(pts_time, mean luma)] per video stream], beep onsets [s])."""
    pictures = [[] for _ in range(videos)]
    for m in SHOWINFO.finditer(stderr):
        index = (int(m.group(1)) - 2) // 3
        if 0 <= index < videos:
            pictures[index].append((float(m.group(2)), int(m.group(3))))
    beeps = [float(m.group(1)) for m in SILENCE_END.finditer(stderr)]
    return pictures, beeps


def flash_onsets(pictures):
    """pts of every white picture whose predecessor (at most 2 frames earlier) is black."""
    onsets = []
    for (t0, y0), (t1, y1) in zip(pictures, pictures[1:]):
        if y0 < WHITE_LUMA <= y1 and t1 - t0 <= 2.5 / FPS:
            onsets.append(t1)
    return onsets


def pair_offsets(flashes, beeps):
    """beep − flash (s) for each flash with a beep within PAIR_WINDOW_S."""
    offsets = []
    for f in flashes:
        near = min(beeps, key=lambda b: abs(b - f), default=None)
        if near is not None and abs(near - f) <= PAIR_WINDOW_S:
            offsets.append(near - f)
    return offsets


def analyse(source, seconds, videos=1, input_args=(), timeout=60):
    """Runs the analysis over a file or URL. Returns {"beeps": [...], "videos": [per video
    stream: {"size", "pictures", "flashes", "offsets"}], "rc", "stderr_tail"}."""
    proc = subprocess.run(analyse_args(source, seconds, videos, input_args),
                          capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
    stderr = proc.stderr.decode(errors="replace")
    pictures, beeps = parse_analysis(stderr, videos)
    # The input's video streams in order (what 0:v:i is), from ffmpeg's stream listing.
    head = stderr.split("Stream mapping:")[0]
    sizes = [f"{m.group(1)}x{m.group(2)}" for m in VIDEO_STREAM.finditer(head)]
    result = {"rc": proc.returncode, "beeps": beeps, "videos": [],
              "stderr_tail": stderr[-1500:]}
    for i in range(videos):
        flashes = flash_onsets(pictures[i])
        result["videos"].append({"size": sizes[i] if i < len(sizes) else None,
                                 "pictures": len(pictures[i]), "flashes": flashes,
                                 "offsets": pair_offsets(flashes, beeps)})
    return result


def summary(offsets):
    """(median, largest |offset|) in milliseconds, or (None, None)."""
    if not offsets:
        return None, None
    return (round(statistics.median(offsets) * 1000, 1),
            round(max(abs(o) for o in offsets) * 1000, 1))


def stop(proc, sig=signal.SIGINT, grace=5):
    """Sends `sig` to the process group of `proc` (started with start_new_session=True), then
    SIGKILL if it has not exited within `grace` seconds."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()


def gst_capture_args(uri, path):
    """GStreamer: uridecodebin (what playbin uses: hlsdemux with the audio rendition) decodes
    both streams; the picture becomes 16x16 GRAY8, the sound mono S16LE, and matroskamux
    writes them with their running times (the times GStreamer's sinks synchronise on).
    connection-speed is pinned (the top variant, no switching): a variant switch makes
    hlsdemux expose a new pad, which playbin relinks but a gst-launch line cannot
    ("streaming stopped, reason not-linked")."""
    return ["gst-launch-1.0", "-q", "uridecodebin", f"uri={uri}", "connection-speed=100000",
            "name=d",
            "d.", "!", "queue", "!", "videoconvert", "!", "videoscale", "!",
            "video/x-raw,format=GRAY8,width=16,height=16", "!", "queue", "!", "mux.",
            "d.", "!", "queue", "!", "audioconvert", "!", "audioresample", "!",
            "audio/x-raw,format=S16LE,channels=1,rate=48000", "!", "queue", "!",
            "matroskamux", "name=mux", "!", "filesink", f"location={path}"]


def vlc_capture_args(uri, path, home, seconds):
    """VLC (as the unprivileged user `nobody`: VLC refuses to run as root): its adaptive
    demuxer reads the master with the audio rendition; the sound is decoded to PCM by VLC, the
    picture kept as demuxed (VLC's own video transcoder resamples the frame rate, which moves
    pictures by up to a frame), both written to Matroska with VLC's timestamps."""
    sout = ("#transcode{acodec=s16l,channels=1,samplerate=48000}"
            f":std{{access=file,mux=mkv,dst={path}}}")
    return ["runuser", "-u", "nobody", "--", "env", f"HOME={home}", "cvlc", "-q", "--no-color",
            uri, "--sout", sout, f"--run-time={seconds}", "vlc://quit"]


def run_capture(args, seconds, log_path, stop_signal=signal.SIGINT):
    """Starts a capture (its output to `log_path`), lets it run `seconds` or until it exits,
    then stops it; returns (exit code, the log's tail)."""
    with open(log_path, "wb") as logfile:
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=logfile, stderr=logfile,
                                start_new_session=True)
        deadline = time.time() + seconds
        try:
            while time.time() < deadline and proc.poll() is None:
                time.sleep(0.2)
        finally:
            stop(proc, stop_signal)
    with open(log_path, "rb") as f:
        return proc.returncode, f.read().decode(errors="replace")[-1500:]
