#!/usr/bin/env bash
# clang-tidy (.clang-tidy, every finding an error) on the C++ sources this branch changed:
# the .cc files under src/ (not tests or fuzz targets) that differ from the base, with
# diagnostics limited to the changed files themselves (a finding in an untouched header is
# not this change's). The base is
# $TIDY_BASE, else the merge-base with origin/main, else HEAD~1. Run by `make test`; a
# branch without changed sources (a fresh clone of main) checks nothing.
# Usage: scripts/tidy-changed.sh BUILD_DIR
set -euo pipefail
build="${1:-build}"
cd "$(dirname "$0")/.."
base="${TIDY_BASE:-}"
if [ -z "$base" ]; then
  base="$(git merge-base HEAD origin/main 2>/dev/null || git rev-parse -q --verify HEAD~1 || true)"
fi
if [ -z "$base" ]; then
  echo "tidy: no base to compare with; nothing checked"
  exit 0
fi
mapfile -t changed < <(git diff --name-only --diff-filter=AM "$base" -- 'src/*.cc' 'src/*.h' |
                       grep -v -e '_fuzz\.cc$' -e '_test\.cc$' || true)
sources=()
for f in "${changed[@]}"; do
  [[ "$f" == *.cc ]] && sources+=("$f")
done
if [ ${#sources[@]} -eq 0 ]; then
  echo "tidy: no C++ source changed since ${base:0:12}; nothing checked"
  exit 0
fi
# Only the changed files' own diagnostics: their paths as the header filter.
filter="$(printf '%s\n' "${changed[@]}" | sed 's/[.[\*^$()+?{}|]/\\&/g' | paste -sd '|')"
echo "tidy: ${#sources[@]} changed source file(s) since ${base:0:12}"
printf '%s\n' "${sources[@]}" |
  xargs -P "$(nproc)" -n 2 clang-tidy -p "$build" --quiet --warnings-as-errors='*' \
    --extra-arg=-Wno-unknown-warning-option \
    --header-filter="($filter)$" 2> >(grep -v 'warnings generated\.$' >&2)
