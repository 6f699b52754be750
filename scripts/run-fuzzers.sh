#!/usr/bin/env bash
# Runs every libFuzzer target listed in BUILD_DIR/fuzzers.txt for SECONDS each, starting from its
# committed corpus. New inputs go to fuzz-out/<target>/ (not committed); a crash leaves its
# input there as crash-* and makes this script fail — turn it into a named regression test.
# Usage: scripts/run-fuzzers.sh BUILD_DIR SECONDS
set -euo pipefail
dir=$1
secs=${2:-60}
root="$(cd "$(dirname "$0")/.." && pwd)"
list="$dir/fuzzers.txt"
[[ -s $list ]] || { echo "no $list: configure with -DSTEADYCAST_FUZZ=ON" >&2; exit 1; }
status=0
while IFS='|' read -r name corpus; do
  [[ -n $name ]] || continue
  bin=$(find "$dir" -type f -perm -u+x -name "$name" | head -1)
  [[ -n $bin ]] || { echo "!! $name not built" >&2; status=1; continue; }
  out="$root/fuzz-out/$name"
  mkdir -p "$out"
  echo "== $name (${secs}s) corpus: ${corpus#"$root"/}"
  if ! (cd "$out" && "$bin" -max_total_time="$secs" -print_final_stats=1 "$out" "$corpus" \
          > "$out/last-run.log" 2>&1); then
    echo "!! $name found a crash: see fuzz-out/$name" >&2
    tail -20 "$out/last-run.log" >&2
    status=1
  else
    grep -E "stat::number_of_executed_units|Done [0-9]+ runs" "$out/last-run.log" | tail -1
  fi
done < "$list"
exit $status
