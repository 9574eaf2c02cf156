#!/usr/bin/env bash
# Runs every test of the repository, after installing what they need:
#
#   1. the browser test's prerequisites (Debian's chromium, the npm packages
#      of crates/tessera-server/e2e),
#   2. a local virtual environment .venv with maturin, pytest, pyarrow,
#      pandas, polars, mypy and pyspark (the Spark job's tests run it in
#      local mode on the machine's Java 17), and the Python package built
#      from bindings/python and installed into it,
#   3. cargo test --workspace --locked, then mypy and pytest for the package.
#
# Prints each runner's summary and a closing "N passed, N failed" line;
# exits non-zero if anything failed or a runner ran no test at all.
# Environment: TESSERA_DATA (default ../shared/data), PYTHON (an interpreter
# of Python 3.11 or later, default python3), CARGO_TARGET_DIR.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
logs="$CARGO_TARGET_DIR/test-all"
mkdir -p "$logs"

die() { echo "test-all: $*" >&2; exit 1; }

data="${TESSERA_DATA:-../shared/data}"
[ -f "$data/reuse-dev/truth.jsonl" ] || die "the shared data directory $data is missing (tests read corpora from it)"

echo "== prerequisites of the browser test (crates/tessera-cli/tests/browser.rs)"
pkgs=()
[ -x /usr/bin/chromium ] || pkgs+=(chromium)
command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || pkgs+=(npm)
if [ "${#pkgs[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update && $sudo apt-get install -y --no-install-recommends "${pkgs[@]}" \
    || die "cannot install ${pkgs[*]}"
fi
e2e=crates/tessera-server/e2e
if [ ! -f "$e2e/node_modules/.package-lock.json" ] || [ "$e2e/package-lock.json" -nt "$e2e/node_modules/.package-lock.json" ]; then
  (cd "$e2e" && npm ci --no-audit --no-fund) || die "npm ci failed in $e2e"
fi

echo "== Python environment (.venv) and the package from bindings/python"
python="${PYTHON:-python3}"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || die "$python is not Python 3.11 or later (set PYTHON)"
[ -x .venv/bin/python ] || "$python" -m venv .venv || die "cannot create .venv"
.venv/bin/python -m pip install -q --disable-pip-version-check \
  "maturin>=1.7,<2" pytest pyarrow pandas polars mypy duckdb "schemathesis>=4,<5" "pyspark>=4,<5" || die "pip install of the test tools failed"
# The package is built as a user builds it (a release wheel), with the
# maturin just installed rather than a fresh one per run.
PATH="$PWD/.venv/bin:$PATH" .venv/bin/python -m pip install -q --disable-pip-version-check --no-build-isolation \
  --force-reinstall --no-deps ./bindings/python || die "building the Python package failed"

command -v java >/dev/null 2>&1 || [ -n "${JAVA_HOME:-}" ] \
  || die "no Java for pyspark (tests/test_spark.py): install a JDK 17 or set JAVA_HOME"

failed=0
passed_total=0
failed_total=0

echo "== cargo test --workspace --locked"
cargo test --workspace --locked 2>&1 | tee "$logs/cargo.log"
cargo_status=${PIPESTATUS[0]}
read -r cp cf < <(awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed;?$/) p += $i; if ($(i+1) ~ /^failed;?$/) f += $i } }
     END { printf "%d %d\n", p, f }' "$logs/cargo.log")
if [ "$cargo_status" -ne 0 ] || [ "$cp" -eq 0 ]; then failed=1; fi
passed_total=$((passed_total + cp))
failed_total=$((failed_total + cf))

echo "== mypy (bindings/python)"
(cd bindings/python && ../../.venv/bin/python -m mypy) 2>&1 | tee "$logs/mypy.log"
mypy_status=${PIPESTATUS[0]}
[ "$mypy_status" -eq 0 ] || failed=1

echo "== pytest (bindings/python/tests against the installed package; crates/tessera-server/tests-api: schemathesis against a real server)"
TESSERA_BIN="${TESSERA_BIN:-$CARGO_TARGET_DIR/debug/tessera}" TESSERA_DATA="$data" PATH="$root/.venv/bin:$PATH" \
  .venv/bin/python -m pytest bindings/python/tests crates/tessera-server/tests-api -p no:cacheprovider -q 2>&1 | tee "$logs/pytest.log"
pytest_status=${PIPESTATUS[0]}
pyline=$(grep -E '^=*.*[0-9]+ (passed|failed)' "$logs/pytest.log" | tail -1)
count() { echo "$pyline" | awk -v w="$1" '{ for (i = 1; i < NF; i++) if ($(i+1) ~ "^(" w ")[,]?$") s += $i } END { print s + 0 }'; }
pp=$(count passed)
pf=$(count "failed|errors?")
if [ "$pytest_status" -ne 0 ] || [ "${pp:-0}" -eq 0 ]; then failed=1; fi
passed_total=$((passed_total + ${pp:-0}))
failed_total=$((failed_total + ${pf:-0}))

echo "== summary"
echo "cargo test: $cp passed, $cf failed (exit $cargo_status)"
echo "mypy: $(tail -1 "$logs/mypy.log") (exit $mypy_status)"
echo "pytest: ${pyline:-no summary} (exit $pytest_status)"
if [ "$failed" -ne 0 ] && [ "$failed_total" -eq 0 ]; then
  failed_total=1  # a runner failed without a failing test (a build error, no test run, mypy)
fi
echo "total: $passed_total passed, $failed_total failed"
exit "$failed"
