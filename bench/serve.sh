#!/usr/bin/env bash
# Load benchmark of `tessera serve`: throughput and latency of POST /v1/trace
# on an index of the 19,043 Reuters-21578 bodies, with 1, 8 and 64
# concurrent clients, then with writes mixed in. The load generator (wrk,
# Debian package `wrk`) runs on the same machine and competes for its cores.
#
#   bench/serve.sh                  # 20 s per run
#   BENCH_DURATION=60s bench/serve.sh
set -euo pipefail
cd "$(dirname "$0")/.."
data="${TESSERA_DATA:-../shared/data}"
duration="${BENCH_DURATION:-20s}"
command -v wrk >/dev/null || { echo "error: wrk is missing (apt-get install wrk)" >&2; exit 1; }
[ -f "$data/reuters21578/reuters21578.jsonl" ] || { echo "error: no Reuters corpus under $data" >&2; exit 1; }

cargo build --release -q -p tessera-cli
bin=target/release/tessera
tmp=$(mktemp -d)
srv=""
writer=""
cleanup() {
  [ -n "$writer" ] && kill "$writer" 2>/dev/null || true
  [ -n "$srv" ] && kill "$srv" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

"$bin" index add "$data/reuters21578/reuters21578.jsonl" --index "$tmp/idx" -q || [ $? -eq 3 ]

# One request body per line: the 600 reuse-dev articles.
python3 - "$data/reuse-dev/queries.jsonl" > "$tmp/bodies.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    d = json.loads(line)
    print(json.dumps({"id": d["id"], "text": d["text"]}))
PY
cat > "$tmp/trace.lua" <<LUA
local bodies = {}
for line in io.lines("$tmp/bodies.jsonl") do bodies[#bodies + 1] = line end
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i % #bodies + 1
  return wrk.format(nil, "/v1/trace", nil, bodies[i])
end
LUA

"$bin" serve --index "$tmp/idx" --addr 127.0.0.1:0 --token bench -q > "$tmp/serve.out" 2> "$tmp/serve.err" &
srv=$!
for _ in $(seq 50); do grep -q listening "$tmp/serve.out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$tmp/serve.out")
[ -n "$url" ] || { echo "error: the server did not start" >&2; cat "$tmp/serve.err" >&2; exit 1; }

echo "tessera serve load benchmark ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "index: $("$bin" index stats --index "$tmp/idx" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["documents"])') Reuters-21578 documents; requests: the 600 reuse-dev articles in turn; $duration per run"
printf '%-24s %10s %9s %9s %9s %9s %8s\n' "run" "req/s" "p50" "p90" "p99" "max" "errors"

run() {
  local label=$1 conns=$2
  local threads=$(( conns < 2 ? 1 : 2 ))
  wrk -t"$threads" -c"$conns" -d"$duration" --latency --timeout 30s -s "$tmp/trace.lua" "$url" > "$tmp/wrk.txt"
  python3 - "$tmp/wrk.txt" "$label" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def pct(p):
    m = re.search(r"^\s+%s%%\s+(\S+)" % p, text, re.M)
    return m.group(1) if m else "?"
rps = re.search(r"Requests/sec:\s+(\S+)", text)
mx = re.search(r"Latency\s+\S+\s+\S+\s+(\S+)", text)
non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
sock = re.search(r"Socket errors:.*", text)
errors = int(non2xx.group(1)) if non2xx else 0
if sock:
    errors += sum(int(n) for n in re.findall(r"\d+", sock.group(0)))
print("%-24s %10s %9s %9s %9s %9s %8d" % (sys.argv[2], rps.group(1) if rps else "?", pct(50), pct(90), pct(99), mx.group(1) if mx else "?", errors))
PY
}

run "1 client" 1
run "8 clients" 8
run "64 clients" 64

# Writes mixed in: a client adds a batch of 20 documents every 0.5 s.
python3 - "$data/reuse-dev/sources.jsonl" "$tmp/batches" <<'PY'
import json, os, sys
os.makedirs(sys.argv[2], exist_ok=True)
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
for b in range(200):
    with open(os.path.join(sys.argv[2], "%03d.jsonl" % b), "w", encoding="utf-8") as f:
        for line in lines[b * 20:(b + 1) * 20]:
            d = json.loads(line)
            d["id"] = "mixed-" + d["id"]
            f.write(json.dumps(d) + "\n")
PY
(
  ok=0; fail=0
  for f in "$tmp"/batches/*.jsonl; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Authorization: Bearer bench' -H 'Content-Type: application/x-ndjson' --data-binary @"$f" "$url/v1/documents")
    if [ "$code" = 200 ]; then ok=$((ok + 1)); else fail=$((fail + 1)); fi
    echo "$ok $fail" > "$tmp/writes"
    sleep 0.5
  done
) &
writer=$!
run "8 clients + writes" 8
kill "$writer" 2>/dev/null || true
wait "$writer" 2>/dev/null || true
writer=""
read -r ok fail < "$tmp/writes"
echo "writes during the mixed run: $ok batches of 20 documents committed, $fail failed; documents now: $(curl -s "$url/v1/health" | python3 -c 'import json,sys; print(json.load(sys.stdin)["documents"])')"
