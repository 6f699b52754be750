#!/usr/bin/env bash
# Installs the pinned npm packages: hls.js and uPlot (compiled into the binary for the web player
# and dashboard) and playwright-core (browser tests), from package-lock.json, only when
# node_modules is missing or stale.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -f package-lock.json ]] || exit 0
stamp=node_modules/.steadycast-lock
if [[ -f $stamp ]] && cmp -s package-lock.json "$stamp"; then exit 0; fi
npm ci --no-audit --no-fund --loglevel=error
cp package-lock.json "$stamp"
