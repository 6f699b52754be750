#!/usr/bin/env bash
# Runs every libFuzzer target built in DIR for SECONDS each, starting from its committed corpus.
# New inputs go to fuzz-out/<target>/ (not committed); crashes are left there as crash-*.
# Usage: scripts/run-fuzzers.sh BUILD_DIR SECONDS
set -euo pipefail
dir=$1
secs=${2:-60}
root="$(cd "$(dirname "$0")/.." && pwd)"
mapfile -t fuzzers < <(find "$dir" -type f -perm -u+x -name '*_fuzz' | sort)
[[ ${#fuzzers[@]} -gt 0 ]] || { echo "no fuzz targets in $dir" >&2; exit 1; }
status=0
for f in "${fuzzers[@]}"; do
  name=$(basename "$f")
  corpus=$(find "$root/src" -type d -path "*testdata*" -name "*corpus*" | while read -r c; do
    grep -q "NAME $name " "$(dirname "$(dirname "$c")")/CMakeLists.txt" 2>/dev/null &&
      grep -q "$(basename "$c")" "$(dirname "$(dirname "$c")")/CMakeLists.txt" && echo "$c"; done | head -1)
  out="$root/fuzz-out/$name"
  mkdir -p "$out"
  echo "== $name ($secs s) corpus: ${corpus:-none}"
  if ! (cd "$out" && "$f" -max_total_time="$secs" -print_final_stats=1 "$out" ${corpus:+"$corpus"} 2>&1 | tail -5); then
    echo "!! $name found a crash: see $out" >&2
    status=1
  fi
done
exit $status
