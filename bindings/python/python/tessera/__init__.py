"""tessera finds where every passage of a news article came from.

>>> import tessera
>>> idx = tessera.Index("news.idx")                                  # doctest: +SKIP
>>> idx.add([{"id": "wire-1", "text": "...", "date": "2016-07-15"}])  # doctest: +SKIP
>>> report = idx.trace("article text ...")                            # doctest: +SKIP
>>> report.passages[0].source_id, report.coverage                     # doctest: +SKIP

``Index`` is an index directory (the one the ``tessera`` CLI uses):
``add``, ``add_files``, ``delete``, ``compact``, ``stats``, ``get``,
``trace`` and ``trace_many`` (a pyarrow Table of detections). ``align``
aligns two texts without an index; ``scan`` finds all the reuse in a corpus,
``dedup`` drops its near-duplicate copies; ``evaluate`` scores detections
with the PAN measures. Offsets are Python string indices. Long calls
release the GIL, take ``threads=`` and show a progress bar on standard
error (``progress=False`` silences it, a callable receives it).
"""

from __future__ import annotations

from ._errors import (
    BadInputError,
    CorruptIndexError,
    DocumentNotFoundError,
    IncompatibleFormatError,
    IndexLockedError,
    MissingManifestError,
    NotAnIndexError,
    TesseraError,
    TesseraIOError,
    TesseraWarning,
)
from ._functions import SCAN_TABLES, ScanResult, align, dedup, evaluate, scan
from ._index import DETECTION_SCHEMA, AddResult, Index, SkippedRecord
from ._progress import ProgressCallback
from ._report import (
    Alternative,
    Earliest,
    Edit,
    Passage,
    SourceSummary,
    Span,
    Substitution,
    TraceReport,
)

__version__: str = "0.1.0"

__all__ = [
    "AddResult",
    "Alternative",
    "BadInputError",
    "CorruptIndexError",
    "DETECTION_SCHEMA",
    "DocumentNotFoundError",
    "Earliest",
    "Edit",
    "IncompatibleFormatError",
    "Index",
    "IndexLockedError",
    "MissingManifestError",
    "NotAnIndexError",
    "Passage",
    "ProgressCallback",
    "SCAN_TABLES",
    "ScanResult",
    "SkippedRecord",
    "SourceSummary",
    "Span",
    "Substitution",
    "TesseraError",
    "TesseraIOError",
    "TesseraWarning",
    "TraceReport",
    "align",
    "dedup",
    "evaluate",
    "scan",
]
