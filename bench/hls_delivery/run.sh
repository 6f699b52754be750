#!/usr/bin/env bash
# bench/hls_delivery: the same playlist and segment bytes served by steadycast (from its
# in-memory window, with a live ffmpeg publisher) and by nginx (static files on disk), loaded
# with wrk at equal concurrency in one run. Prints requests/s and the ratio steadycast/nginx
# for a playlist-only and a segment-only mix.
# Usage: bench/hls_delivery/run.sh path/to/steadycast   (env: DURATION=10 CONNECTIONS=64)
set -euo pipefail
exec python3 "$(dirname "$0")/hls_delivery.py" "$@"
