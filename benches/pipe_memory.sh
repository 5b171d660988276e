#!/usr/bin/env bash
# Pipe mode on a long stdin: stream a dump N times through
# `callint check --format jsonl --emit-call-summary -` and check that the peak
# memory (GNU time's maximum RSS) does not grow with the stream.
#
#   benches/pipe_memory.sh                  # 5M dump, 1x and 10x
#   SIZE=100M TIMES=10 benches/pipe_memory.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${SIZE:-5M}
TIMES=${TIMES:-10}
LIMIT_MB=${LIMIT_MB:-300}
CALLINT=${CALLINT:-target/release/callint}
DATA=target/bench-data/spark-$SIZE-s.jsonl
[ -x "$CALLINT" ] || cargo build --release --locked -q
[ -s "$DATA" ] || python3 benches/gen_corpus.py --size "$SIZE" --seed s -o "$DATA"
run() {
  local times=$1 log
  log=$(mktemp)
  for _ in $(seq "$times"); do cat "$DATA"; done \
    | /usr/bin/time -v "$CALLINT" check --format jsonl --emit-call-summary --exit-zero --quiet - 2>"$log" \
    | wc -l >/dev/null
  local rss wall
  rss=$(awk -F': ' '/Maximum resident/ {print int($2/1024)}' "$log")
  wall=$(awk -F': ' '/Elapsed/ {print $2}' "$log")
  rm -f "$log"
  echo "   ${times} x $SIZE: max RSS ${rss} MB, ${wall} wall" >&2
  echo "$rss"
}
one=$(run 1)
many=$(run "$TIMES")
# Bounded: the long stream may not need more than the short one plus slack.
if [ "$many" -le $((one + 64)) ] && [ "$many" -le "$LIMIT_MB" ]; then
  echo "pipe_memory: 1 passed, 0 failed"
else
  echo "pipe_memory: 0 passed, 1 failed (RSS ${one} MB -> ${many} MB)"
  exit 1
fi
