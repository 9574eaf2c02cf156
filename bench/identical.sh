#!/usr/bin/env bash
# Checks that two builds of tessera give byte-identical results on the
# shared corpora: index files of Reuters-21578, every JSON Lines table of
# `tessera scan` on it, `tessera trace --format jsonl` and `--format json`
# of the reuse-dev queries, `tessera eval`, `tessera align` and the demo's JSON
# report.
#
#   bench/identical.sh REV                 # build REV in a git worktree, compare with this checkout
#   BASE_BIN=path/to/tessera bench/identical.sh   # compare with an existing binary
#
# Known, intended differences can be listed in IGNORE (a regular expression
# matched against the relative file names), for example a table whose missing
# outlet convention changed on purpose. Exits 1 when any output differs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DATA="${TESSERA_DATA:-../shared/data}"
REUTERS="$DATA/reuters21578/reuters21578.jsonl"
DEV="$DATA/reuse-dev"
[ -f "$REUTERS" ] && [ -f "$DEV/queries.jsonl" ] || {
    echo "identical.sh: shared data not found in $DATA (set TESSERA_DATA)" >&2
    exit 2
}

WORK="$(mktemp -d "${TMPDIR:-/tmp}/tessera-identical.XXXXXX")"
cleanup() {
    if [ -n "${WORKTREE:-}" ]; then git worktree remove --force "$WORKTREE" >/dev/null 2>&1 || true; fi
    rm -rf -- "$WORK"
}
trap cleanup EXIT

cargo build --release --quiet -p tessera-cli
NEW_BIN="${CARGO_TARGET_DIR:-target}/release/tessera"

if [ -z "${BASE_BIN:-}" ]; then
    REV="${1:?usage: bench/identical.sh REV (or BASE_BIN=binary bench/identical.sh)}"
    WORKTREE="$WORK/base-src"
    git worktree add --detach --quiet "$WORKTREE" "$REV"
    # The baseline builds into its own target folder, kept between runs.
    BASE_TARGET="${BASE_TARGET:-target/identical-base}"
    mkdir -p "$BASE_TARGET"
    BASE_TARGET="$(cd "$BASE_TARGET" && pwd)"
    (cd "$WORKTREE" && CARGO_TARGET_DIR="$BASE_TARGET" cargo build --release --quiet -p tessera-cli)
    BASE_BIN="$BASE_TARGET/release/tessera"
fi

run_all() { # BIN OUT
    local bin="$1" out="$2"
    mkdir -p "$out"
    # Index files: Reuters bodies, one thread and two.
    "$bin" -q index add "$REUTERS" --index "$out/reuters.idx" --threads 2 || [ $? -eq 3 ]
    # Scan tables (JSON Lines; Parquet carries writer metadata and is compared by content in tests).
    "$bin" -q scan --index "$out/reuters.idx" --out "$out/scan" --threads 2 >/dev/null
    rm -rf "$out/scan/.scan" "$out/scan"/*.parquet
    python3 - "$out/scan/summary.json" <<'PY'
import json, sys
p = sys.argv[1]
s = json.load(open(p))
def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if "second" not in k and k not in ("seconds", "elapsed")}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v
json.dump(strip(s), open(p, "w"), indent=1, sort_keys=True)
PY
    # Trace reports of reuse-dev.
    "$bin" -q index add "$DEV/sources.jsonl" --index "$out/dev.idx" || [ $? -eq 3 ]
    "$bin" -q trace --jsonl "$DEV/queries.jsonl" --index "$out/dev.idx" --format jsonl > "$out/trace.jsonl"
    head -n 40 "$DEV/queries.jsonl" > "$out/q40.jsonl"
    "$bin" -q trace --jsonl "$out/q40.jsonl" --index "$out/dev.idx" --format json > "$out/trace-reports.json"
    "$bin" -q trace --id "$(head -n1 "$DEV/sources.jsonl" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["id"])')" \
        --index "$out/dev.idx" --format json > "$out/trace-id.json"
    rm -f "$out/q40.jsonl"
    # Evaluation, alignment of two texts, the demo.
    "$bin" -q eval --gold "$DEV" --format json > "$out/eval.json"
    "$bin" -q demo --format json --data "$DATA" > "$out/demo.json"
    # The manifest names the tessera version that wrote it (and so its
    # checksum differs): compare its body without that line.
    for idx in "$out/reuters.idx" "$out/dev.idx"; do
        rm -f "$idx/LOCK"
        sed -n '2,$p' "$idx/MANIFEST" | grep -v '"written_by"' > "$idx/MANIFEST.body"
        rm -f "$idx/MANIFEST"
    done
}

echo "baseline: $BASE_BIN" >&2
run_all "$BASE_BIN" "$WORK/base"
echo "this checkout: $NEW_BIN" >&2
run_all "$NEW_BIN" "$WORK/new"

status=0
while IFS= read -r f; do
    rel="${f#"$WORK/base/"}"
    if [ -n "${IGNORE:-}" ] && [[ "$rel" =~ $IGNORE ]]; then
        cmp -s "$f" "$WORK/new/$rel" || echo "differs (ignored): $rel"
        continue
    fi
    if ! cmp -s "$f" "$WORK/new/$rel"; then
        echo "DIFFERS: $rel"
        status=1
    fi
done < <(find "$WORK/base" -type f | sort)
while IFS= read -r f; do
    rel="${f#"$WORK/new/"}"
    [ -e "$WORK/base/$rel" ] || { echo "only in this checkout: $rel"; status=1; }
done < <(find "$WORK/new" -type f | sort)
n=$(find "$WORK/base" -type f | wc -l)
if [ "$status" -eq 0 ]; then echo "identical: $n files"; else echo "some of $n files differ"; fi
exit "$status"
