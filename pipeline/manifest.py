"""The ingest journal: ``STORE/manifest.sqlite``, one row per source file the store has seen.

A row says what became of a file the last time it was ingested: ``done`` (its document is stored),
``failed`` (with the error code and message) or ``skipped`` (its bytes are another file's, named in
``duplicate_of``, whose document it shares). With the file's SHA-256 and the pipeline, model and settings
versions that produced the row, it lets a re-run skip what is already up to date and lets
``--retry-failed`` find what failed.

Crash safety comes from the order of writes, not from this file alone: the ingest driver writes a file's
row only after its document JSON (atomic rename) and its index rows (one transaction) are in place, and
every row is committed in one SQLite transaction. A run killed at any moment therefore leaves each file
either journaled with a finished document, or not journaled (or journaled with its old state) and redone
by the next run; redoing is idempotent because the document path is its content hash and the index
replaces a document's rows. SQLite in WAL mode keeps committed rows through a SIGKILL and lets readers
(a progress monitor, a test) look while the driver writes.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import astuple, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from .errors import E_STORE, BlamineError
from .index import write_transaction
from .store import atomic_write_text

MANIFEST_FILE = "manifest.sqlite"
FAILURES_FILE = "failures.csv"

MANIFEST_SCHEMA_VERSION = 1
"""Version of the table below; a manifest from a newer blamine is refused, never misread."""

State = Literal["done", "failed", "skipped"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    sha256 TEXT,
    size INTEGER,
    state TEXT NOT NULL CHECK (state IN ('done', 'failed', 'skipped')),
    doc_id TEXT,
    duplicate_of TEXT,
    pipeline_version TEXT NOT NULL,
    model_version TEXT NOT NULL,
    settings TEXT NOT NULL,
    code TEXT,
    message TEXT,
    seconds REAL,
    pages INTEGER,
    recorded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS files_sha256 ON files (sha256, state);
"""


@dataclass(frozen=True)
class Entry:
    """One row of ``files``: a source file (absolute, resolved ``path``) and what became of it."""

    path: str
    sha256: str | None
    size: int | None
    state: State
    doc_id: str | None
    duplicate_of: str | None
    pipeline_version: str
    model_version: str
    settings: str
    """Fingerprint of the per-file settings that change the output (OCR languages, the user's metadata
    row): a file re-ingested with other settings is redone, not skipped."""
    code: str | None = None
    message: str | None = None
    seconds: float | None = None
    pages: int | None = None
    recorded_at: str = ""

    def versions(self) -> tuple[str, str, str]:
        """What, besides the bytes, decides the stored document."""
        return self.pipeline_version, self.model_version, self.settings


COLUMNS = tuple(f.name for f in fields(Entry))
INSERT = f"INSERT OR REPLACE INTO files ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"


class Manifest:
    """The journal of one store, open for the ingest driver (its only writer)."""

    def __init__(self, store: Path) -> None:
        self.path = Path(store) / MANIFEST_FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._conn = sqlite3.connect(self.path, isolation_level=None)
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
            self._conn.executescript(SCHEMA)
            self._check_version()
        except sqlite3.DatabaseError as exc:
            raise BlamineError(self.path, f"unreadable ingest manifest ({exc})", E_STORE) from None

    def _check_version(self) -> None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            self._conn.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (str(MANIFEST_SCHEMA_VERSION),)
            )
        elif int(row[0]) > MANIFEST_SCHEMA_VERSION:
            raise BlamineError(
                self.path,
                f"manifest schema version {row[0]} is newer than this blamine reads "
                f"({MANIFEST_SCHEMA_VERSION}); upgrade blamine",
                E_STORE,
            )

    def close(self) -> None:
        self._conn.close()

    def get(self, path: str) -> Entry | None:
        """The row of one file, or ``None`` if the store has never seen it."""
        return next(self._select("WHERE path = ?", (path,)), None)

    def done_with(self, sha256: str, pipeline_version: str, model_version: str) -> Entry | None:
        """The first file (by path) whose document, made from these bytes by this pipeline and model, is
        stored. Settings are not compared: a duplicate shares the stored document whatever its own."""
        where = "WHERE sha256 = ? AND state = 'done' AND pipeline_version = ? AND model_version = ?"
        return next(
            self._select(f"{where} ORDER BY path LIMIT 1", (sha256, pipeline_version, model_version)), None
        )

    def holders(self, doc_id: str) -> list[str]:
        """The files whose row names this document (stored from them, duplicates of them, or failed since
        and still standing for them)."""
        return [entry.path for entry in self._select("WHERE doc_id = ? ORDER BY path", (doc_id,))]

    def entries(self, state: State | None = None) -> list[Entry]:
        """All rows (or those in ``state``), by path."""
        if state is None:
            return list(self._select("ORDER BY path"))
        return list(self._select("WHERE state = ? ORDER BY path", (state,)))

    def record(self, entries: Iterable[Entry]) -> None:
        """Insert or replace rows, all in one transaction, stamped with the current time."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        rows = [astuple(entry)[:-1] + (now,) for entry in entries]
        with write_transaction(self._conn):
            self._conn.executemany(INSERT, rows)

    def _select(self, where: str, parameters: tuple[str, ...] = ()) -> Iterator[Entry]:
        query = f"SELECT {', '.join(COLUMNS)} FROM files {where}"
        for row in self._conn.execute(query, parameters):
            yield Entry(*row)


FAILURE_COLUMNS = ("path", "code", "message", "sha256", "recorded_at")


def write_failures_csv(manifest: Manifest, store: Path) -> Path:
    """Rewrite ``STORE/failures.csv`` atomically from the manifest's failed rows (one per file, by path),
    so the list a user opens in a spreadsheet always matches the journal."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FAILURE_COLUMNS)
    for entry in manifest.entries("failed"):
        writer.writerow([getattr(entry, name) or "" for name in FAILURE_COLUMNS])
    path = Path(store) / FAILURES_FILE
    atomic_write_text(path, out.getvalue())
    return path
