"""Shared fixtures: the repository's shared data and the real ``tessera`` binary."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import tessera

REPO = Path(__file__).resolve().parents[3]
DATA = Path(os.environ.get("TESSERA_DATA", REPO.parent / "shared" / "data"))
REUSE_DEV = DATA / "reuse-dev"


def find_cli() -> Path | None:
    """The ``tessera`` binary: $TESSERA_BIN, or the workspace's debug or release build."""
    if os.environ.get("TESSERA_BIN"):
        return Path(os.environ["TESSERA_BIN"])
    targets = [Path(os.environ["CARGO_TARGET_DIR"])] if os.environ.get("CARGO_TARGET_DIR") else []
    targets.append(REPO / "target")
    for t in targets:
        for profile in ("debug", "release"):
            if (t / profile / "tessera").is_file():
                return t / profile / "tessera"
    found = shutil.which("tessera")
    return Path(found) if found else None


@pytest.fixture(scope="session")
def cli() -> Path:
    """The real CLI; the test fails (not skips) when it cannot be found."""
    path = find_cli()
    if path is None or not path.is_file():
        pytest.fail("the tessera binary was not found: run `cargo build -p tessera-cli` "
                    "or set TESSERA_BIN")
    return path


def run_cli(cli: Path, *args: str, ok: tuple[int, ...] = (0,)) -> str:
    """Runs the CLI quietly and returns its standard output."""
    p = subprocess.run([str(cli), "-q", *args], capture_output=True, text=True)
    assert p.returncode in ok, f"tessera {' '.join(args)} exited {p.returncode}: {p.stderr}"
    return p.stdout


def read_jsonl(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    """The objects of a JSON Lines file (the first ``limit``)."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                out.append(json.loads(line))
                if limit is not None and len(out) >= limit:
                    break
    return out


@pytest.fixture(scope="session")
def reuse_dev() -> Path:
    """The development set; the tests need it."""
    if not (REUSE_DEV / "truth.jsonl").is_file():
        pytest.fail(f"the shared data directory is missing: {REUSE_DEV}")
    return REUSE_DEV


@pytest.fixture(scope="session")
def sources_index(tmp_path_factory: pytest.TempPathFactory, reuse_dev: Path) -> tessera.Index:
    """An index of reuse-dev's sources, built once."""
    idx = tessera.Index(tmp_path_factory.mktemp("dev") / "sources.idx")
    idx.add_files([reuse_dev / "sources.jsonl"], progress=False)
    return idx


KERRY_AFP = ("On the second and final day of his visit to Moscow, Kerry called for stepping "
             "up cooperation between the United States and Russia to thwart jihadist groups. "
             "At least 84 people were killed in an attack in Nice.")
KERRY_QUERY = ("Kerry called for stepping up cooperation between the United States and "
               "Russian Federation to thwart jihadist groups. The rest of this piece is "
               "entirely new and written by nobody in particular.")


@pytest.fixture()
def small_index(tmp_path: Path) -> Iterator[tessera.Index]:
    """An index holding one wire story."""
    idx = tessera.Index(tmp_path / "news.idx")
    idx.add([{"id": "afp-1", "date": "2016-07-15", "outlet": "AFP", "text": KERRY_AFP}],
            progress=False)
    yield idx
