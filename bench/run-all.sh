#!/usr/bin/env bash
# Runs every benchmark. Each prints its own figures and the ratio against its peer.
# Usage: bench/run-all.sh BUILD_DIR
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-build}"
for b in "$root"/bench/*/run.sh; do
  echo "== $(basename "$(dirname "$b")")"
  "$b" "$root/$build/steadycast"
done
