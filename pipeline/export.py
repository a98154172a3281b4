"""``blamine export``: the store as tidy tables for R, Stata and pandas (issue 10).

Five tables, written as CSV, Parquet or JSON Lines, with a data dictionary and a Frictionless Data Package
descriptor (``datapackage.json``) beside them:

* ``documents``: one row per agreement (metadata, source file, model);
* ``clauses``: one row per clause, in document order;
* ``labels``: one row per clause and provision label the model predicted for it;
* ``scorecard``: one row per agreement and scorecard criterion;
* ``indicators``: one row per agreement and agreement-level indicator.

``doc_id`` joins every table to ``documents``; ``(doc_id, clause_id)`` joins ``labels`` to ``clauses``.

:data:`TABLES` is the contract: the column names, their order, types and descriptions are declared there
once, and the writers, ``data_dictionary.csv``, ``datapackage.json`` and :func:`dictionary_markdown` (the
documentation) are all generated from it, so they cannot disagree. Renaming or removing a column breaks
users' scripts: add columns at the end of a table instead.

Choices made once, the same in every format, so a script can switch format without changing:

* a list (countries, parties, evidence clause ids, pages) is one text value with its items joined by
  ``;`` (Stata and spreadsheets have no list type); a ``;`` inside an item is written as ``,``;
* booleans are ``true``/``false`` (in CSV the words ``true`` and ``false``);
* integers stay integers, and a missing value is an empty cell in CSV and ``null`` in Parquet and JSON;
* CSV is UTF-8 without byte-order mark, with a header row and RFC 4180 quoting (``\\r\\n`` between rows; a
  clause's own line breaks are kept inside its quoted cell).

Documents are read and written one at a time, so memory does not grow with the store (Parquet rows are
written in batches of :data:`PARQUET_BATCH_ROWS`). A document that cannot be read (bad JSON, a newer schema,
a value of the wrong type) is skipped and reported in :attr:`ExportResult.skipped`, and the export goes on:
someone exporting ten thousand agreements wants the other 9,999 and the name of the bad file, not nothing.
Every file is written to a temporary file in the output folder and renamed into place only once the last
document has been written (``datapackage.json`` last), so a killed export leaves no partial file under
the final names.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import math
import os
import re
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import metadata as package_metadata
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, NamedTuple, Protocol, get_args

from . import store as store_module
from . import taxonomy
from .errors import E_DEPENDENCY, E_STORE, BlamineError
from .model import (
    Clause,
    Document,
    Indicator,
    LabelScore,
    SchemaVersionError,
    ScorecardEntry,
    check_schema_version,
)

Format = Literal["csv", "parquet", "jsonl"]
FORMATS: tuple[str, ...] = get_args(Format)
ColumnType = Literal["string", "integer", "number", "boolean", "list"]

PARQUET_BATCH_ROWS = 10_000
"""Rows of one table held in memory before they are written to the Parquet file as a row group."""

DICTIONARY_FILE = "data_dictionary.csv"
DATAPACKAGE_FILE = "datapackage.json"
README_FILE = "README.txt"
LIST_SEPARATOR = ";"


# --- the contract: tables and columns ------------------------------------------------------------------


class DocumentRow(NamedTuple):
    doc: Document
    schema_version: str
    """As stored in the file (``Document`` itself always writes the current version)."""


class ClauseRow(NamedTuple):
    doc: Document
    position: int
    clause: Clause


class LabelRow(NamedTuple):
    doc: Document
    clause: Clause
    score: LabelScore


class ScorecardRow(NamedTuple):
    doc: Document
    entry: ScorecardEntry


class IndicatorRow(NamedTuple):
    doc: Document
    indicator: Indicator


@dataclass(frozen=True)
class Column:
    """One column: its name, type and meaning (the contract) and how its value is read from a row."""

    name: str
    type: ColumnType
    description: str
    value: Callable[[Any], object]
    required: bool = False
    """Never missing (the keys); a document without it is skipped as invalid."""


@dataclass(frozen=True)
class Table:
    """One exported table: one row per item ``items`` yields for a document."""

    name: str
    description: str
    primary_key: tuple[str, ...]
    columns: tuple[Column, ...]
    items: Callable[[DocumentRow], Iterable[Any]]

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]


@functools.cache
def _label_codes() -> dict[str, str]:
    return {label.id: label.code for label in taxonomy.labels()}


def _label_code(label_id: str) -> str | None:
    return _label_codes().get(label_id)


def _clause_rows(row: DocumentRow) -> Iterator[ClauseRow]:
    return (ClauseRow(row.doc, position, clause) for position, clause in enumerate(row.doc.clauses, start=1))


def _label_rows(row: DocumentRow) -> Iterator[LabelRow]:
    return (LabelRow(row.doc, clause, score) for clause in row.doc.clauses for score in clause.labels)


DOC_ID = Column(
    "doc_id",
    "string",
    "Agreement id: the first 16 hex digits of the PDF's SHA-256.",
    lambda r: r.doc.doc_id,
    True,
)
CLAUSE_ID = Column(
    "clause_id",
    "string",
    "Clause id, unique within the agreement (art-3, art-3.2, pre-1, title).",
    lambda r: r.clause.id,
    True,
)

TABLES: tuple[Table, ...] = (
    Table(
        "documents",
        "One row per agreement: what it is, the file it came from and the model that labelled it.",
        ("doc_id",),
        (
            DOC_ID,
            Column("title", "string", "Title of the agreement as printed.", lambda r: r.doc.metadata.title),
            Column("year", "integer", "Year of signature.", lambda r: r.doc.metadata.year),
            Column("type", "string", "Instrument type (BLA, MOU, ...).", lambda r: r.doc.metadata.type),
            Column(
                "language",
                "string",
                "Main language of the text (ISO 639-1).",
                lambda r: r.doc.metadata.language,
            ),
            Column(
                "languages",
                "list",
                "Every language the text is written in (ISO 639-1), the main one first.",
                lambda r: r.doc.metadata.languages,
            ),
            Column(
                "countries",
                "list",
                "The parties' countries (ISO 3166 alpha-2), in the order the text names them.",
                lambda r: r.doc.metadata.countries,
            ),
            Column(
                "origin",
                "string",
                "Country the workers come from (ISO 3166 alpha-2), where the text says so.",
                lambda r: r.doc.metadata.origin,
            ),
            Column(
                "destination",
                "string",
                "Country the workers go to (ISO 3166 alpha-2), where the text says so.",
                lambda r: r.doc.metadata.destination,
            ),
            Column(
                "date_signed",
                "string",
                "Date of signature (YYYY-MM-DD) where the text gives a full date.",
                lambda r: r.doc.metadata.date_signed,
            ),
            Column("place", "string", "Place of signature.", lambda r: r.doc.metadata.place),
            Column(
                "parties", "list", "The parties as the text names them.", lambda r: r.doc.metadata.parties
            ),
            Column(
                "signatories",
                "list",
                "Names of the signatories as printed in the signature blocks.",
                lambda r: r.doc.metadata.signatories,
            ),
            Column(
                "metadata_overrides",
                "list",
                "Metadata fields taken from the user's metadata file at ingest instead of the text.",
                lambda r: r.doc.metadata.overrides,
            ),
            Column("pages", "integer", "Pages in the PDF.", lambda r: r.doc.source.pages),
            Column(
                "ocr_pages",
                "integer",
                "Pages whose text was read by OCR.",
                lambda r: sum(page.method == "ocr" for page in r.doc.pages),
            ),
            Column(
                "clauses",
                "integer",
                "Rows of this agreement in the clauses table.",
                lambda r: len(r.doc.clauses),
            ),
            Column(
                "labels",
                "integer",
                "Rows of this agreement in the labels table.",
                lambda r: sum(len(clause.labels) for clause in r.doc.clauses),
            ),
            Column(
                "warnings",
                "integer",
                "Warnings recorded while reading the PDF (their text is in the stored JSON).",
                lambda r: len(r.doc.warnings),
            ),
            Column(
                "filename",
                "string",
                "File name of the PDF the agreement was read from.",
                lambda r: r.doc.source.filename,
            ),
            Column("bytes", "integer", "Size of that PDF in bytes.", lambda r: r.doc.source.bytes),
            Column("sha256", "string", "SHA-256 of that PDF (hex).", lambda r: r.doc.source.sha256),
            Column(
                "schema_version",
                "string",
                "Version of the stored JSON format the agreement was read from.",
                lambda r: r.schema_version,
            ),
            Column(
                "model_name",
                "string",
                "Classifier that predicted the labels; empty if the agreement is unlabelled.",
                lambda r: r.doc.model.name if r.doc.model else None,
            ),
            Column(
                "model_version",
                "string",
                "Version of that classifier.",
                lambda r: r.doc.model.version if r.doc.model else None,
            ),
        ),
        lambda row: (row,),
    ),
    Table(
        "clauses",
        "One row per clause (structural unit) of an agreement, in document order.",
        ("doc_id", "clause_id"),
        (
            DOC_ID,
            CLAUSE_ID,
            Column(
                "position",
                "integer",
                "Order of the clause in the agreement, from 1.",
                lambda r: r.position,
                True,
            ),
            Column(
                "kind",
                "string",
                "title, preamble, heading, article, paragraph, item, annex, note, signature or other.",
                lambda r: r.clause.kind,
            ),
            Column(
                "parent",
                "string",
                "clause_id of the enclosing clause (an article for its paragraphs).",
                lambda r: r.clause.parent,
            ),
            Column(
                "article",
                "string",
                "Article number the clause belongs to, as printed.",
                lambda r: r.clause.article,
            ),
            Column(
                "number",
                "string",
                "The clause's own number or letter, as printed.",
                lambda r: r.clause.number,
            ),
            Column("heading", "string", "Heading of the clause or its article.", lambda r: r.clause.heading),
            Column(
                "in_annex", "boolean", "true if the clause is part of an annex.", lambda r: r.clause.in_annex
            ),
            Column(
                "page_start",
                "integer",
                "PDF page the clause starts on (from 1).",
                lambda r: r.clause.page_start,
            ),
            Column("page_end", "integer", "PDF page the clause ends on.", lambda r: r.clause.page_end),
            Column(
                "char_start",
                "integer",
                "Offset of the clause's first character in the agreement's full text.",
                lambda r: r.clause.char_start,
            ),
            Column(
                "char_end", "integer", "Offset just past its last character.", lambda r: r.clause.char_end
            ),
            Column("language", "string", "Language of the clause (ISO 639-1).", lambda r: r.clause.language),
            Column(
                "parallel_of",
                "string",
                "In a bilingual agreement, clause_id of the same provision in the first language: this row "
                "is its other authentic version, not another provision (not labelled, not scored).",
                lambda r: r.clause.parallel_of,
            ),
            Column(
                "strength",
                "string",
                "Obligation strength of a labelled clause: binding, hedged, negated, excluded, descriptive.",
                lambda r: r.clause.strength,
            ),
            Column(
                "strength_cue",
                "string",
                "The words that decided the strength (shall, as far as possible).",
                lambda r: r.clause.strength_cue,
            ),
            Column("text", "string", "The clause's text, line breaks included.", lambda r: r.clause.text),
        ),
        _clause_rows,
    ),
    Table(
        "labels",
        "One row per clause and provision label the model predicted for it.",
        ("doc_id", "clause_id", "label"),
        (
            DOC_ID,
            CLAUSE_ID,
            Column("label", "string", "Provision label id (wage_protection).", lambda r: r.score.label, True),
            Column(
                "label_code", "string", "Its code in the taxonomy (A3).", lambda r: _label_code(r.score.label)
            ),
            Column(
                "score",
                "number",
                "Calibrated probability that the label applies (0 to 1).",
                lambda r: r.score.score,
            ),
            Column(
                "strength",
                "string",
                "Obligation strength of the clause (as in clauses).",
                lambda r: r.clause.strength,
            ),
        ),
        _label_rows,
    ),
    Table(
        "scorecard",
        "One row per agreement and scorecard criterion.",
        ("doc_id", "criterion"),
        (
            DOC_ID,
            Column(
                "criterion",
                "string",
                "Scorecard criterion (wage_protection).",
                lambda r: r.entry.criterion,
                True,
            ),
            Column("value", "string", "yes, partial, no or not_assessable.", lambda r: r.entry.value),
            Column(
                "strength",
                "string",
                "Obligation strength of the evidence that decided the value.",
                lambda r: r.entry.strength,
            ),
            Column(
                "evidence",
                "list",
                "clause_ids of the clauses that justify the value.",
                lambda r: r.entry.evidence,
            ),
            Column("pages", "list", "PDF pages of those clauses.", lambda r: r.entry.pages),
            Column("reason", "string", "One-line explanation of the value.", lambda r: r.entry.reason),
        ),
        lambda row: (ScorecardRow(row.doc, entry) for entry in row.doc.scorecard),
    ),
    Table(
        "indicators",
        "One row per agreement and agreement-level indicator (instrument type, model contract annexed, ...).",
        ("doc_id", "indicator"),
        (
            DOC_ID,
            Column(
                "indicator",
                "string",
                "Indicator name (instrument_type).",
                lambda r: r.indicator.indicator,
                True,
            ),
            Column("value", "string", "Its value (MOU, yes, no).", lambda r: r.indicator.value),
            Column(
                "evidence",
                "list",
                "clause_ids of the clauses that justify the value.",
                lambda r: r.indicator.evidence,
            ),
            Column("reason", "string", "One-line explanation of the value.", lambda r: r.indicator.reason),
        ),
        lambda row: (IndicatorRow(row.doc, indicator) for indicator in row.doc.indicators),
    ),
)
"""The exported tables, in the order they are written; the single source of truth of the export."""

FOREIGN_KEYS: dict[str, tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...]] = {
    "clauses": ((("doc_id",), "documents", ("doc_id",)),),
    "labels": ((("doc_id", "clause_id"), "clauses", ("doc_id", "clause_id")),),
    "scorecard": ((("doc_id",), "documents", ("doc_id",)),),
    "indicators": ((("doc_id",), "documents", ("doc_id",)),),
}
"""How the tables join: table → (its columns, referenced table, referenced columns)."""

TYPE_NOTES: dict[str, str] = {
    "string": "text; missing = empty cell (CSV) or null",
    "integer": "whole number (64-bit); missing = empty cell (CSV) or null",
    "number": "decimal number (64-bit float)",
    "boolean": "true or false (the words, in CSV)",
    "list": f"text: the items joined by '{LIST_SEPARATOR}' (a '{LIST_SEPARATOR}' inside an item is written "
    "as ','); empty if there are none",
}
"""What each column type means in the files: part of the contract, repeated in the README and the docs."""


def table(name: str) -> Table:
    """The table called ``name``; ``KeyError`` if there is none."""
    for candidate in TABLES:
        if candidate.name == name:
            return candidate
    raise KeyError(name)


def dictionary_rows() -> list[tuple[str, str, str, str]]:
    """(table, column, type, description) for every column of every table, in file order."""
    return [(t.name, c.name, c.type, c.description) for t in TABLES for c in t.columns]


def dictionary_markdown() -> str:
    """The contract as Markdown (a section per table, a row per column) for the documentation."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    parts = ["Column types:", ""]
    parts += [f"- `{name}`: {cell(note)}" for name, note in TYPE_NOTES.items()]
    for t in TABLES:
        parts += [
            "",
            f"### `{t.name}`",
            "",
            t.description,
            "",
            f"Key: {', '.join(f'`{k}`' for k in t.primary_key)}.",
        ]
        for columns, other, _ in FOREIGN_KEYS.get(t.name, ()):
            parts[-1] += f" Joins `{other}` on {', '.join(f'`{c}`' for c in columns)}."
        parts += ["", "| column | type | description |", "| --- | --- | --- |"]
        parts += [f"| `{c.name}` | {c.type} | {cell(c.description)} |" for c in t.columns]
    return "\n".join(parts) + "\n"


# --- values ----------------------------------------------------------------------------------------------


class InvalidValue(ValueError):
    """A stored value that does not fit its column's type: the document holding it is skipped."""


def _checked(column: Column, value: object) -> object:
    """``value`` as the column's type stores it (lists joined), or :class:`InvalidValue`. Checking here, per
    document, names the bad file; left to pyarrow it would fail a whole batch, long after the document."""
    if value is None:
        if column.required:
            raise InvalidValue(f"{column.name}: missing")
        return None
    kind = column.type
    if kind == "string" and isinstance(value, str):
        return value
    if kind == "integer" and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        if math.isfinite(value):
            return float(value)
    if kind == "boolean" and isinstance(value, bool):
        return value
    if kind == "list" and isinstance(value, list) and all(isinstance(item, str | int) for item in value):
        return LIST_SEPARATOR.join(str(item).replace(LIST_SEPARATOR, ",") for item in value)
    raise InvalidValue(f"{column.name}: expected {kind}, got {value!r}")


def _rows(t: Table, row: DocumentRow) -> list[tuple[object, ...]]:
    return [tuple(_checked(c, c.value(item)) for c in t.columns) for item in t.items(row)]


# --- filters -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportFilters:
    """Which agreements to export; every given restriction must hold (none: all of them)."""

    country: str | None = None
    """ISO 3166 alpha-2 code of either party (any case)."""
    year_from: int | None = None
    year_to: int | None = None
    """Inclusive year range; an agreement of unknown year is left out when either bound is given."""
    type: str | None = None
    """Instrument type (BLA, MOU; any case)."""

    def __post_init__(self) -> None:
        """Refuse restrictions that could never match, so a typo is an error rather than an empty export."""
        if self.country is not None and not re.fullmatch(r"[A-Za-z]{2}", self.country.strip()):
            raise ValueError(f"country {self.country!r}: expected an ISO 3166 alpha-2 code such as PH")
        if self.year_from is not None and self.year_to is not None and self.year_from > self.year_to:
            raise ValueError(f"year range {self.year_from}-{self.year_to} is empty")

    def matches(self, doc: Document) -> bool:
        meta = doc.metadata
        if self.country and self.country.strip().upper() not in meta.countries:
            return False
        if self.type and (meta.type or "").casefold() != self.type.strip().casefold():
            return False
        if self.year_from is not None or self.year_to is not None:
            if meta.year is None:
                return False
            if self.year_from is not None and meta.year < self.year_from:
                return False
            if self.year_to is not None and meta.year > self.year_to:
                return False
        return True


# --- writers -----------------------------------------------------------------------------------------


class _Writer(Protocol):
    def write(self, row: tuple[object, ...]) -> None: ...

    def close(self) -> None: ...


class _CsvWriter:
    """RFC 4180 CSV (the csv module's excel dialect: ``\\r\\n``, quotes doubled, quoted when needed)."""

    def __init__(self, path: Path, t: Table) -> None:
        self._file = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115 (closed by close())
        self._csv = csv.writer(self._file)
        self._csv.writerow(t.column_names)

    def write(self, row: tuple[object, ...]) -> None:
        self._csv.writerow(
            ["" if v is None else ("true" if v else "false") if isinstance(v, bool) else v for v in row]
        )

    def close(self) -> None:
        self._file.close()


class _JsonlWriter:
    """One JSON object per line, keys in column order."""

    def __init__(self, path: Path, t: Table) -> None:
        self._file = open(path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115 (closed by close())
        self._names = t.column_names

    def write(self, row: tuple[object, ...]) -> None:
        self._file.write(json.dumps(dict(zip(self._names, row, strict=True)), ensure_ascii=False) + "\n")

    def close(self) -> None:
        self._file.close()


def _pyarrow() -> tuple[Any, Any]:
    """pyarrow and pyarrow.parquet, or the one-line error saying how to install them (an optional extra)."""
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise BlamineError(
            "--format parquet", "needs pyarrow: pip install 'blamine[parquet]'", E_DEPENDENCY
        ) from None
    return pyarrow, pyarrow.parquet


class _ParquetWriter:
    """Rows buffered per column and written as a row group every :data:`PARQUET_BATCH_ROWS` rows; each
    field carries its description in its metadata, so the contract travels with the file."""

    def __init__(self, path: Path, t: Table) -> None:
        self._pa, parquet = _pyarrow()
        types = {
            "string": self._pa.string(),
            "integer": self._pa.int64(),
            "number": self._pa.float64(),
            "boolean": self._pa.bool_(),
            "list": self._pa.string(),
        }
        self._schema = self._pa.schema(
            [
                self._pa.field(
                    c.name, types[c.type], nullable=not c.required, metadata={"description": c.description}
                )
                for c in t.columns
            ]
        )
        self._writer = parquet.ParquetWriter(path, self._schema)
        self._buffer: list[list[object]] = [[] for _ in t.columns]

    def write(self, row: tuple[object, ...]) -> None:
        for values, value in zip(self._buffer, row, strict=True):
            values.append(value)
        if len(self._buffer[0]) >= PARQUET_BATCH_ROWS:
            self._flush()

    def _flush(self) -> None:
        self._writer.write_table(self._pa.Table.from_arrays(self._buffer, schema=self._schema))
        self._buffer = [[] for _ in self._buffer]

    def close(self) -> None:
        if self._buffer[0]:
            self._flush()
        self._writer.close()


_WRITERS: dict[str, Callable[[Path, Table], _Writer]] = {
    "csv": _CsvWriter,
    "parquet": _ParquetWriter,
    "jsonl": _JsonlWriter,
}
EXTENSIONS = {"csv": "csv", "parquet": "parquet", "jsonl": "jsonl"}


class _Staging:
    """Temporary files beside their final names (``.NAME.*.tmp``, as :func:`store.atomic_write` names them),
    renamed into place together by :meth:`commit`, or all deleted if the export fails."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self._files: list[tuple[Path, Path]] = []

    def path(self, name: str) -> Path:
        """A new temporary file that :meth:`commit` will rename to ``name``."""
        tmp = self.out_dir / f".{name}.{secrets.token_hex(6)}.tmp"
        # os.open rather than mkstemp: the files are for sharing, so they take the umask's permissions
        # (mkstemp's are owner-only).
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        self._files.append((tmp, self.out_dir / name))
        return tmp

    def commit(self) -> list[Path]:
        for tmp, _ in self._files:
            descriptor = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
        for tmp, final in self._files:
            os.replace(tmp, final)
        finals = [final for _, final in self._files]
        self._files = []
        return finals

    def __enter__(self) -> _Staging:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for tmp, _ in self._files:
            tmp.unlink(missing_ok=True)


# --- export ------------------------------------------------------------------------------------------


@dataclass
class ExportResult:
    """What an export wrote and what it left out."""

    out_dir: Path
    format: str
    files: list[Path] = field(default_factory=list)
    """Every file written, tables first, ``datapackage.json`` last."""
    rows: dict[str, int] = field(default_factory=dict)
    """Rows written per table."""
    skipped: list[BlamineError] = field(default_factory=list)
    """Stored documents that could not be read, in file-name order (print ``error.one_line()``)."""
    filtered_out: int = 0
    """Readable documents the filters left out."""
    seconds: float = 0.0


def _read(path: Path) -> DocumentRow:
    """One stored document with the schema version it was written with; ``BlamineError`` naming the file
    if it cannot be read. (``store.read`` drops the stored version, which ``documents`` reports.)"""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        version = str(data.get("schema_version", ""))
        check_schema_version(version)
        return DocumentRow(Document.from_dict(data), version)
    except SchemaVersionError as exc:
        raise BlamineError(path, str(exc), E_STORE) from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BlamineError(path, f"unreadable document ({exc})", E_STORE) from None


def export(
    store: Path, out_dir: Path, format: str = "csv", filters: ExportFilters | None = None
) -> ExportResult:
    """Write the store's agreements as the :data:`TABLES` in ``format`` into ``out_dir``, with
    ``data_dictionary.csv``, ``datapackage.json`` and ``README.txt``. Unreadable documents are skipped and
    listed in the result; a missing store, an unknown format or (for Parquet) a missing pyarrow raise
    ``BlamineError`` before anything is written."""
    started = time.perf_counter()
    if format not in FORMATS:
        raise ValueError(f"format: expected {', '.join(FORMATS)}, got {format!r}")
    if format == "parquet":
        _pyarrow()
    documents = store_module.documents_dir(store)
    if not documents.is_dir():
        raise BlamineError(store, "not a store (no documents/ folder)", E_STORE)
    filters = filters or ExportFilters()
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BlamineError(out_dir, f"cannot create the output folder ({exc})", E_STORE) from None
    result = ExportResult(out_dir, format, rows={t.name: 0 for t in TABLES})
    with _Staging(out_dir) as staging:
        writers = [_WRITERS[format](staging.path(f"{t.name}.{EXTENSIONS[format]}"), t) for t in TABLES]
        try:
            for path in sorted(documents.glob("*.json")):
                try:
                    row = _read(path)
                    if not filters.matches(row.doc):
                        result.filtered_out += 1
                        continue
                    rows = [_rows(t, row) for t in TABLES]
                except InvalidValue as exc:
                    result.skipped.append(BlamineError(path, f"invalid document ({exc})", E_STORE))
                    continue
                except BlamineError as exc:
                    result.skipped.append(exc)
                    continue
                for t, writer, table_rows in zip(TABLES, writers, rows, strict=True):
                    for values in table_rows:
                        writer.write(values)
                    result.rows[t.name] += len(table_rows)
        finally:
            for writer in writers:
                writer.close()
        _write_text(staging.path(DICTIONARY_FILE), _dictionary_csv())
        _write_text(staging.path(README_FILE), _readme(result, filters))
        _write_text(
            staging.path(DATAPACKAGE_FILE),
            json.dumps(datapackage(format), indent=2, ensure_ascii=False) + "\n",
        )
        result.files = staging.commit()
    result.seconds = time.perf_counter() - started
    return result


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="")


def _dictionary_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["table", "column", "type", "description"])
    writer.writerows(dictionary_rows())
    return out.getvalue()


def _version() -> str:
    try:
        return package_metadata.version("blamine")
    except package_metadata.PackageNotFoundError:
        return "unknown"


def datapackage(format: str) -> dict[str, Any]:
    """The Frictionless Data Package descriptor of an export in ``format``: every table's path, fields,
    key and joins, readable by the frictionless packages for R and Python. CSV exports are tabular data
    packages (v1); Parquet and JSON Lines ones plain data packages whose resources still carry a schema."""
    extension = EXTENSIONS[format]
    media = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet", "jsonl": "application/jsonl"}
    types = {
        "string": "string",
        "integer": "integer",
        "number": "number",
        "boolean": "boolean",
        "list": "string",
    }
    resources: list[dict[str, Any]] = []
    for t in TABLES:
        fields = []
        for c in t.columns:
            spec: dict[str, Any] = {"name": c.name, "type": types[c.type], "description": c.description}
            if c.type == "boolean":
                spec |= {"trueValues": ["true"], "falseValues": ["false"]}
            if c.required:
                spec["constraints"] = {"required": True}
            fields.append(spec)
        schema: dict[str, Any] = {"fields": fields, "missingValues": [""], "primaryKey": list(t.primary_key)}
        schema["foreignKeys"] = [
            {"fields": list(columns), "reference": {"resource": other, "fields": list(other_columns)}}
            for columns, other, other_columns in FOREIGN_KEYS.get(t.name, ())
        ]
        resource: dict[str, Any] = {
            "name": t.name,
            "path": f"{t.name}.{extension}",
            "description": t.description,
            "format": format,
            "mediatype": media[format],
            "schema": schema,
        }
        if format == "csv":
            resource |= {"profile": "tabular-data-resource", "encoding": "utf-8"}
            resource["dialect"] = {
                "delimiter": ",",
                "doubleQuote": True,
                "header": True,
                "lineTerminator": "\r\n",
            }
        resources.append(resource)
    resources.append(
        {
            "name": "data_dictionary",
            "path": DICTIONARY_FILE,
            "description": "table, column, type and description of every exported column.",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "profile": "tabular-data-resource",
            "schema": {
                "fields": [{"name": n, "type": "string"} for n in ("table", "column", "type", "description")]
            },
        }
    )
    return {
        "profile": "tabular-data-package" if format == "csv" else "data-package",
        "name": "blamine-export",
        "title": "Bilateral labour migration agreements: clauses, provision labels and scorecards",
        "description": "Exported by blamine; see README.txt and data_dictionary.csv.",
        "version": _version(),
        "resources": resources,
    }


def _readme(result: ExportResult, filters: ExportFilters) -> str:
    """README.txt: what the files are and the conventions to read them by (from the same definitions)."""
    lines = [
        f"blamine export ({result.format}), blamine {_version()}",
        "",
        "Tables (one file each; the columns of every table are in data_dictionary.csv):",
    ]
    for t in TABLES:
        lines.append(f"  {t.name}.{EXTENSIONS[result.format]}: {result.rows[t.name]} rows. {t.description}")
        lines.append(f"      key: {', '.join(t.primary_key)}")
    lines += ["", "Joins:"]
    for name, joins in FOREIGN_KEYS.items():
        for columns, other, _ in joins:
            lines.append(f"  {name} -> {other} on {', '.join(columns)}")
    lines += ["", "Column types:"]
    lines += [f"  {name}: {note}" for name, note in TYPE_NOTES.items()]
    if result.format == "csv":
        lines += [
            "",
            "CSV: UTF-8 (no byte-order mark), header row, RFC 4180 quoting; line breaks inside a clause's",
        ]
        lines += ["text are kept inside its quoted cell, so read with a CSV parser, not line by line."]
    given = {name: value for name, value in vars(filters).items() if value is not None}
    lines += [
        "",
        "Filters: "
        + (", ".join(f"{k}={v}" for k, v in given.items()) if given else "none (every agreement)"),
    ]
    if result.skipped:
        lines += ["", f"Skipped (unreadable, not exported): {len(result.skipped)} documents"]
        lines += [f"  {error.one_line()}" for error in result.skipped]
    lines += [
        "",
        "datapackage.json describes the same tables as a Frictionless Data Package (frictionless.io).",
    ]
    return "\n".join(lines) + "\n"
