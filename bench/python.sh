#!/usr/bin/env bash
# The Python package's overhead against the CLI (README, "Python"): builds the
# CLI and the package in release, installs the package into .venv (see
# scripts/test-all.sh) and runs bench/python_overhead.py.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
DATA="${TESSERA_DATA:-../shared/data}"
[ -x .venv/bin/python ] || { echo "python.sh: run scripts/test-all.sh first (it creates .venv)" >&2; exit 2; }
cargo build --release --locked -p tessera-cli
PATH="$PWD/.venv/bin:$PATH" .venv/bin/python -m pip install -q --disable-pip-version-check --no-build-isolation \
  --force-reinstall --no-deps ./bindings/python
.venv/bin/python bench/python_overhead.py --bin "$CARGO_TARGET_DIR/release/tessera" \
  --data "$DATA" --runs "${RUNS:-5}"
