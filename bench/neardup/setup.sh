#!/usr/bin/env bash
# Creates bench/neardup/.venv with the MinHash libraries the baselines compare:
# rensa (Rust, Python bindings) and datasketch (pure Python + numpy).
# gold_pairs.py needs only the standard library; minhash_baselines.py needs this.
#
#   bench/neardup/setup.sh          # once; then:
#   bench/neardup/.venv/bin/python bench/neardup/minhash_baselines.py
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# Versions the figures in README.md were measured with.
.venv/bin/python -m pip install --quiet "rensa==0.5.0" "datasketch==2.0.0"
.venv/bin/python -c 'import rensa, datasketch; print("rensa", getattr(rensa, "__version__", "?"), "datasketch", datasketch.__version__)'
