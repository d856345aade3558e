#!/usr/bin/env bash
# The main job, end to end: build modgen, run the ModKit calculator example out of process
# under the host (embedded directory + the module as its own process), call it through
# the directory with `cargo modgen call`, call the tally (which calls the calculator
# through its SDK), then stop everything with SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet -p cargo-modgen
modgen=target/debug/cargo-modgen
log=$(mktemp)
"$modgen" modgen run --manifest-path examples/calculator/modgen.toml >"$log" 2>&1 &
run_pid=$!
trap 'kill "$run_pid" 2>/dev/null || true; rm -f "$log"' EXIT

echo "building and starting the calculator module (first time: a few minutes)..."
for _ in $(seq 1 1200); do
  grep -q '^\[calculator\] modgen: listening on ' "$log" &&
    grep -q '^\[tally\] modgen: listening on ' "$log" && break
  kill -0 "$run_pid" 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.5
done
directory=$(sed -n 's/^modgen-host: directory listening on //p' "$log")
echo "directory: $directory"

echo '$ cargo modgen call oop.calculator.v1.CalculatorService/Add '\''{"a": 40, "b": 2}'\'''
"$modgen" modgen call --directory "$directory" oop.calculator.v1.CalculatorService/Add '{"a": 40, "b": 2}'

echo '$ cargo modgen call oop.tally.v1.TallyService/Total '\''{"values": [1, 2, 3, 4]}'\'''
"$modgen" modgen call --directory "$directory" oop.tally.v1.TallyService/Total '{"values": [1, 2, 3, 4]}'

kill -TERM "$run_pid"
wait "$run_pid"
echo "--- host output ---"
grep -v '^ *\(Compiling\|Finished\|Blocking\)' "$log"
