"""One exception class per kind of error, with the file or path it concerns."""

from __future__ import annotations

import fcntl
from pathlib import Path

import pytest

import tessera
from conftest import KERRY_AFP


def built(tmp_path: Path) -> Path:
    path = tmp_path / "i"
    tessera.Index(path).add([{"id": "a", "text": KERRY_AFP}], progress=False)
    return path


def test_locked_index(tmp_path: Path) -> None:
    path = built(tmp_path)
    idx = tessera.Index(path)
    with open(path / "LOCK", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(tessera.IndexLockedError) as e:
            idx.add([{"id": "b", "text": KERRY_AFP}], progress=False)
        assert e.value.path is not None and e.value.path.endswith("LOCK")
    assert idx.add([{"id": "b", "text": KERRY_AFP}], progress=False).added == 1


def test_not_an_index_and_missing_manifest(tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("hello")
    with pytest.raises(tessera.NotAnIndexError) as e:
        tessera.Index(other)
    assert e.value.path == str(other)
    path = built(tmp_path)
    (path / "MANIFEST").unlink()
    with pytest.raises(tessera.MissingManifestError) as m:
        tessera.Index(path)
    assert isinstance(m.value, tessera.NotAnIndexError) and "recover" in str(m.value)
    assert not (path / "MANIFEST").exists()


def test_corrupt_segment(tmp_path: Path) -> None:
    path = built(tmp_path)
    seg = next(path.glob("seg-*.tseg"))
    data = bytearray(seg.read_bytes())
    data[len(data) // 2] ^= 0xFF
    seg.write_bytes(bytes(data))
    with pytest.raises(tessera.CorruptIndexError) as e:
        tessera.Index(path)
    assert e.value.path == str(seg)


def test_incompatible_format(tmp_path: Path) -> None:
    path = built(tmp_path)
    manifest = path / "MANIFEST"
    # The manifest's first line is "tessera-index VERSION CHECKSUM LENGTH".
    head, rest = manifest.read_bytes().split(b"\n", 1)
    words = head.split(b" ")
    manifest.write_bytes(b" ".join([words[0], b"99", *words[2:]]) + b"\n" + rest)
    with pytest.raises(tessera.IncompatibleFormatError) as e:
        tessera.Index(path)
    assert (e.value.found, e.value.supported) == (99, 1)


def test_io_and_gold_errors(tmp_path: Path) -> None:
    idx = tessera.Index(tmp_path / "i")
    with pytest.raises(tessera.TesseraIOError) as io:
        idx.add_files([tmp_path / "absent.jsonl"], progress=False)
    assert io.value.path == str(tmp_path / "absent.jsonl") and isinstance(io.value, OSError)
    with pytest.raises(tessera.BadInputError) as e:
        tessera.evaluate(tmp_path, [], progress=False)
    assert e.value.file == str(tmp_path)


def test_bad_arguments_are_python_errors(tmp_path: Path) -> None:
    idx = tessera.Index(tmp_path / "i")
    with pytest.raises(ValueError):
        idx.add([], on_duplicate="merge")
    with pytest.raises(ValueError):
        idx.add([], fields={"body": "text"})
    with pytest.raises(ValueError):
        tessera.Index(tmp_path / "j", threads=0)
    with pytest.raises(TypeError):
        idx.add("feed.jsonl")  # paths go to add_files
