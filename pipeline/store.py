"""The store: one versioned JSON file per agreement, ``STORE/documents/<doc_id>.json``, and a copy of the
PDF it came from, ``STORE/pdfs/<doc_id>.pdf`` (what the web page serves, so it never reads outside the store).

The JSON files are the source of truth other tools read; each write is atomic (temporary file in the
same folder, fsync, rename), so a killed run never leaves a half-written document. Every document is
validated against ``pipeline/data/document.schema.json`` before it is written.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any, BinaryIO

import fastjsonschema

from .errors import E_STORE, BlamineError
from .model import Document, SchemaVersionError

DEFAULT_STORE = Path("blamine-store")


@functools.cache
def document_schema() -> dict[str, Any]:
    """The JSON Schema of a stored document."""
    text = resources.files("pipeline").joinpath("data/document.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


@functools.cache
def _compiled_schema() -> Callable[[dict[str, Any]], object]:
    """The schema compiled to Python by fastjsonschema, once per process. Checking every document on save
    with jsonschema's interpreter cost ~20 ms per page, half of ingest's time per page; the compiled check
    is ~25x faster. (The schema uses no 2020-12-only keyword; tests also check stored documents with
    jsonschema's reference validator.)"""
    schema = {key: value for key, value in document_schema().items() if key != "$schema"}
    return fastjsonschema.compile(schema)


def validate(data: dict[str, Any]) -> None:
    """Raise ``fastjsonschema.JsonSchemaValueException`` (a ``ValueError``, naming the bad field) if
    ``data`` is not a valid stored document."""
    _compiled_schema()(data)


def documents_dir(store: Path) -> Path:
    return Path(store) / "documents"


def document_path(store: Path, doc_id: str) -> Path:
    return documents_dir(store) / f"{doc_id}.json"


def pdfs_dir(store: Path) -> Path:
    return Path(store) / "pdfs"


def pdf_path(store: Path, doc_id: str) -> Path:
    return pdfs_dir(store) / f"{doc_id}.pdf"


def atomic_write(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Call ``write`` on a temporary file beside ``path`` and rename it over ``path`` once synced, so that
    readers see the old file or the new one, never a partial one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as tmp:
            write(tmp)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def stale_temporaries(store: Path) -> list[Path]:
    """The temporary files of :func:`atomic_write` (``.NAME.*.tmp``) in the store's folders: a killed
    writer's leftovers, or a write in progress when another process holds the ingest lock."""
    folders = (Path(store), documents_dir(store), pdfs_dir(store))
    return [path for folder in folders if folder.is_dir() for path in sorted(folder.glob(".*.tmp"))]


def remove_stale_temporaries(store: Path) -> int:
    """Delete the temporary files a killed writer left in the store (see :func:`stale_temporaries`) and
    return how many. Call it only while holding the store's ingest lock, when no write can be under way: a
    temporary file is then never a write in progress."""
    stale = stale_temporaries(store)
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically (see :func:`atomic_write`)."""
    atomic_write(path, lambda tmp: tmp.write(text.encode("utf-8")))


def save(doc: Document, store: Path) -> Path:
    """Validate and atomically write a document; returns its path."""
    data = doc.to_dict()
    validate(data)
    path = document_path(store, doc.doc_id)
    atomic_write_text(path, json.dumps(data, ensure_ascii=False) + "\n")  # no indent: C encoder, ~10x faster
    return path


def save_pdf(store: Path, doc_id: str, pdf: Path) -> Path:
    """Atomically copy the PDF a document came from into the store; returns the copy's path.

    The document's ``source.path`` names the original, which may move or vanish; the copy lets the store
    answer for itself (the web page opens it at a clause's page). Raises ``BlamineError`` (``E_STORE``)
    when the copy cannot be written."""
    path = pdf_path(store, doc_id)
    try:
        with open(pdf, "rb") as original:
            atomic_write(path, lambda tmp: shutil.copyfileobj(original, tmp))
    except OSError as exc:
        raise BlamineError(path, f"cannot store the PDF ({exc})", E_STORE) from None
    return path


def remove(store: Path, doc_id: str) -> None:
    """Delete a document's JSON and PDF copy. Missing files are fine: a removal cut short by a kill is
    finished by the next call."""
    document_path(store, doc_id).unlink(missing_ok=True)
    pdf_path(store, doc_id).unlink(missing_ok=True)


def load(store: Path, doc_id: str) -> Document:
    """Read a stored document by id (a unique id prefix is accepted)."""
    path = document_path(store, doc_id)
    if not path.is_file():
        matches = sorted(documents_dir(store).glob(f"{doc_id}*.json")) if doc_id else []
        if len(matches) != 1:
            reason = "no such document" if not matches else f"ambiguous id prefix ({len(matches)} documents)"
            raise BlamineError(path, reason, E_STORE)
        path = matches[0]
    return read(path)


def read(path: Path) -> Document:
    """Read one document file, refusing unreadable JSON and newer schema versions with a clear error."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Document.from_dict(data)
    except SchemaVersionError as exc:
        raise BlamineError(path, str(exc), E_STORE) from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BlamineError(path, f"unreadable document ({exc})", E_STORE) from None


def iter_documents(store: Path) -> Iterator[Document]:
    """All stored documents, in file-name order."""
    for path in sorted(documents_dir(store).glob("*.json")):
        yield read(path)
