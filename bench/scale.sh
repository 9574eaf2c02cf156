#!/usr/bin/env bash
# Scale benchmark of `tessera scan`: synthetic corpora of growing size made
# by tessera-gen from Reuters-21578 (wires, syndication, content farms that
# stitch and spin, boilerplate), indexed and scanned on this machine; wall
# time, CPU time, peak memory and throughput per size, and the recall of the
# generator's truth (bench/scale_recall.py). Memory is sampled by
# bench/measure.py: the peak resident set and its anonymous part (what
# tessera allocated; the rest is the memory-mapped index, file pages the
# kernel can drop and read again).
#
#   bench/scale.sh                      # 100k and 1M articles
#   SIZES="100000 300000" bench/scale.sh
#   SCRAMBLE=0 bench/scale.sh           # tessera-gen --scramble (default 0.35)
#   WORK=/mnt/big bench/scale.sh        # where corpora and outputs go (~15 GB for 1M)
#   KEEP=1 bench/scale.sh               # keep them
#
# --scramble 0.35 replaces a third of the content words of the generated
# originals, so that unrelated originals (all made from the same 100,007
# Reuters sentences) share less text; see tessera-gen's documentation.
set -euo pipefail
cd "$(dirname "$0")/.."
data="${TESSERA_DATA:-../shared/data}"
sizes="${SIZES:-100000 1000000}"
scramble="${SCRAMBLE:-0.35}"
work="${WORK:-$(mktemp -d)}"
keep="${KEEP:-0}"
[ -f "$data/reuters21578/reuters21578.jsonl" ] || { echo "error: no Reuters corpus under $data" >&2; exit 1; }
cleanup() { [ "$keep" = 1 ] || rm -rf "$work"; }
trap cleanup EXIT

cargo build --release -q -p tessera-cli -p tessera-gen
bin=target/release/tessera
gen=target/release/tessera-gen
echo "tessera scale benchmark ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), --scramble $scramble)"
for n in $sizes; do
  dir="$work/$n"
  mkdir -p "$dir"
  "$gen" --reuters "$data/reuters21578/reuters21578.jsonl" --articles "$n" --seed 42 --scramble "$scramble" \
    --out "$dir/corpus.jsonl" --truth "$dir/truth.jsonl" --clusters "$dir/clusters.jsonl" -q
  python3 bench/measure.py "$dir/index.json" -- "$bin" index add "$dir/corpus.jsonl" --index "$dir/index" -q || [ $? -eq 3 ]
  python3 bench/measure.py "$dir/scan.json" -- "$bin" scan --index "$dir/index" --out "$dir/out" -q
  python3 bench/scale_report.py "$dir" "$n"
  python3 bench/scale_recall.py "$dir/truth.jsonl" "$dir/out"
  [ "$keep" = 1 ] || rm -rf "$dir"
done
