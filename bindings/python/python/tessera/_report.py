"""Trace reports as Python objects, with the side-by-side view Jupyter shows."""

from __future__ import annotations

import copy
import html
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

__all__ = [
    "Alternative",
    "Earliest",
    "Edit",
    "Passage",
    "SourceSummary",
    "Span",
    "Substitution",
    "TraceReport",
]


@dataclass(frozen=True)
class Edit:
    """A word-level difference between a passage and its source.

    ``op`` is ``"sub"`` (source words replaced by query words), ``"ins"``
    (query words with no source counterpart) or ``"del"`` (source words
    missing from the query). Offsets and lengths are Python string indices
    into the query and the source text.
    """

    op: str
    query: str
    source: str
    query_offset: int
    source_offset: int
    query_length: int
    source_length: int

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Edit:
        """Builds an edit from its JSON form."""
        return cls(
            d["op"], d["query"], d["source"], d["query_offset"], d["source_offset"],
            d.get("query_length", len(d["query"])), d.get("source_length", len(d["source"])),
        )


@dataclass(frozen=True)
class Earliest:
    """The earliest-dated source of a passage (itself or one of its alternatives)."""

    source_id: str
    source_offset: int
    source_length: int
    title: Optional[str] = None
    outlet: Optional[str] = None
    date: Optional[str] = None
    query_offset: int = 0
    query_length: int = 0
    passage_share: float = 0.0
    """Share of the passage's query span this source holds (0 to 1)."""

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Earliest:
        """Builds it from its JSON form."""
        return cls(d["source_id"], d["source_offset"], d["source_length"],
                   d.get("title"), d.get("outlet"), d.get("date"),
                   d.get("query_offset", 0), d.get("query_length", 0),
                   d.get("passage_share", 0.0))


@dataclass(frozen=True)
class Alternative:
    """Another source that covers (most of) the same span of the query."""

    source_id: str
    query_offset: int
    query_length: int
    source_offset: int
    source_length: int
    score: float
    source_title: Optional[str] = None
    source_outlet: Optional[str] = None
    source_date: Optional[str] = None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Alternative:
        """Builds it from its JSON form."""
        return cls(d["source_id"], d["query_offset"], d["query_length"], d["source_offset"],
                   d["source_length"], d["score"], d.get("source_title"),
                   d.get("source_outlet"), d.get("source_date"))


@dataclass(frozen=True)
class Passage:
    """A reused passage: a span of the query, the span of the source it came from,
    how they differ word by word, and the earliest source and the alternatives.

    ``query[query_offset:query_offset + query_length]`` is the passage in the
    query (offsets count code points, as Python strings do).
    """

    query_id: str
    query_offset: int
    query_length: int
    source_id: str
    source_offset: int
    source_length: int
    score: float
    matched_words: int
    evidence: float
    source_title: Optional[str]
    source_outlet: Optional[str]
    source_date: Optional[str]
    reordered: bool
    edits: list[Edit]
    earliest: Optional[Earliest]
    alternatives: list[Alternative]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Passage:
        """Builds a passage from a detection's JSON form."""
        earliest = d.get("earliest")
        return cls(
            d["query_id"], d["query_offset"], d["query_length"], d["source_id"],
            d["source_offset"], d["source_length"], d["score"], d.get("matched_words", 0),
            d.get("evidence", 0.0), d.get("source_title"), d.get("source_outlet"),
            d.get("source_date"), d.get("reordered", False),
            [Edit.from_dict(e) for e in d.get("edits", [])],
            Earliest.from_dict(earliest) if earliest else None,
            [Alternative.from_dict(a) for a in d.get("alternatives", [])],
        )


@dataclass(frozen=True)
class SourceSummary:
    """A source of the query: its passages and the share of the query they cover."""

    source_id: str
    passages: int
    query_chars: int
    coverage: float
    title: Optional[str] = None
    outlet: Optional[str] = None
    date: Optional[str] = None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SourceSummary:
        """Builds it from its JSON form."""
        return cls(d["source_id"], d["passages"], d["query_chars"], d["coverage"],
                   d.get("title"), d.get("outlet"), d.get("date"))


@dataclass(frozen=True)
class Span:
    """A span of the query found nowhere else: ``text[offset:offset + length]``."""

    offset: int
    length: int


@dataclass(frozen=True)
class Substitution:
    """A substitution counted over the whole query (``Russia -> Russian Federation`` × 4)."""

    source: str
    query: str
    count: int


_COLOURS = ["#ffd8a8", "#b2f2bb", "#a5d8ff", "#eebefa", "#ffec99", "#c3fae8", "#ffc9c9", "#d0bfff"]


@dataclass
class TraceReport:
    """What a trace found in one article.

    ``passages`` are the reused passages, best first by position;
    ``coverage`` the share of the article found elsewhere; ``original`` the
    spans found nowhere; ``sources`` the coverage per source;
    ``substitutions`` the word substitutions counted over the article.
    With the article's date (``query_date``), documents dated after it are
    never sources: ``later_copies`` lists those that share passages with it.
    ``to_dict()`` is exactly the JSON of ``tessera trace --format json``.
    In Jupyter the report shows its sources side by side with the article.
    """

    query_id: str
    query_title: Optional[str]
    query_length: int
    coverage: float
    original_share: float
    passages: list[Passage]
    sources: list[SourceSummary]
    original: list[Span]
    substitutions: list[Substitution]
    candidates: int
    query_date: Optional[str] = None
    later_copies: list[SourceSummary] = field(default_factory=list)
    text: Optional[str] = field(default=None, repr=False, compare=False)
    _raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _source_text: Optional[Callable[[str], Optional[str]]] = field(
        default=None, repr=False, compare=False)

    @classmethod
    def from_dict(
        cls,
        d: dict[str, Any],
        text: Optional[str] = None,
        source_text: Optional[Callable[[str], Optional[str]]] = None,
    ) -> TraceReport:
        """Builds a report from its JSON form (``tessera trace --format json``)."""
        return cls(
            d["query_id"], d.get("query_title"), d["query_length"], d["coverage"],
            d["original_share"], [Passage.from_dict(p) for p in d["passages"]],
            [SourceSummary.from_dict(s) for s in d["sources"]],
            [Span(s["offset"], s["length"]) for s in d["original"]],
            [Substitution(s["source"], s["query"], s["count"]) for s in d["substitutions"]],
            d["candidates"], d.get("query_date"),
            [SourceSummary.from_dict(s) for s in d.get("later_copies", [])],
            text, copy.deepcopy(d), source_text,
        )

    def to_dict(self) -> dict[str, Any]:
        """The report as ``tessera trace --format json`` prints it (a fresh copy)."""
        return copy.deepcopy(self._raw)

    def __repr__(self) -> str:
        return (f"<TraceReport {self.query_id!r}: {self.coverage:.1%} found elsewhere in "
                f"{len(self.passages)} passages from {len(self.sources)} sources>")

    def _repr_html_(self) -> str:
        return render_html(self)


def _marked(text: str, start: int, end: int, marks: list[tuple[int, int]]) -> str:
    """``text[start:end]`` escaped, with the ``marks`` (absolute spans) in <mark>."""
    out, pos = [], start
    for s, e in sorted(marks):
        s, e = max(s, pos), min(e, end)
        if s >= e:
            continue
        out.append(html.escape(text[pos:s]))
        out.append("<mark>" + html.escape(text[s:e]) + "</mark>")
        pos = e
    out.append(html.escape(text[pos:end]))
    return "".join(out)


def _article(r: TraceReport, colour: dict[str, str]) -> str:
    text = r.text or ""
    out, pos = [], 0
    for p in sorted(r.passages, key=lambda p: p.query_offset):
        s, e = max(p.query_offset, pos), p.query_offset + p.query_length
        if s >= e:
            continue
        out.append(html.escape(text[pos:s]))
        title = html.escape(f"{p.source_id} (score {p.score:.2f})", quote=True)
        out.append(f'<span style="background:{colour[p.source_id]}" title="{title}">'
                   + html.escape(text[s:e]) + "</span>")
        pos = e
    out.append(html.escape(text[pos:]))
    return "".join(out)


def _passage(r: TraceReport, k: int, p: Passage, colour: str) -> str:
    qtext = r.text or ""
    stext = r._source_text(p.source_id) if r._source_text else None
    qmarks = [(e.query_offset, e.query_offset + e.query_length) for e in p.edits]
    smarks = [(e.source_offset, e.source_offset + e.source_length) for e in p.edits]
    left = _marked(qtext, p.query_offset, p.query_offset + p.query_length, qmarks)
    right = (_marked(stext, p.source_offset, p.source_offset + p.source_length, smarks)
             if stext is not None else "<i>(source text not available)</i>")
    meta = ", ".join(x for x in (p.source_outlet, p.source_date) if x)
    head = (f"Passage {k}: article {p.query_offset}..{p.query_offset + p.query_length} from "
            f"<b>{html.escape(p.source_id)}</b> {p.source_offset}..{p.source_offset + p.source_length}"
            f" {html.escape(meta)} · score {p.score:.2f}")
    if p.earliest and p.earliest.source_id != p.source_id:
        head += f" · earliest source: {html.escape(p.earliest.source_id)}"
    if p.alternatives:
        head += " · also in: " + html.escape(", ".join(a.source_id for a in p.alternatives))
    cell = 'style="vertical-align:top;width:50%;padding:4px;white-space:pre-wrap;text-align:left"'
    return (f'<div style="margin-top:8px;border-left:6px solid {colour};padding-left:6px">'
            f"<div>{head}</div><table style='width:100%;table-layout:fixed'>"
            f"<tr><th {cell}>article</th><th {cell}>source</th></tr>"
            f"<tr><td {cell}>{left}</td><td {cell}>{right}</td></tr></table></div>")


def render_html(r: TraceReport) -> str:
    """The side-by-side view of a report (what ``_repr_html_`` shows)."""
    colour = {s.source_id: _COLOURS[k % len(_COLOURS)] for k, s in enumerate(r.sources)}
    for p in r.passages:
        colour.setdefault(p.source_id, _COLOURS[len(colour) % len(_COLOURS)])
    title = html.escape(r.query_title or r.query_id)
    rows = "".join(
        f'<tr><td style="background:{colour[s.source_id]}">{html.escape(s.source_id)}</td>'
        f"<td>{html.escape(s.outlet or '')}</td><td>{html.escape(s.date or '')}</td>"
        f"<td>{s.passages}</td><td>{s.coverage:.1%}</td></tr>"
        for s in r.sources)
    subs = ", ".join(f"{html.escape(s.source)} → {html.escape(s.query)} ×{s.count}"
                     for s in r.substitutions)
    parts = [
        f'<div class="tessera-report"><h4>{title}</h4>',
        f"<p>Found elsewhere: <b>{r.coverage:.1%}</b> in {len(r.passages)} passages from "
        f"{len(r.sources)} sources; original: {r.original_share:.1%}</p>",
        "<table><tr><th>source</th><th>outlet</th><th>date</th><th>passages</th>"
        f"<th>of the article</th></tr>{rows}</table>",
        f"<p>Substitutions (source → article): {subs}</p>" if subs else "",
    ]
    if r.text is not None:
        parts.append('<div style="white-space:pre-wrap;border:1px solid #ccc;padding:6px">'
                     + _article(r, colour) + "</div>")
        parts += [_passage(r, k + 1, p, colour[p.source_id]) for k, p in enumerate(r.passages)]
    parts.append("</div>")
    return "".join(parts)
