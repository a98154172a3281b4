"""The search index: ``STORE/index.sqlite``, a SQLite database derived from the JSON documents.

The JSON files stay the source of truth; everything here can be rebuilt from them with :func:`reindex`.
The index holds one row per document (``documents``, with its countries in ``document_countries``), one
row per clause (``clauses``), the clause labels (``clause_labels``), the document's scorecard (one row per
criterion in ``scorecard``, one row per evidence clause in ``scorecard_evidence``, so the comparative
report of :mod:`pipeline.report` reads 10,000 agreements' scorecards without opening their JSON) and an
FTS5 full-text index over the clause text (``clauses_fts``, external content: the text is stored once,
in ``clauses``, and triggers keep the full-text rows in step with the clause rows, so deleting a
document's clauses can never leave full-text rows behind).

Tokenizer: ``unicode61 remove_diacritics 2``, without ``porter``. The agreements are written in English,
French, Dutch, German, Spanish and Portuguese, and porter is an English stemmer. Checked with FTS5's own
porter: on the other languages it cuts English endings by accident (Dutch "werving" becomes "werv", as if
"-ing" were English) while their real inflections stay apart ("werving"/"werven", German
"Arbeitnehmer"/"Arbeitnehmern"), and even in English it merges words of different meaning
("general"/"generous", "university"/"universal"). Plain tokens keep matches predictable in every language
and the highlights show exactly what matched; recall across inflections and languages comes back
explicitly, through prefix queries (``wage*``) and the synonym groups of ``pipeline/data/synonyms.json``,
which list inflected forms. ``remove_diacritics 2`` lets ``salario`` find ``salário`` and ``Lohne`` find
``Löhne``. There is no prefix index (``prefix=``): prefix queries meet their target without one, and one
index length alone (``prefix='4'``) made a 200,000-clause build 25 % slower for 2 ms off the prefix p95
(see ``pipeline/search.py`` and ``bench/bench_search.py``).

Filters: each clause row also carries ``tags``, one word per filterable fact (see :func:`tag`), indexed
as a second full-text column, so a search intersects filter posting lists inside FTS5 instead of joining
tables; and clause rowids encode (year, agreement, position) (see :func:`clause_rowid`), so full-text
matches come out newest agreement first.

Concurrency: the database runs in WAL mode, so readers never wait for a writer and always see a
committed state. Every write (one document, a batch, a full rebuild) is one ``BEGIN IMMEDIATE``
transaction, which takes SQLite's single write lock at the start; a second writer waits at most
:data:`BUSY_TIMEOUT` seconds and then gets one clear ``E_LOCKED`` error instead of a half-written index.

A full rebuild runs in one transaction on the live file rather than in a temporary file renamed over it:
renaming a file over a SQLite database that other connections hold open in WAL mode lets them pair the new
file with the old ``-wal``/``-shm`` files, which corrupts it (sqlite.org/howtocorrupt.html). In one
transaction the rebuild is just as atomic: readers see the old index until the commit and the new one
after, and a killed rebuild is rolled back, leaving the old index intact.

Versioning: ``meta.schema_version`` is :data:`INDEX_SCHEMA_VERSION`. An index from an older blamine is
rebuilt from the JSON when opened; one from a newer blamine is refused, never misread.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import E_LOCKED, E_STORE, BlamineError
from .model import Clause, Document
from .store import documents_dir, read

INDEX_SCHEMA_VERSION = 2
"""Version of the tables below; bump it whenever they change, and old indexes are rebuilt on open.
2: the ``scorecard`` and ``scorecard_evidence`` tables."""

INDEX_FILE = "index.sqlite"

BUSY_TIMEOUT = 2.0
"""Seconds a writer waits for another writer's lock before giving up with ``E_LOCKED``."""

TOKENIZER = "unicode61 remove_diacritics 2"

YEAR_SHIFT = 40
DOCUMENT_SHIFT = 20
YEAR_KEYS = 1 << 13
"""Clause rowids pack (year, agreement, position): 2^20 clauses per agreement, 2^20 agreements per year."""

SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (
    doc_id TEXT PRIMARY KEY,
    filename TEXT NOT NULL,
    source_path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    pages INTEGER NOT NULL,
    title TEXT,
    year INTEGER,
    type TEXT,
    language TEXT,
    origin TEXT,
    destination TEXT,
    date_signed TEXT,
    place TEXT,
    model_name TEXT,
    model_version TEXT
);
CREATE INDEX documents_order ON documents (year, doc_id);
CREATE TABLE document_countries (
    doc_id TEXT NOT NULL,
    country TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (doc_id, country)
) WITHOUT ROWID;
CREATE INDEX document_countries_country ON document_countries (country, doc_id);
CREATE TABLE clauses (
    id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL,
    clause_id TEXT NOT NULL,
    ord INTEGER NOT NULL,
    kind TEXT NOT NULL,
    parent TEXT,
    article TEXT,
    number TEXT,
    heading TEXT,
    page_start INTEGER NOT NULL,
    page_end INTEGER NOT NULL,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    language TEXT,
    strength TEXT,
    in_annex INTEGER NOT NULL,
    parallel_of TEXT,
    tags TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE UNIQUE INDEX clauses_order ON clauses (doc_id, ord);
CREATE TABLE clause_labels (
    clause INTEGER NOT NULL,
    label TEXT NOT NULL,
    score REAL NOT NULL,
    PRIMARY KEY (clause, label)
) WITHOUT ROWID;
CREATE INDEX clause_labels_label ON clause_labels (label, clause);
CREATE TABLE scorecard (
    doc_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    criterion TEXT NOT NULL,
    value TEXT NOT NULL,
    strength TEXT,
    reason TEXT NOT NULL,
    pages TEXT NOT NULL,
    PRIMARY KEY (doc_id, position)
) WITHOUT ROWID;
CREATE TABLE scorecard_evidence (
    doc_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    ord INTEGER NOT NULL,
    clause_id TEXT NOT NULL,
    clause INTEGER,
    PRIMARY KEY (doc_id, position, ord)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE clauses_fts USING fts5(
    text, tags, content='clauses', content_rowid='id', tokenize='{TOKENIZER}'
);
"""
"""``clauses.id`` orders clauses for browsing (see :func:`clause_rowid`). ``clauses.tags`` holds one word
per filterable fact of the clause (see :func:`tag`), indexed in the second full-text column, so filters
are posting lists that FTS5 intersects with the query's; the query itself only searches ``text``.

``scorecard`` holds one row per scorecard entry (``position``: its place in the document's scorecard;
``pages``: the JSON list of pages, read whole, never filtered on); ``scorecard_evidence`` one row per
evidence clause of an entry, in the entry's order, with ``clause`` the ``clauses.id`` of that clause
(``NULL`` if the document has no clause with that id), so a report quotes the evidence by key."""

TRIGGERS = """
CREATE TRIGGER clauses_fts_insert AFTER INSERT ON clauses BEGIN
    INSERT INTO clauses_fts (rowid, text, tags) VALUES (new.id, new.text, new.tags);
END;
CREATE TRIGGER clauses_fts_delete AFTER DELETE ON clauses BEGIN
    INSERT INTO clauses_fts (clauses_fts, rowid, text, tags) VALUES ('delete', old.id, old.text, old.tags);
END;
"""
"""Keep the full-text rows in step with the clause rows. Clause rows are never updated in place (a document
is replaced by delete + insert), so these two cover every change. A rebuild creates them after loading and
fills the full-text index in one pass ('rebuild'), four times faster than row by row through the trigger."""


@dataclass
class IndexStats:
    """What a (re)index wrote."""

    path: Path
    documents: int = 0
    clauses: int = 0
    seconds: float = 0.0
    bytes: int = 0
    errors: list[str] = field(default_factory=list)
    """One-line messages for stored documents that could not be read (they are not in the index)."""


def index_path(store: Path) -> Path:
    return Path(store) / INDEX_FILE


def connect(path: Path, busy_timeout: float = BUSY_TIMEOUT) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit) on a WAL database at ``path``.

    The file is created when missing but gets no tables: :func:`open_index` or :func:`rebuild` add them.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
    except sqlite3.OperationalError as exc:
        raise _error(path, exc) from None
    except sqlite3.DatabaseError as exc:
        raise BlamineError(
            path, f"unreadable index ({exc}); delete it and run blamine reindex", E_STORE
        ) from None
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def open_index(store: Path, busy_timeout: float = BUSY_TIMEOUT) -> sqlite3.Connection:
    """A connection to ``STORE/index.sqlite``, built from the JSON first if it is missing or out of date.

    Raises ``BlamineError`` for a store without ``documents/``, an index written by a newer blamine, or a
    rebuild blocked by another writer.
    """
    store = Path(store)
    if not documents_dir(store).is_dir():
        raise BlamineError(store, "not a store (no documents/ folder)", E_STORE)
    path = index_path(store)
    conn = connect(path, busy_timeout)
    try:
        if _readable_version(conn, path) != INDEX_SCHEMA_VERSION:
            _rebuild_from_store(conn, store)
    except BaseException:
        conn.close()
        raise
    return conn


def schema_version(conn: sqlite3.Connection) -> int | None:
    """The index schema version recorded in ``meta``; ``None`` for an empty or unversioned database."""
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.OperationalError:
        return None
    try:
        return int(row[0]) if row else None
    except ValueError:
        return None


def _readable_version(conn: sqlite3.Connection, path: Path) -> int | None:
    """The index schema version, refusing one newer than this blamine reads."""
    version = schema_version(conn)
    if version is not None and version > INDEX_SCHEMA_VERSION:
        raise BlamineError(
            path,
            f"index schema version {version} is newer than this blamine reads ({INDEX_SCHEMA_VERSION});"
            " upgrade blamine, or delete the index and run blamine reindex",
            E_STORE,
        )
    return version


@contextlib.contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any error; a held lock becomes ``E_LOCKED``."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        raise _error(_database_path(conn), exc) from None
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def index_document(conn: sqlite3.Connection, doc: Document) -> None:
    """Add ``doc`` to the index, replacing its old rows, in one transaction."""
    with write_transaction(conn):
        _replace_document(conn, doc)


def remove_document(conn: sqlite3.Connection, doc_id: str) -> None:
    """Remove a document and all its clause, label, scorecard and full-text rows, in one transaction."""
    with write_transaction(conn):
        _delete_document(conn, doc_id)


def update_index(store: Path, docs: Iterable[Document], busy_timeout: float = BUSY_TIMEOUT) -> IndexStats:
    """Bring the store's index up to date with freshly stored ``docs`` (one transaction for all).

    Opening builds the whole index from the JSON when there is none yet (a store ingested before search
    existed), so the index never holds only the latest documents.
    """
    started = time.perf_counter()
    docs = list(docs)
    path = index_path(store)
    with contextlib.closing(open_index(store, busy_timeout)) as conn, write_transaction(conn):
        for doc in docs:
            _replace_document(conn, doc)
    return IndexStats(
        path,
        documents=len(docs),
        clauses=sum(len(doc.clauses) for doc in docs),
        seconds=time.perf_counter() - started,
        bytes=path.stat().st_size,
    )


def reindex(store: Path, busy_timeout: float = BUSY_TIMEOUT) -> IndexStats:
    """Rebuild ``STORE/index.sqlite`` from every stored JSON document, atomically (see the module text).

    Documents that cannot be read are left out and reported in ``IndexStats.errors``.
    """
    store = Path(store)
    if not documents_dir(store).is_dir():
        raise BlamineError(store, "not a store (no documents/ folder)", E_STORE)
    path = index_path(store)
    with contextlib.closing(connect(path, busy_timeout)) as conn:
        _readable_version(conn, path)
        return _rebuild_from_store(conn, store)


def rebuild(conn: sqlite3.Connection, docs: Iterable[Document]) -> IndexStats:
    """Replace the whole index behind ``conn`` by ``docs`` in one transaction (the tables of any older
    version are dropped first); :func:`reindex` and the benchmark both build through here."""
    started = time.perf_counter()
    path = _database_path(conn)
    stats = IndexStats(path)
    with write_transaction(conn):
        _drop_everything(conn)
        for statement in _statements(SCHEMA):
            conn.execute(statement)
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (str(INDEX_SCHEMA_VERSION),)
        )
        for doc in docs:
            _insert_document(conn, doc)
            stats.documents += 1
            stats.clauses += len(doc.clauses)
        conn.execute("INSERT INTO clauses_fts (clauses_fts) VALUES ('rebuild')")
        for statement in _statements(TRIGGERS):
            conn.execute(statement)
        conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    stats.seconds = time.perf_counter() - started
    stats.bytes = path.stat().st_size
    return stats


def _rebuild_from_store(conn: sqlite3.Connection, store: Path) -> IndexStats:
    errors: list[str] = []
    stats = rebuild(conn, _readable_documents(store, errors))
    stats.errors = errors
    return stats


def _readable_documents(store: Path, errors: list[str]) -> Iterator[Document]:
    """The store's documents in file-name order; an unreadable one is noted in ``errors`` and skipped, so
    one bad file never keeps the others out of the index."""
    for path in sorted(documents_dir(store).glob("*.json")):
        try:
            yield read(path)
        except BlamineError as exc:
            errors.append(exc.one_line())


def _statements(script: str) -> list[str]:
    """The statements of a script (``executescript`` would commit our open transaction)."""
    statements, current = [], ""
    for line in script.strip().splitlines():
        current += line + "\n"
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    return statements


def _drop_everything(conn: sqlite3.Connection) -> None:
    """Drop every table of the index, of this version or an older one (virtual tables first, which also
    drops their shadow tables)."""
    rows = conn.execute(
        "SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    virtual = [name for name, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL TABLE")]
    for name in virtual:
        conn.execute(f'DROP TABLE IF EXISTS "{name}"')
    for name, _ in rows:
        conn.execute(f'DROP TABLE IF EXISTS "{name}"')


def _delete_document(conn: sqlite3.Connection, doc_id: str) -> None:
    conn.execute("DELETE FROM scorecard_evidence WHERE doc_id = ?", (doc_id,))
    conn.execute("DELETE FROM scorecard WHERE doc_id = ?", (doc_id,))
    conn.execute(
        "DELETE FROM clause_labels WHERE clause IN (SELECT id FROM clauses WHERE doc_id = ?)", (doc_id,)
    )
    conn.execute("DELETE FROM clauses WHERE doc_id = ?", (doc_id,))
    conn.execute("DELETE FROM document_countries WHERE doc_id = ?", (doc_id,))
    conn.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))


def _replace_document(conn: sqlite3.Connection, doc: Document) -> None:
    _delete_document(conn, doc.doc_id)
    _insert_document(conn, doc)


def _insert_document(conn: sqlite3.Connection, doc: Document) -> None:
    meta, source = doc.metadata, doc.source
    conn.execute(
        "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            doc.doc_id,
            source.filename,
            source.path,
            source.sha256,
            source.pages,
            meta.title,
            meta.year,
            meta.type,
            meta.language,
            meta.origin,
            meta.destination,
            meta.date_signed,
            meta.place,
            doc.model.name if doc.model else None,
            doc.model.version if doc.model else None,
        ),
    )
    conn.executemany(
        "INSERT OR IGNORE INTO document_countries VALUES (?, ?, ?)",
        [(doc.doc_id, country, position) for position, country in enumerate(meta.countries)],
    )
    first_id = _first_rowid(conn, meta.year)
    countries = [tag("country", country) for country in meta.countries]
    document_tags = [ALL, *countries]
    for name, value in (("origin", meta.origin), ("destination", meta.destination), ("year", meta.year)):
        if value is not None:
            document_tags.append(tag(name, value))
    if meta.type:
        document_tags.append(tag("type", meta.type))
    conn.executemany(
        "INSERT INTO clauses VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                first_id + ord_,
                doc.doc_id,
                clause.id,
                ord_,
                clause.kind,
                clause.parent,
                clause.article,
                clause.number,
                clause.heading,
                clause.page_start,
                clause.page_end,
                clause.char_start,
                clause.char_end,
                clause.language or meta.language,
                clause.strength,
                int(clause.in_annex),
                clause.parallel_of,
                _clause_tags(document_tags, clause, meta.language),
                clause.text,
            )
            for ord_, clause in enumerate(doc.clauses)
        ],
    )
    conn.executemany(
        "INSERT OR REPLACE INTO clause_labels VALUES (?, ?, ?)",
        [
            (first_id + ord_, score.label, score.score)
            for ord_, clause in enumerate(doc.clauses)
            for score in clause.labels
        ],
    )
    _insert_scorecard(conn, doc, first_id)


def _insert_scorecard(conn: sqlite3.Connection, doc: Document, first_id: int) -> None:
    """The document's scorecard entries and their evidence, each evidence clause keyed to its row."""
    rowids = {clause.id: first_id + ord_ for ord_, clause in enumerate(doc.clauses)}
    conn.executemany(
        "INSERT INTO scorecard VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                doc.doc_id,
                position,
                entry.criterion,
                entry.value,
                entry.strength,
                entry.reason,
                json.dumps(entry.pages),
            )
            for position, entry in enumerate(doc.scorecard)
        ],
    )
    conn.executemany(
        "INSERT INTO scorecard_evidence VALUES (?, ?, ?, ?, ?)",
        [
            (doc.doc_id, position, ord_, clause_id, rowids.get(clause_id))
            for position, entry in enumerate(doc.scorecard)
            for ord_, clause_id in enumerate(entry.evidence)
        ],
    )


def clause_rowid(year: int | None, document: int, position: int) -> int:
    """The rowid of a clause: agreement year (newest first, unknown last), then the agreement's number
    within its year (in indexing order), then the clause's position in the agreement.

    Full-text matches come out of FTS5 in rowid order, so filters without a query list clauses newest
    agreement first without sorting, and a very common query's first matches are the newest ones."""
    year_key = YEAR_KEYS - 1 - year if year is not None and 0 < year < YEAR_KEYS else YEAR_KEYS - 1
    return (year_key << YEAR_SHIFT) | (document << DOCUMENT_SHIFT) | position


def _first_rowid(conn: sqlite3.Connection, year: int | None) -> int:
    """The rowid of the first clause of the next agreement indexed for ``year``."""
    start = clause_rowid(year, 0, 0)
    last = conn.execute(
        "SELECT max(id) FROM clauses WHERE id >= ? AND id < ?", (start, start + (1 << YEAR_SHIFT))
    ).fetchone()[0]
    return start if last is None else clause_rowid(year, ((last - start) >> DOCUMENT_SHIFT) + 1, 0)


def tag(name: str, value: object) -> str:
    """The word that marks a filterable fact in ``clauses.tags``: ``country`` + ``PH`` → ``countryph``.

    Letters and digits only, so the tokenizer keeps it whole; the search filters build the same words."""
    return name + "".join(ch for ch in str(value).casefold() if ch.isalnum())


ALL = "any"
"""The tag every clause has: what filters alone match when there are none."""


def _clause_tags(document_tags: list[str], clause: Clause, document_language: str | None) -> str:
    tags = [*document_tags, *(tag("label", score.label) for score in clause.labels)]
    language = clause.language or document_language
    if language:
        tags.append(tag("language", language))
    if clause.strength:
        tags.append(tag("strength", clause.strength))
    return " ".join(tags)


def _database_path(conn: sqlite3.Connection) -> Path:
    return Path(conn.execute("PRAGMA database_list").fetchone()[2])


def _error(path: Path, exc: sqlite3.OperationalError) -> BlamineError:
    """SQLite's ``database is locked`` as the one-line lock error; anything else as a store error."""
    if "locked" in str(exc) or "busy" in str(exc):
        return BlamineError(
            path,
            "another blamine process is writing the index (database is locked); try again when it is done",
            E_LOCKED,
        )
    return BlamineError(path, f"index error ({exc})", E_STORE)
