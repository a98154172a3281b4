"""Files and folders → processed, stored documents; one bad PDF never stops the batch.

:func:`process` is the whole chain for one PDF (extract → segment → metadata → classify → score);
:func:`ingest` runs it over many files, stores each result atomically and reports per file.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from .classify import ClauseClassifier, classify
from .errors import E_INTERNAL, E_NOT_FOUND, E_SIDECAR, BlamineError
from .extract import ExtractOptions
from .isolation import Limits, extract_isolated
from .metadata import extract_metadata
from .model import Document
from .scorecard import score
from .segment import segment
from .store import save, save_pdf
from .user_metadata import MetadataTable, apply_metadata


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


SIDECAR_SUFFIX = ".blamine.json"
"""``agreement.pdf.blamine.json`` beside a PDF holds per-file settings: ``password``, ``ocr_languages``."""


def file_options(path: Path, options: ExtractOptions | None = None) -> ExtractOptions:
    """``options`` with the per-file settings of the PDF's sidecar file, when there is one."""
    options = options or ExtractOptions()
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    if not sidecar.is_file():
        return options
    try:
        settings = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BlamineError(sidecar, f"unreadable sidecar ({exc})", E_SIDECAR) from None
    if not isinstance(settings, dict):
        raise BlamineError(sidecar, "sidecar must hold a JSON object", E_SIDECAR)
    unknown = set(settings) - {"password", "ocr_languages"}
    if unknown:
        raise BlamineError(sidecar, f"unknown sidecar settings: {sorted(unknown)}", E_SIDECAR)
    languages = settings.get("ocr_languages")
    return replace(
        options,
        password=settings.get("password", options.password),
        ocr_languages=tuple(languages) if languages else options.ocr_languages,
    )


def document_metadata(doc: Document) -> Document:
    """Fill ``doc.metadata`` from its text, using the segmenter's title when it found one."""
    title = next((c.text for c in doc.clauses if c.kind == "title"), None)
    doc.metadata = extract_metadata(doc.text, title=title)
    return doc


def process(
    path: str | Path,
    model: ClauseClassifier,
    options: ExtractOptions | None = None,
    limits: Limits | None = None,
    metadata: MetadataTable | None = None,
) -> Document:
    """Run the whole pipeline on one PDF and return the finished document (not yet stored).

    Extraction, the stage that meets hostile input, runs in a worker process under ``limits``. The user's
    ``metadata`` table, when given, overrides what the text says about the document.
    """
    doc = document_metadata(segment(extract_isolated(path, options, limits)))
    apply_metadata(doc, metadata)
    classify(doc, model)
    return score(doc)


def ingest(
    paths: Iterable[str | Path],
    store: Path,
    model: ClauseClassifier,
    options: ExtractOptions | None = None,
    limits: Limits | None = None,
    metadata: MetadataTable | None = None,
) -> list[FileResult]:
    """Process and store every PDF under ``paths``; failures become ``FileResult(ok=False)`` entries."""
    results = []
    for path in find_pdfs(paths):
        started = time.perf_counter()
        try:
            if not path.exists():
                raise BlamineError(path, "no such file or folder", E_NOT_FOUND)
            doc = process(path, model, file_options(path, options), limits, metadata)
            save_pdf(store, doc.doc_id, path)
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
