#!/usr/bin/env bash
# bench/passthrough: N RTMP publishers passed through to HLS, steadycast ("ladder":
# "passthrough") against nginx-rtmp (`hls on`) in one run on loopback; the same tags reach
# both at the same moments and one HLS viewer per stream polls both. Prints CPU % of a core
# and RSS per stream of each server and the ratios per N. See README.md beside this file.
# Usage: bench/passthrough/run.sh [path/to/steadycast]
#   env: STREAMS=1,10,30 WARMUP_SECONDS=10 MEASURE_SECONDS=30 INPUT_SECONDS=20 INPUT_FLV=...
#        STREAMS_PER_PROCESS=10 MEASURE_HOOK=... RESULT_FILE=... KEEP=0
#        PASSTHROUGH_TIMEOUT=900 (seconds, the whole run)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# `timeout` signals the whole process group when the time is up; the trap passes an interrupt
# on, so every server, publisher and poller stops.
timeout -k 15 "${PASSTHROUGH_TIMEOUT:-900}" python3 "$here/passthrough.py" "$@" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' INT TERM
trap 'kill -TERM "$pid" 2>/dev/null || true' EXIT
wait "$pid"
