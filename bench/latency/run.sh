#!/usr/bin/env bash
# bench/latency: how soon a segment is listed (P4a availability delay) and how far behind the
# camera a viewer is (P4b glass-to-glass latency), steadycast against nginx-rtmp in one run on
# loopback. Prints the figures, the ratios and the goals. See README.md beside this file.
# Usage: bench/latency/run.sh [path/to/steadycast]
#   env: PHASES=p4a,p4b P4A_SECONDS=48 POLL_MS=1 WARMUP_SECONDS=5 MEASURE_SECONDS=20
#        SEGMENT_SECONDS=2
#        ROWS=... RESULT_FILE=... KEEP=0 LATENCY_TIMEOUT=480 (seconds, the whole run)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# `timeout` runs the bench in a process group of its own and signals the whole group when the
# time is up; the trap passes an interrupt on, so every server, publisher and browser stops.
timeout -k 15 "${LATENCY_TIMEOUT:-480}" python3 "$here/latency.py" "$@" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' INT TERM
trap 'kill -TERM "$pid" 2>/dev/null || true' EXIT
wait "$pid"
