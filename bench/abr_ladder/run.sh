#!/usr/bin/env bash
# bench/abr_ladder: the same 20 s 1080p30 input through steadycast's ABR ladder
# (720/480/360/240, x264 veryfast, CMAF HLS) and through one ffmpeg process doing the same
# ladder with identical x264 settings. Prints CPU seconds of each, their ratio (goal <= 0.9)
# and steadycast's real-time factor for a 1080p30 and a 720p30 source.
# Usage: bench/abr_ladder/run.sh [path/to/steadycast]   (env: RUNS=1 MEDIA_SECONDS=20 KEEP=0)
# Needs the abr_ladder_bench target built in the same build dir (make build builds it).
set -euo pipefail
exec python3 "$(dirname "$0")/abr_ladder.py" "$@"
