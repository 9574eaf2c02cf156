"""The PAN measures: tessera run on reuse-dev from Python scores what the CLI scores."""

from __future__ import annotations

import json
from pathlib import Path

import tessera
from conftest import run_cli


def test_evaluate_tessera_itself_as_the_cli(reuse_dev: Path, cli: Path, tmp_path: Path) -> None:
    seen: set[str] = set()
    e = tessera.evaluate(reuse_dev, index=tmp_path / "dev.idx",
                         progress=lambda stage, *_: seen.add(stage))
    assert {"indexing", "tracing"} <= seen
    assert e["macro"]["plagdet"] >= 0.93 and e["macro"]["cases"] == 1331
    assert {"none", "spin"} <= set(e["by_obfuscation"])
    cli_e = json.loads(run_cli(cli, "eval", "--gold", str(reuse_dev), "--index",
                               str(tmp_path / "dev.idx"), "--format", "json"))
    assert e == cli_e
