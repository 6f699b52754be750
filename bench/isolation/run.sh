#!/usr/bin/env bash
# Transcoder isolation cost: the default ladder with transcode.isolation thread vs process.
# Usage: bench/isolation/run.sh [path/to/steadycast]   # env: RUNS=2 MEDIA_SECONDS=30 PRESET=veryfast
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec python3 "$here/isolation.py" "${1:-$here/../../build/steadycast}"
