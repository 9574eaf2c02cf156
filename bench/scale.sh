#!/usr/bin/env bash
# Scale benchmark of `tessera scan`: synthetic corpora of growing size made
# by tessera-gen from Reuters-21578 (wires, syndication, content farms that
# stitch and spin, boilerplate), indexed and scanned on this machine; wall
# time, CPU time, peak memory and throughput per size, and the recall of the
# generator's truth (bench/scale_recall.py).
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
command -v /usr/bin/time >/dev/null || { echo "error: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
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
  bytes=$(stat -c %s "$dir/corpus.jsonl")
  /usr/bin/time -f '%e %U %S %M' -o "$dir/index.time" "$bin" index add "$dir/corpus.jsonl" --index "$dir/index" -q || [ $? -eq 3 ]
  /usr/bin/time -f '%e %U %S %M' -o "$dir/scan.time" "$bin" scan --index "$dir/index" --out "$dir/out" -q
  read -r iw iu is im < "$dir/index.time"
  read -r sw su ss sm < "$dir/scan.time"
  python3 - "$dir" "$n" "$bytes" "$iw" "$iu" "$is" "$im" "$sw" "$su" "$ss" "$sm" <<'PY'
import json, sys
d, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
iw, iu, is_, im, sw, su, ss, sm = map(float, sys.argv[4:12])
s = json.load(open(f"{d}/out/summary.json"))
print(f"== {n} articles, {size / 1e9:.2f} GB of JSON Lines")
print(f"index add: {iw:.1f} s wall, {iu + is_:.1f} s CPU, peak RSS {im / 1048576:.2f} GiB")
print(f"scan:      {sw:.1f} s wall, {su + ss:.1f} s CPU, peak RSS {sm / 1048576:.2f} GiB")
print(f"total:     {iw + sw:.1f} s wall ({(iw + sw) / 60:.1f} min), {n / (iw + sw):.0f} articles/s, "
      f"{size / 1e6 / (iw + sw):.1f} MB/s")
stages = ", ".join(f"{k} {v:.1f} s" for k, v in s["seconds"].items())
print(f"scan stages: {stages}")
print(f"near-duplicate clusters {s['neardup_clusters']} ({s['neardup_documents']} documents); "
      f"candidates aligned {s['candidates_aligned']}; pairs {s['pairs']}; reuse clusters {s['reuse_clusters']} "
      f"({s['boilerplate_clusters']} boilerplate); candidate table {s.get('table_fingerprints', 0)} fingerprints, "
      f"{s.get('table_bytes', 0) / 2**20:.0f} MiB; spilled runs {s['spilled_runs']}")
PY
  python3 bench/scale_recall.py "$dir/truth.jsonl" "$dir/out"
  [ "$keep" = 1 ] || rm -rf "$dir"
done
