"""The exceptions of tessera: one class per kind of error the library tells apart."""

from __future__ import annotations

__all__ = [
    "TesseraError",
    "IndexLockedError",
    "CorruptIndexError",
    "IncompatibleFormatError",
    "NotAnIndexError",
    "MissingManifestError",
    "BadInputError",
    "DocumentNotFoundError",
    "TesseraIOError",
    "TesseraWarning",
]


class TesseraError(Exception):
    """Base class of every error tessera raises.

    Attributes named by the subclasses (``path``, ``file``, ``line``,
    ``document_id``, ``ids``, …) are ``None`` when the library did not
    know them.
    """

    path: str | None
    file: str | None
    line: int | None
    document_id: str | None
    reason: str | None

    def __init__(self, message: str, **attrs: object) -> None:
        super().__init__(message)
        self.message = message
        for name in ("path", "file", "line", "document_id", "reason"):
            setattr(self, name, None)
        for name, value in attrs.items():
            setattr(self, name, value)

    def __str__(self) -> str:
        return self.message


class IndexLockedError(TesseraError):
    """Another writer (a ``tessera index`` command, another process) holds the index.

    ``path`` is the lock file.
    """


class CorruptIndexError(TesseraError):
    """A file of the index does not hold what it should; ``path`` names it."""


class IncompatibleFormatError(TesseraError):
    """The index was written by a tessera whose format this one cannot read.

    ``path`` is the file carrying the version, ``found`` the version found
    and ``supported`` the one this build reads.
    """

    found: int | None
    supported: int | None


class NotAnIndexError(TesseraError):
    """The directory is not a tessera index; ``path`` names it."""


class MissingManifestError(NotAnIndexError):
    """The directory holds index segments but no ``MANIFEST`` (a partial copy?).

    Nothing was changed; ``tessera index recover`` rebuilds the manifest.
    """


class BadInputError(TesseraError, ValueError):
    """An input record or file that cannot be used.

    ``file`` and ``line`` say where (``records`` and the 1-based position
    for records given from Python), ``document_id`` which document when it
    is known, ``reason`` why.
    """


class DocumentNotFoundError(TesseraError, KeyError):
    """Documents asked for by id are not in the index; ``ids`` lists them."""

    ids: list[str]

    def __init__(self, message: str, **attrs: object) -> None:
        self.ids = []
        super().__init__(message, **attrs)


class TesseraIOError(TesseraError, OSError):
    """An operating-system error on a file; ``path`` names it."""


class TesseraWarning(UserWarning):
    """Records that were skipped where no result could say so (``trace_many``)."""
