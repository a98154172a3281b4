"""The SQLite search index: derived from the JSON, replaced atomically, versioned, safe with concurrency."""

from __future__ import annotations

import copy
import functools
import json
import sqlite3
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline import store as store_module
from pipeline.classify import load_model
from pipeline.errors import E_LOCKED, E_STORE, BlamineError
from pipeline.index import (
    INDEX_SCHEMA_VERSION,
    connect,
    index_document,
    index_path,
    open_index,
    reindex,
    remove_document,
    schema_version,
    update_index,
    write_transaction,
)
from pipeline.ingest import process
from pipeline.model import Clause, Document, LabelScore, Metadata, Source
from pipeline.scorecard import score
from pipeline.search import search
from pipeline.taxonomy import criteria
from tests.conftest import CORPUS_PDFS


@functools.cache
def corpus_documents() -> tuple[Document, ...]:
    """The bundled sample agreements through the real pipeline and the shipped model, once per session
    (tests that change a document deep-copy it first)."""
    model = load_model()
    return tuple(process(pdf, model) for pdf in sorted(CORPUS_PDFS.glob("*.pdf")))


def saved_store(folder: Path, docs: tuple[Document, ...] | list[Document]) -> Path:
    """A store holding ``docs`` as JSON, without an index yet."""
    for doc in docs:
        store_module.save(doc, folder)
    return folder


def small_document(name: str, texts: list[str], year: int = 2000, labels: tuple[str, ...] = ()) -> Document:
    """An English MOU between PH and KW whose doc_id is ``name`` (hex digits) padded to 16 with zeros."""
    doc_id = name.rjust(16, "0")
    clauses = [
        Clause(
            id=f"art-{number}",
            kind="article",
            text=text,
            char_start=0,
            char_end=len(text),
            page_start=1,
            page_end=1,
            labels=[LabelScore(label, 0.9) for label in labels],
            language="en",
        )
        for number, text in enumerate(texts, start=1)
    ]
    return Document(
        doc_id=doc_id,
        source=Source(f"{doc_id}.pdf", f"{doc_id}.pdf", doc_id * 4, 100, 1),
        metadata=Metadata(title=f"Agreement {doc_id}", countries=["PH", "KW"], year=year, type="MOU"),
        clauses=clauses,
    )


def contents(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    """Every index row, keyed by what it means rather than by rowid (rowids depend on indexing order)."""
    return {
        "documents": conn.execute("SELECT * FROM documents ORDER BY doc_id").fetchall(),
        "countries": conn.execute("SELECT * FROM document_countries ORDER BY doc_id, position").fetchall(),
        "clauses": conn.execute(
            "SELECT doc_id, clause_id, ord, kind, parent, article, number, heading, page_start, page_end, "
            "char_start, char_end, language, strength, in_annex, parallel_of, tags, text "
            "FROM clauses ORDER BY doc_id, ord"
        ).fetchall(),
        "labels": conn.execute(
            "SELECT c.doc_id, c.clause_id, l.label, l.score FROM clause_labels l "
            "JOIN clauses c ON c.id = l.clause ORDER BY 1, 2, 3"
        ).fetchall(),
        "scorecard": conn.execute("SELECT * FROM scorecard ORDER BY doc_id, position").fetchall(),
        "evidence": conn.execute(
            "SELECT e.doc_id, e.position, e.ord, e.clause_id, c.clause_id FROM scorecard_evidence e "
            "LEFT JOIN clauses c ON c.id = e.clause ORDER BY 1, 2, 3"
        ).fetchall(),
    }


def scorecard_rows(conn: sqlite3.Connection, doc_id: str) -> list[tuple]:
    """A document's scorecard as the index holds it: (criterion, value, strength, reason, pages JSON,
    evidence clause ids as their clause rows name them)."""
    evidence: dict[int, list[str]] = {}
    for position, clause_id in conn.execute(
        "SELECT e.position, c.clause_id FROM scorecard_evidence e JOIN clauses c ON c.id = e.clause "
        "WHERE e.doc_id = ? ORDER BY e.position, e.ord",
        [doc_id],
    ):
        evidence.setdefault(position, []).append(clause_id)
    return [
        (*row[1:], evidence.get(row[0], []))
        for row in conn.execute(
            "SELECT position, criterion, value, strength, reason, pages FROM scorecard WHERE doc_id = ? "
            "ORDER BY position",
            [doc_id],
        )
    ]


def expected_scorecard(doc: Document) -> list[tuple]:
    return [
        (e.criterion, e.value, e.strength, e.reason, json.dumps(e.pages), e.evidence) for e in doc.scorecard
    ]


def full_text_is_consistent(conn: sqlite3.Connection) -> bool:
    """FTS5's own check that its index holds exactly the rows of the content table."""
    try:
        conn.execute("INSERT INTO clauses_fts (clauses_fts, rank) VALUES ('integrity-check', 1)")
    except sqlite3.DatabaseError:
        return False
    return True


def found(conn: sqlite3.Connection, query: str) -> list[tuple[str, str]]:
    """(doc_id without its leading zeros, clause id) of every hit."""
    return sorted((hit.doc_id.lstrip("0"), hit.clause_id) for hit in search(conn, query, limit=1000).hits)


def test_reindex_from_json_equals_the_index_built_document_by_document(tmp_path):
    docs = corpus_documents()
    rebuilt = saved_store(tmp_path / "a", docs)
    stats = reindex(rebuilt)
    assert (stats.documents, stats.clauses, stats.errors) == (
        len(docs),
        sum(len(d.clauses) for d in docs),
        [],
    )
    incremental = saved_store(tmp_path / "b", [])
    store_module.documents_dir(incremental).mkdir(parents=True)
    for doc in reversed(docs):
        update_index(incremental, [doc])
    with closing(open_index(rebuilt)) as one, closing(open_index(incremental)) as other:
        assert contents(one) == contents(other)
        assert contents(one)["labels"], "the shipped model labels the sample agreements"
        assert len(contents(one)["scorecard"]) == len(docs) * len(criteria())
        assert contents(one)["evidence"] and all(row[3] == row[4] for row in contents(one)["evidence"])
        for query in ("wage", '"social security"', "recrut*", "loon OR Lohn", "worker NOT domestic"):
            assert found(one, query) == found(other, query)
        assert full_text_is_consistent(one) and full_text_is_consistent(other)


def test_reindexing_a_changed_document_replaces_all_its_rows(tmp_path):
    doc = small_document(
        "a1", ["The employer pays the wage monthly.", "Housing is free."], labels=("wage_protection",)
    )
    other = small_document("b2", ["The wage is paid in cash."])
    store = saved_store(tmp_path / "s", [doc, other])
    with closing(open_index(store)) as conn:
        changed = copy.deepcopy(doc)
        changed.clauses = changed.clauses[1:]
        changed.clauses[0].text = "Lodging is provided by the employer."
        changed.clauses[0].labels = [LabelScore("accommodation_living_conditions", 0.8)]
        index_document(conn, changed)
        rows = contents(conn)
        assert [r[1] for r in rows["clauses"] if r[0] == doc.doc_id] == ["art-2"]
        assert [r[:3] for r in rows["labels"]] == [(doc.doc_id, "art-2", "accommodation_living_conditions")]
        orphans = conn.execute(
            "SELECT count(*) FROM clause_labels WHERE clause NOT IN (SELECT id FROM clauses)"
        )
        assert orphans.fetchone()[0] == 0
        assert found(conn, "housing") == []
        assert found(conn, "lodging") == [("a1", "art-2")]
        assert found(conn, "wage") == [("b2", "art-1")]
        assert full_text_is_consistent(conn)


def test_a_failed_replacement_keeps_the_old_rows(tmp_path):
    store = saved_store(tmp_path / "s", [small_document("a1", ["The wage is paid monthly."])])
    with closing(open_index(store)) as conn:
        before = contents(conn)
        broken = small_document("a1", ["Housing is free.", "x"])
        broken.clauses[1].text = None  # NOT NULL: the insert fails after the old rows were deleted
        with pytest.raises(sqlite3.IntegrityError):
            index_document(conn, broken)
        assert contents(conn) == before
        assert found(conn, "wage") == [("a1", "art-1")]


def test_removing_a_document_leaves_no_rows_behind(tmp_path):
    store = saved_store(tmp_path / "s", [small_document("a1", ["The wage."], labels=("wage_protection",))])
    with closing(open_index(store)) as conn:
        remove_document(conn, "a1".rjust(16, "0"))
        assert all(rows == [] for rows in contents(conn).values())
        assert conn.execute("SELECT count(*) FROM clauses_fts").fetchone()[0] == 0
        assert full_text_is_consistent(conn)


def test_an_index_from_an_older_blamine_is_rebuilt_from_the_json(tmp_path):
    store = saved_store(tmp_path / "s", [small_document("a1", ["The wage is paid monthly."])])
    with closing(connect(index_path(store))) as conn:
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        conn.execute("INSERT INTO meta VALUES ('schema_version', '0')")
        conn.execute("CREATE TABLE clauses (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("INSERT INTO clauses VALUES (1, 'stale row of an old layout')")
    with closing(open_index(store)) as conn:
        assert schema_version(conn) == INDEX_SCHEMA_VERSION
        assert found(conn, "wage") == [("a1", "art-1")]
        assert found(conn, "stale") == []


def test_scorecard_rows_follow_a_documents_replacement_and_removal(tmp_path):
    doc = score(
        small_document("a1", ["The employer shall pay the wage monthly."], labels=("wage_protection",))
    )
    other = score(
        small_document("b2", ["Housing shall be provided."], labels=("accommodation_living_conditions",))
    )
    store = saved_store(tmp_path / "s", [doc, other])
    with closing(open_index(store)) as conn:
        assert scorecard_rows(conn, doc.doc_id) == expected_scorecard(doc)
        wage = next(row for row in scorecard_rows(conn, doc.doc_id) if row[0] == "wage_protection")
        assert wage[1] == "yes" and wage[-1] == ["art-1"]

        changed = copy.deepcopy(doc)
        changed.clauses[0].labels = [LabelScore("accommodation_living_conditions", 0.8)]
        changed.clauses.append(
            replace(changed.clauses[0], id="art-2", labels=[LabelScore("wage_protection", 0.7)])
        )
        score(changed)
        index_document(conn, changed)
        assert scorecard_rows(conn, doc.doc_id) == expected_scorecard(changed)
        wage = next(row for row in scorecard_rows(conn, doc.doc_id) if row[0] == "wage_protection")
        assert wage[-1] == ["art-2"]
        assert scorecard_rows(conn, other.doc_id) == expected_scorecard(other)

        remove_document(conn, doc.doc_id)
        assert scorecard_rows(conn, doc.doc_id) == []
        left = conn.execute(
            "SELECT DISTINCT doc_id FROM scorecard UNION SELECT doc_id FROM scorecard_evidence"
        )
        assert [row[0] for row in left] == [other.doc_id]


def test_an_index_of_version_1_gains_the_scorecard_tables_when_opened(tmp_path):
    doc = score(
        small_document("a1", ["The employer shall pay the wage monthly."], labels=("wage_protection",))
    )
    store = saved_store(tmp_path / "s", [doc])
    with closing(open_index(store)) as conn:
        conn.execute("DROP TABLE scorecard")
        conn.execute("DROP TABLE scorecard_evidence")
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    with closing(open_index(store)) as conn:
        assert schema_version(conn) == INDEX_SCHEMA_VERSION == 2
        assert scorecard_rows(conn, doc.doc_id) == expected_scorecard(doc)


def test_an_index_from_a_newer_blamine_is_refused_not_misread(tmp_path):
    store = saved_store(tmp_path / "s", [small_document("a1", ["The wage is paid monthly."])])
    with closing(open_index(store)) as conn:
        conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(INDEX_SCHEMA_VERSION + 1)]
        )
    for action in (open_index, reindex):
        with pytest.raises(BlamineError) as error:
            action(store)
        assert error.value.code == E_STORE and "newer than this blamine reads" in error.value.reason
    with closing(connect(index_path(store))) as conn:
        assert schema_version(conn) == INDEX_SCHEMA_VERSION + 1


def test_readers_see_the_last_commit_while_a_writer_holds_its_transaction(tmp_path):
    store = saved_store(tmp_path / "s", [small_document("a1", ["The wage is paid monthly."])])
    writer = open_index(store)
    reader = connect(index_path(store), busy_timeout=0.1)
    with write_transaction(writer):
        writer.execute("DELETE FROM clauses WHERE doc_id = ?", ["a1".rjust(16, "0")])
        assert found(reader, "wage") == [("a1", "art-1")]
    assert found(reader, "wage") == []
    writer.close()
    reader.close()


def test_a_second_writer_gets_one_clear_lock_error(tmp_path):
    doc = small_document("a1", ["The wage is paid monthly."])
    store = saved_store(tmp_path / "s", [doc])
    first = open_index(store)
    second = connect(index_path(store), busy_timeout=0.1)
    with write_transaction(first):
        with pytest.raises(BlamineError) as error:
            index_document(second, doc)
        with pytest.raises(BlamineError) as rebuild_error:
            reindex(store, busy_timeout=0.1)
    for exc in (error.value, rebuild_error.value):
        assert exc.code == E_LOCKED
        assert exc.one_line() == (
            f"ERROR {index_path(store)}: another blamine process is writing the index (database is locked); "
            "try again when it is done [E_LOCKED]"
        )
    index_document(second, doc)  # the lock is free again once the first writer is done
    first.close()
    second.close()


def test_reindex_skips_an_unreadable_document_and_reports_it(tmp_path):
    store = saved_store(tmp_path / "s", [small_document("a1", ["The wage is paid monthly."])])
    bad = store_module.documents_dir(store) / "ffff.json"
    bad.write_text("{not json", encoding="utf-8")
    stats = reindex(store)
    assert stats.documents == 1
    assert len(stats.errors) == 1 and stats.errors[0].startswith(f"ERROR {bad}: unreadable document")


def test_a_folder_without_documents_is_not_a_store(tmp_path):
    with pytest.raises(BlamineError) as error:
        open_index(tmp_path)
    assert error.value.code == E_STORE and "not a store" in error.value.reason
