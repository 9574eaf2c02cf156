#!/usr/bin/env bash
# Corpus-level benchmark: the figures the README quotes.
#
#   bench/corpus.sh                      # data from ../shared/data
#   TESSERA_DATA=/path/to/data bench/corpus.sh
#
# Builds the release binary and the trace_latency example, then measures:
#   - indexing the 19,043 Reuters-21578 bodies with --threads 1 and 2
#     (BENCH_RUNS runs each, default 5, into fresh directories; medians),
#   - the resulting index (documents, bytes on disk),
#   - per-query trace latency of the 600 reuse-dev articles against it,
#   - accuracy on reuse-dev (`tessera eval`) and how long it took,
#   - the machine.
# Everything goes to stdout and to bench/out/corpus-<UTC date>.txt.
# Units: MB = 10^6 bytes (throughput, text size); MiB = 2^20 bytes (memory, disk).
# Nothing here asserts a timing; it only reports.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

DATA="${TESSERA_DATA:-../shared/data}"
RUNS="${BENCH_RUNS:-5}"
THREADS_LIST=(1 2)
REUTERS="$DATA/reuters21578/reuters21578.jsonl"
REUSE_DEV="$DATA/reuse-dev"
QUERIES="$REUSE_DEV/queries.jsonl"

die() {
    echo "corpus.sh: error: $*" >&2
    exit 1
}

[ -d "$DATA" ] || die "data directory '$DATA' not found (set TESSERA_DATA to the shared data directory)"
for f in "$REUTERS" "$QUERIES" "$REUSE_DEV/sources.jsonl" "$REUSE_DEV/truth.jsonl"; do
    [ -f "$f" ] || die "missing data file '$f' (TESSERA_DATA=$DATA)"
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive integer, not '$RUNS'"

# GNU time gives wall, user, sys and peak RSS; without it, fall back to
# bash's `time` (no peak RSS).
GNU_TIME=""
if [ -x /usr/bin/time ] && /usr/bin/time -f '%e' -o /dev/null true 2>/dev/null; then
    GNU_TIME=/usr/bin/time
fi

OUTDIR=bench/out
mkdir -p "$OUTDIR"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="$OUTDIR/corpus-$STAMP.txt"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/tessera-bench.XXXXXX")"

cleanup() {
    local rc=$?
    rm -rf -- "$WORK"
    if [ "$rc" -ne 0 ] && [ -f "$OUT" ]; then
        mv -f -- "$OUT" "$OUT.failed"
        echo "corpus.sh: failed (status $rc); partial output in $OUT.failed" >&2
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "building release binaries..." >&2
cargo build --release --quiet
cargo build --release --quiet -p tessera --example trace_latency
TARGET="${CARGO_TARGET_DIR:-target}"
BIN="$TARGET/release/tessera"
EXAMPLE="$TARGET/release/examples/trace_latency"
[ -x "$BIN" ] || die "$BIN was not built"
[ -x "$EXAMPLE" ] || die "$EXAMPLE was not built"

# --- helpers -----------------------------------------------------------------

# timed RESULT_FILE OK_CODES CMD...: runs CMD, writes "wall user sys maxrss_kb"
# (maxrss "NA" without GNU time) to RESULT_FILE. OK_CODES is a space-separated
# list of acceptable exit statuses (`tessera index add` exits 3 when it skipped
# records, which Reuters' empty bodies are).
timed() {
    local res=$1 ok=$2 rc=0
    shift 2
    if [ -n "$GNU_TIME" ]; then
        "$GNU_TIME" -f '%e %U %S %M' -o "$res.raw" "$@" 2>"$res.err" || rc=$?
        # GNU time prepends "Command exited with non-zero status N" on failure.
        tail -n 1 "$res.raw" >"$res"
    else
        local TIMEFORMAT='%R %U %S'
        { time "$@" 2>"$res.err"; } 2>"$res.raw" || rc=$?
        echo "$(tail -n 1 "$res.raw") NA" >"$res"
    fi
    if [[ " $ok " != *" $rc "* ]]; then
        echo "command failed with status $rc: $*" >&2
        cat "$res.err" >&2
        return 1
    fi
}

# median VALUES...: the median (mean of the middle two for an even count).
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
        END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# calc EXPR: floating-point arithmetic via awk ("NA" if any operand is NA).
calc() {
    case "$1" in
    *NA*) echo NA ;;
    *) awk "BEGIN { printf \"%.${2:-2}f\", $1 }" ;;
    esac
}

# json_field FILE KEY: a top-level number of `tessera index stats --json`
# (pretty-printed, so top-level keys are indented by two spaces).
json_field() {
    local v
    v="$(sed -n "s/^  \"$2\": \([0-9][0-9.]*\),\{0,1\}$/\1/p" "$1" | head -n 1)"
    [ -n "$v" ] || die "field '$2' not found in $1"
    echo "$v"
}

# kv FILE KEY: the value of a "key: value" line of trace_latency's output.
kv() {
    awk -v k="$2:" '$1 == k { print $2; exit }' "$1"
}

row() { printf '  %-34s %s\n' "$1" "$2"; }

# --- the benchmark -----------------------------------------------------------

main() {
    echo "tessera corpus benchmark  ($(date -u '+%Y-%m-%d %H:%M:%S UTC'))"
    echo
    echo "== Machine =="
    row "date (UTC):" "$(date -u)"
    row "cores (nproc):" "$(nproc)"
    row "CPU:" "$(grep -m 1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    row "memory:" "$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
    row "kernel:" "$(uname -sr)"
    row "rustc:" "$(rustc --version)"
    local commit
    commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
        commit="$commit (with uncommitted changes)"
    fi
    row "tessera commit:" "$commit"
    row "timer:" "${GNU_TIME:-bash time (no peak RSS)}"
    echo

    # Indexing.
    echo "== Indexing Reuters-21578 bodies ($REUTERS) =="
    echo "  $RUNS runs per thread count (after one untimed warm-up run), each into a fresh"
    echo "  directory; medians reported."
    echo "  CPU = user + sys. MB/s per core = text MB / CPU seconds."
    local keep="" text_bytes="" documents="" sizes=()
    # One untimed run first, so that every timed run finds the input and the
    # binary in the page cache.
    timed "$WORK/time" "0 3" "$BIN" -q index add "$REUTERS" --index "$WORK/index-warmup"
    rm -rf -- "$WORK/index-warmup"
    for t in "${THREADS_LIST[@]}"; do
        local walls=() cpus=() rsses=()
        for ((i = 1; i <= RUNS; i++)); do
            local idx="$WORK/index-t$t-r$i"
            timed "$WORK/time" "0 3" "$BIN" -q --threads "$t" index add "$REUTERS" --index "$idx"
            local wall user sys rss
            read -r wall user sys rss <"$WORK/time"
            walls+=("$wall")
            cpus+=("$(calc "$user + $sys")")
            rsses+=("$rss")
            "$BIN" index stats --index "$idx" --json >"$WORK/stats-t$t-r$i.json"
            sizes+=("$(json_field "$WORK/stats-t$t-r$i.json" bytes_on_disk)")
            if [ -z "$keep" ]; then
                keep="$idx"
                cp "$WORK/stats-t$t-r$i.json" "$WORK/stats.json"
                text_bytes="$(json_field "$WORK/stats.json" text_bytes)"
                documents="$(json_field "$WORK/stats.json" documents)"
            else
                rm -rf -- "$idx"
            fi
        done
        local mwall mcpu mrss
        mwall="$(median "${walls[@]}")"
        mcpu="$(median "${cpus[@]}")"
        echo
        echo "  --threads $t"
        row "wall time, median (s):" "$(calc "$mwall")   [runs: ${walls[*]}]"
        row "CPU time, median (s):" "$(calc "$mcpu")   [runs: ${cpus[*]}]"
        row "throughput (MB/s of text):" "$(calc "$text_bytes / 1e6 / $mwall" 1)"
        row "throughput per core (MB/CPU-s):" "$(calc "$text_bytes / 1e6 / $mcpu" 1)"
        if [ -n "$GNU_TIME" ]; then
            mrss="$(median "${rsses[@]}")"
            row "peak RSS, median (MiB):" "$(calc "$mrss / 1024" 1)   [runs: $(printf '%s\n' "${rsses[@]}" | awk '{ printf "%s%.0f", (NR > 1 ? " " : ""), $1 / 1024 }')]"
        else
            row "peak RSS:" "n/a (no GNU time)"
        fi
    done
    echo
    local distinct
    distinct="$(printf '%s\n' "${sizes[@]}" | sort -u | wc -l)"
    row "index size identical in all runs:" "$([ "$distinct" -eq 1 ] && echo yes || echo "no (${sizes[*]})")"
    echo

    # The index.
    local on_disk
    on_disk="$(json_field "$WORK/stats.json" bytes_on_disk)"
    echo "== The index =="
    row "documents:" "$documents"
    row "text (MB):" "$(calc "$text_bytes / 1e6" 2)  ($text_bytes bytes)"
    row "bytes on disk (MiB):" "$(calc "$on_disk / 1048576" 2)  ($on_disk bytes)"
    row "bytes on disk per document:" "$(calc "$on_disk / $documents" 0)"
    row "bytes on disk / text bytes:" "$(calc "$on_disk / $text_bytes" 2)"
    echo

    # Trace latency.
    local nq
    nq="$(grep -c . "$QUERIES")"
    echo "== Trace latency: $nq reuse-dev articles ($QUERIES) against the Reuters index =="
    echo "  One query at a time (each may use the rayon pool internally), after 10 warm-up"
    echo "  traces; examples/trace_latency (system allocator; the CLI uses mimalloc)."
    echo "  The index is memory-mapped: peak RSS counts the index pages that were touched."
    for t in "${THREADS_LIST[@]}"; do
        "$EXAMPLE" --index "$keep" --queries "$QUERIES" --threads "$t" --warmup 10 >"$WORK/lat-$t.txt"
        local f="$WORK/lat-$t.txt" rss
        rss="$(kv "$f" peak_rss_mib)"
        echo
        echo "  --threads $t"
        row "queries traced:" "$(kv "$f" queries)"
        row "index open (ms):" "$(kv "$f" open_ms)"
        row "p50 / p90 / p99 (ms):" "$(kv "$f" p50_ms) / $(kv "$f" p90_ms) / $(kv "$f" p99_ms)"
        row "max / mean (ms):" "$(kv "$f" max_ms) / $(kv "$f" mean_ms)"
        row "queries per second:" "$(kv "$f" qps)"
        row "passages found:" "$(kv "$f" passages)"
        row "peak RSS (MiB):" "$rss"
        row "peak RSS per indexed doc (KiB):" "$(calc "$rss * 1024 / $documents" 2)"
    done
    echo

    # Accuracy.
    echo "== Accuracy: tessera eval --gold $REUSE_DEV =="
    echo "  (builds a temporary index of sources.jsonl and traces queries.jsonl; all cores)"
    timed "$WORK/time-eval" "0" "$BIN" -q eval --gold "$REUSE_DEV" >"$WORK/eval.txt"
    local wall user sys rss
    read -r wall user sys rss <"$WORK/time-eval"
    echo
    sed 's/^/  /' "$WORK/eval.txt"
    echo
    row "eval wall time (s):" "$(calc "$wall")"
    row "eval CPU time (s):" "$(calc "$user + $sys")"
    [ "$rss" = NA ] || row "eval peak RSS (MiB):" "$(calc "$rss / 1024" 1)"
    echo
}

main | tee "$OUT"
echo "written to $OUT" >&2
