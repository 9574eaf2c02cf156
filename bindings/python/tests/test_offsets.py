"""Offsets are Python string indices, whatever the script: slicing gives the passages."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Literal

import pytest

import tessera

SOURCE = ("Préambule sans rapport 🙂 avec la suite. "
          "Le président a déclaré à Genève que l’accord sur le climat serait signé à Paris "
          "avant la fin de l’année, malgré les réserves exprimées par plusieurs pays européens "
          "et les critiques des associations écologistes 🌍🌍. "
          "東京の会議で首相は新しい経済政策を発表し、来年度の予算案を国会に提出すると述べた。")
QUERY = ("Intro 🎉🎉 ajoutée par le copieur. "
         "Le président a déclaré à Genève que l’accord sur le climat serait signé à Lyon "
         "avant la fin de l’année, malgré les réserves exprimées par plusieurs pays européens "
         "et les critiques des associations écologistes 🌍🌍. Fin.")
CJK_SOURCE = "無関係な前置きです。東京の会議で首相は新しい経済政策を発表し、来年度の予算案を国会に提出すると述べた。"
CJK_QUERY = "別の話。東京の会議で首相は新しい経済政策を発表し、来年度の予算案を国会に提出すると述べた。以上。"


def check(report: tessera.TraceReport, query: str, source: str) -> None:
    assert report.passages, "no passage found"
    for p in report.passages:
        q = query[p.query_offset:p.query_offset + p.query_length]
        s = source[p.source_offset:p.source_offset + p.source_length]
        assert q and s
        assert q.split()[0] == s.split()[0] or q[:2] == s[:2]
        for e in p.edits:
            assert query[e.query_offset:e.query_offset + e.query_length] == e.query
            assert source[e.source_offset:e.source_offset + e.source_length] == e.source


@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_accents_emoji_and_combining_marks(tmp_path: Path, form: Literal["NFC", "NFD"]) -> None:
    source = unicodedata.normalize(form, SOURCE)
    query = unicodedata.normalize(form, QUERY)
    idx = tessera.Index(tmp_path / "i")
    idx.add([{"id": "src", "text": source}], progress=False)
    r = idx.trace(query)
    check(r, query, source)
    p = r.passages[0]
    assert query[p.query_offset:].startswith("Le président".replace(
        "é", unicodedata.normalize(form, "é")))
    assert [(e.source, e.query) for e in p.edits] == [("Paris", "Lyon")]
    assert query[p.query_offset + p.query_length - 3:p.query_offset + p.query_length] in (
        "🌍🌍.", "es ", "tes")
    check(tessera.align(query, source), query, source)


def test_cjk(tmp_path: Path) -> None:
    idx = tessera.Index(tmp_path / "i")
    idx.add([{"id": "ja", "text": CJK_SOURCE}], progress=False)
    r = idx.trace(CJK_QUERY)
    check(r, CJK_QUERY, CJK_SOURCE)
    p = r.passages[0]
    assert CJK_QUERY[p.query_offset:].startswith("東京の会議")
    assert CJK_SOURCE[p.source_offset:].startswith("東京の会議")
