"""Files and folders → processed, stored documents; one bad PDF never stops the batch.

:func:`process` is the whole chain for one PDF (extract → segment → metadata → classify → score);
:func:`ingest` runs it over many files, stores each result atomically and reports per file.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .classify import ClauseClassifier, classify
from .errors import E_INTERNAL, E_NOT_FOUND, BlamineError
from .extract import ExtractOptions, extract
from .metadata import extract_metadata
from .model import Document
from .scorecard import score
from .segment import segment
from .store import save


@dataclass
class FileResult:
    """What happened to one input file."""

    path: str
    ok: bool
    doc_id: str | None = None
    error: str | None = None
    code: str | None = None
    seconds: float = 0.0
    document: Document | None = field(default=None, repr=False)


def find_pdfs(paths: Iterable[str | Path]) -> list[Path]:
    """Expand files and folders (recursively) into PDF paths, sorted, without duplicates.

    A named file is always returned (even without a .pdf suffix) so a bad input is reported, not skipped.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".pdf")
        else:
            found.append(path)
    unique: dict[Path, None] = {}
    for path in found:
        unique.setdefault(path, None)
    return list(unique)


def process(path: str | Path, model: ClauseClassifier, options: ExtractOptions | None = None) -> Document:
    """Run the whole pipeline on one PDF and return the finished document (not yet stored)."""
    doc = extract(path, **asdict(options or ExtractOptions()))
    segment(doc)
    title = next((c.text for c in doc.clauses if c.kind == "title"), None)
    doc.metadata = extract_metadata(doc.text, title=title)
    classify(doc, model)
    return score(doc)


def ingest(
    paths: Iterable[str | Path],
    store: Path,
    model: ClauseClassifier,
    options: ExtractOptions | None = None,
) -> list[FileResult]:
    """Process and store every PDF under ``paths``; failures become ``FileResult(ok=False)`` entries."""
    results = []
    for path in find_pdfs(paths):
        started = time.perf_counter()
        try:
            if not path.exists():
                raise BlamineError(path, "no such file or folder", E_NOT_FOUND)
            doc = process(path, model, options)
            save(doc, store)
            results.append(
                FileResult(str(path), True, doc.doc_id, seconds=time.perf_counter() - started, document=doc)
            )
        except Exception as exc:  # one bad PDF must never stop the batch
            error = (
                exc
                if isinstance(exc, BlamineError)
                else BlamineError(path, f"internal error {type(exc).__name__}: {exc}", E_INTERNAL)
            )
            results.append(
                FileResult(
                    str(path),
                    False,
                    error=error.one_line(),
                    code=error.code,
                    seconds=time.perf_counter() - started,
                )
            )
    return results
