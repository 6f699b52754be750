"""ABR ladder end to end: a live RTMP publish is delivered as a ladder of aligned
renditions. A 1280x720 source gives src + 720p/480p/360p/240p (no upscaled 1080p), a 640x360
source src + 360p/240p. For every rendition: the master's RESOLUTION matches the decoded frames,
CODECS matches the SPS in its init segment, ffmpeg decodes it with zero error lines, segment
counts are equal, durations equal within one frame, and every segment starts with an IDR at
the same presentation time in every rendition."""

import re
import subprocess
import time
import urllib.request

from harness import Server, count_decoded_frames, ffmpeg_publish_args, log, run_test

FRAME = 1 / 30


def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read()


def parse_master(text):
    variants = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("#EXT-X-STREAM-INF:"):
            attrs = dict(re.findall(r'([A-Z-]+)=("[^"]*"|[^,]*)', line.split(":", 1)[1]))
            attrs = {k: v.strip('"') for k, v in attrs.items()}
            attrs["URI"] = lines[i + 1]
            variants.append(attrs)
    return variants


def avc1_from_init(data):
    """RFC 6381 avc1 string from the avcC box of an init segment."""
    at = data.find(b"avcC")
    assert at > 0, "no avcC in the init segment"
    profile, compat, level = data[at + 5], data[at + 6], data[at + 7]
    return f"avc1.{profile:02x}{compat:02x}{level:02x}"


def keyframe_times(url):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries",
                          "frame=key_frame,pts_time,width,height", "-of", "csv=p=0", url],
                         capture_output=True, timeout=120).stdout.decode()
    keys, sizes = [], set()
    for line in out.splitlines():
        parts = line.split(",")
        if len(parts) < 4:
            continue
        key, pts, width, height = parts[0], parts[1], parts[2], parts[3]
        sizes.add((int(width), int(height)))
        if key == "1":
            keys.append(round(float(pts), 3))
    return keys, sizes


def check_ladder(server, stream, expected_names):
    master = server.wait_for_playlist(stream, timeout=30)
    pb = stream["playback_ids"][0]["id"]
    # Let the publisher finish: with reconnect_window 0 the playlists end with ENDLIST.
    variants = parse_master(master)
    names = [v["URI"].split("/")[1] for v in variants]
    log("variants:", [(n, v["RESOLUTION"], v["BANDWIDTH"], v["CODECS"]) for n, v in
                      zip(names, variants)])
    assert sorted(names) == sorted(expected_names), names
    bandwidths = [int(v["BANDWIDTH"]) for v in variants]
    assert bandwidths == sorted(bandwidths), bandwidths
    for v in variants:
        assert "FRAME-RATE" in v and "AVERAGE-BANDWIDTH" in v and "mp4a.40.2" in v["CODECS"], v
    return variants, pb


def check_renditions(server, pb, variants, expected_frames, dropped):
    durations, keyframes = {}, {}
    for v in variants:
        name = v["URI"].split("/")[1]
        media_url = server.url(f"/hls/{pb}/{name}/index.m3u8")
        deadline = time.time() + 15  # the server sees the publisher leave a moment later
        media = fetch(media_url).decode()
        while "#EXT-X-ENDLIST" not in media and time.time() < deadline:
            time.sleep(0.2)
            media = fetch(media_url).decode()
        assert "#EXT-X-ENDLIST" in media, media
        init_uri = re.search(r'#EXT-X-MAP:URI="([^"]+)"', media).group(1)
        init = fetch(server.url(f"/hls/{pb}/{name}/{init_uri}"))
        assert v["CODECS"].split(",")[0] == avc1_from_init(init), (name, v["CODECS"])
        durations[name] = [float(d) for d in re.findall(r"#EXTINF:([0-9.]+),", media)]
        frames, errors = count_decoded_frames(media_url)
        log(f"{name}: {frames} frames, {len(durations[name])} segments, errors {errors[:3]}")
        assert errors == [], (name, errors)
        assert frames >= 0.9 * expected_frames, (name, frames)
        keys, sizes = keyframe_times(media_url)
        width, height = (int(x) for x in v["RESOLUTION"].split("x"))
        assert sizes == {(width, height)}, (name, sizes, v["RESOLUTION"])
        keyframes[name] = keys
    counts = {n: len(d) for n, d in durations.items()}
    assert len(set(counts.values())) == 1, counts
    # A rendition that fell behind on a busy machine drops frames from its queue instead of
    # growing memory (frames_dropped in health); its segments are shorter by at most those.
    slack = FRAME * (1 + max(dropped.values(), default=0)) + 0.002
    for i in range(len(next(iter(durations.values())))):
        column = [d[i] for d in durations.values()]
        assert max(column) - min(column) <= slack, (i, durations, dropped)
    # An IDR starts every segment, at the same time in every rendition.
    reference = next(iter(keyframes.values()))
    for name, keys in keyframes.items():
        assert keys == reference, (name, keys, reference)
        assert len(keys) == counts[name], (name, len(keys), counts[name])


def publish_and_check(server, size, expected_names, seconds):
    stream = server.create_stream(ladder="default")
    publisher = subprocess.Popen(
        ffmpeg_publish_args(server.rtmp_url(stream["stream_key"]), seconds=seconds, size=size),
        stderr=subprocess.PIPE)
    variants, pb = check_ladder(server, stream, expected_names)
    health = server.api("GET", f"/v1/live-streams/{stream['id']}/health")["data"]
    assert sorted(r["name"] for r in health["renditions"]) == sorted(expected_names), health
    assert all(r["encode_speed"] > 0 for r in health["renditions"] if not r["passthrough"]), health
    metrics = server.request("GET", "/metrics", auth=False)[2].decode()
    assert f'steadycast_rendition_bandwidth_bits{{live_stream_id="{stream["id"]}",rendition="240p"}}' \
        in metrics, metrics[-2000:]
    _, err = publisher.communicate(timeout=seconds + 60)
    assert publisher.returncode == 0, err.decode()
    # The server sees the publisher leave and the renditions drain; ENDLIST comes after the
    # drain, and the health's figures are then those at its end.
    names = [v["URI"].split("/")[1] for v in variants]
    deadline = time.time() + 15
    while time.time() < deadline and not all(
            b"#EXT-X-ENDLIST" in fetch(server.url(f"/hls/{pb}/{n}/index.m3u8")) for n in names):
        time.sleep(0.2)
    final = server.api("GET", f"/v1/live-streams/{stream['id']}/health")["data"]
    dropped = {r["name"]: r.get("frames_dropped", 0) for r in final["renditions"]}
    log(f"frames dropped per rendition: {dropped}")
    check_renditions(server, pb, variants, seconds * 30, dropped)


def test_abr_ladder():
    with Server("--transcode-preset", "ultrafast") as server:
        publish_and_check(server, "1280x720", ["src", "720p", "480p", "360p", "240p"], 10)
        publish_and_check(server, "640x360", ["src", "360p", "240p"], 8)


if __name__ == "__main__":
    run_test(test_abr_ladder)
