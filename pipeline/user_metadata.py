"""A user's own metadata table (CSV or JSON) that overrides or completes what blamine reads from the text.

Researchers often hold better metadata than any text can give (the ILO repository's country pairs, dates,
instrument types). ``blamine ingest --metadata FILE`` takes it: one row per agreement, found by the PDF's
SHA-256, its path or its file name. A filled cell wins over the detected value and is listed in
``metadata.overrides``; an empty cell leaves the detected value alone.

CSV: a header row with ``file`` (or ``sha256``) and any of the fields below; list fields (``parties``,
``countries``, ``languages``) separate values with ``;``. JSON: a list of such objects, or an object
mapping file names to them.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import E_METADATA, BlamineError
from .model import Document

KEY_FIELDS = ("file", "sha256")
LIST_FIELDS = ("parties", "countries", "languages")
TEXT_FIELDS = ("title", "type", "language", "origin", "destination", "date_signed", "place")
FIELDS = (*LIST_FIELDS, *TEXT_FIELDS, "year")
_ISO2 = re.compile(r"^[A-Za-z]{2}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class MetadataTable:
    """Rows of user metadata, keyed by SHA-256, path and file name (lower-cased)."""

    source: Path
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)

    def row_for(self, doc: Document) -> dict[str, Any] | None:
        """The row that names this document, trying the most specific key first."""
        for key in (doc.source.sha256, doc.source.path, doc.source.filename):
            row = self.rows.get(key.lower())
            if row is not None:
                return row
        return None


def _clean(value: Any, name: str, where: str) -> Any:
    """One cell, checked and normalised; ``None`` for an empty cell."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if name == "year":
        try:
            year = int(str(value).strip())
        except ValueError:
            raise BlamineError(where, f"year {value!r} is not a number", E_METADATA) from None
        return year
    if name in LIST_FIELDS:
        items = value if isinstance(value, list) else str(value).split(";")
        values = [str(item).strip() for item in items if str(item).strip()]
        if name == "countries":
            bad = [code for code in values if not _ISO2.match(code)]
            if bad:
                raise BlamineError(where, f"countries must be ISO 3166 alpha-2 codes, got {bad}", E_METADATA)
            values = [code.upper() for code in values]
        return values or None
    text = str(value).strip()
    if name in ("origin", "destination"):
        if not _ISO2.match(text):
            raise BlamineError(where, f"{name} must be an ISO 3166 alpha-2 code, got {text!r}", E_METADATA)
        return text.upper()
    if name == "date_signed" and not _DATE.match(text):
        raise BlamineError(where, f"date_signed must be YYYY-MM-DD, got {text!r}", E_METADATA)
    return text


def _add_row(table: MetadataTable, raw: dict[str, Any], where: str) -> None:
    unknown = sorted(set(raw) - set(FIELDS) - set(KEY_FIELDS))
    if unknown:
        raise BlamineError(
            where, f"unknown columns {unknown}; expected {list(KEY_FIELDS + FIELDS)}", E_METADATA
        )
    keys = [str(raw[k]).strip().lower() for k in KEY_FIELDS if raw.get(k) and str(raw[k]).strip()]
    if not keys:
        raise BlamineError(where, "row names no file (fill 'file' or 'sha256')", E_METADATA)
    row = {name: cleaned for name in FIELDS if (cleaned := _clean(raw.get(name), name, where)) is not None}
    for key in keys:
        if key in table.rows:
            raise BlamineError(where, f"{key!r} appears twice", E_METADATA)
        table.rows[key] = row


def load_metadata_table(path: Path) -> MetadataTable:
    """Read and check a metadata file; a bad file fails whole, naming the line (nothing half-applied)."""
    if not path.is_file():
        raise BlamineError(path, "no such metadata file", E_METADATA)
    table = MetadataTable(path)
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise BlamineError(path, f"not valid JSON ({exc})", E_METADATA) from None
        if isinstance(data, dict):
            data = [{"file": name, **values} for name, values in data.items() if isinstance(values, dict)]
        if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
            raise BlamineError(path, "expected a list of objects or an object of objects", E_METADATA)
        for number, row in enumerate(data, start=1):
            _add_row(table, row, f"{path}: entry {number}")
    else:
        reader = csv.DictReader(text.splitlines())
        if not reader.fieldnames:
            raise BlamineError(path, "empty metadata file", E_METADATA)
        for row in reader:
            if None in row:
                raise BlamineError(f"{path}:{reader.line_num}", "more cells than columns", E_METADATA)
            _add_row(table, row, f"{path}:{reader.line_num}")
    return table


def apply_metadata(doc: Document, table: MetadataTable | None) -> Document:
    """``doc`` with its metadata overridden by the table's row for it, if the table has one."""
    row = table.row_for(doc) if table is not None else None
    if not row:
        return doc
    values = dict(row)
    if "countries" in values and "parties" not in values:
        values["parties"] = list(values["countries"])
    if "language" in values and "languages" not in values:
        values["languages"] = [
            values["language"],
            *(x for x in doc.metadata.languages if x != values["language"]),
        ]
    overrides = sorted(set(doc.metadata.overrides) | set(row))
    doc.metadata = replace(doc.metadata, **values, overrides=overrides)
    return doc
