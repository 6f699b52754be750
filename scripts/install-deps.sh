#!/usr/bin/env bash
# Idempotent installer of the system packages steadycast needs (Debian 12).
# Installs only what is missing; runs `apt-get update` only when something is missing.
# Usage: scripts/install-deps.sh [build|test|bench]...   (default: build test)
set -euo pipefail

groups=("$@")
[[ ${#groups[@]} -eq 0 ]] && groups=(build test)

build_pkgs=(
  cmake ninja-build ccache g++ pkg-config make
  libboost1.74-dev libssl-dev libsqlite3-dev zlib1g-dev
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libswresample-dev libx264-dev
  nlohmann-json3-dev libspdlog-dev libfmt-dev libtomlplusplus-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang clang-format clang-tidy libclang-rt-14-dev
  # SRT: the GnuTLS flavour (conflicts with libsrt-openssl-dev) is the libsrt Debian's ffmpeg
  # and srt-tools link, so one libsrt serves the server and the test publishers.
  libsrt-gnutls-dev
  # Outbound HTTP(S) calls (webhooks): libcurl, OpenSSL flavour (net/outbound_http).
  libcurl4-openssl-dev
)
test_pkgs=(
  ffmpeg gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav chromium curl python3
  srt-tools
)
bench_pkgs=(nginx-light wrk libnginx-mod-rtmp)

wanted=()
for g in "${groups[@]}"; do
  case "$g" in
    build) wanted+=("${build_pkgs[@]}") ;;
    test) wanted+=("${test_pkgs[@]}") ;;
    bench) wanted+=("${bench_pkgs[@]}") ;;
    *) echo "install-deps: unknown group '$g'" >&2; exit 2 ;;
  esac
done
# Node.js + npm: only when the machine has none (a preinstalled node is kept as it is).
if ! command -v npm >/dev/null 2>&1; then wanted+=(nodejs npm); fi

missing=()
for p in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -gt 0 ]]; then
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
