#!/usr/bin/env bash
# Compile time of the calculator SDK crate alone (its dependencies already built):
# touch its sources, rebuild, N times per profile; prints each time and the median.
# Usage: [PROFILES=dev] bench/scripts/sdk_compile_time.sh [N]   (uses $CARGO_TARGET_DIR)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-9}"
for profile in ${PROFILES:-dev release}; do
  flag=""; [ "$profile" = release ] && flag="--release"
  cargo build -q $flag -p calculator-sdk
  times=()
  for _ in $(seq "$runs"); do
    touch examples/calculator/calculator-sdk/src/*.rs
    start=$(date +%s.%N)
    cargo build -q $flag -p calculator-sdk
    end=$(date +%s.%N)
    times+=("$(echo "$end - $start" | bc)")
  done
  sorted=$(printf '%s\n' "${times[@]}" | sort -g)
  median=$(echo "$sorted" | sed -n "$(( (runs + 1) / 2 ))p")
  echo "calculator-sdk $profile: median ${median} s over $runs rebuilds (all: $(echo $sorted | tr '\n' ' '))"
done
