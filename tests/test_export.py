"""``blamine export`` (issue 10): the bundled PDFs ingested by the real command and exported as CSV, Parquet
and JSON Lines, read back with the csv module, pyarrow and json; small hand-made stores for the awkward
cases (quotes and line breaks in clause text, unreadable documents, a missing pyarrow, a failed export)."""

from __future__ import annotations

import csv
import json
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from pipeline import export as export_module
from pipeline import store as store_module
from pipeline.cli import app as cli_app
from pipeline.errors import E_DEPENDENCY, E_STORE, BlamineError
from pipeline.export import TABLES, TYPE_NOTES, ExportFilters, dictionary_markdown, export, table
from pipeline.model import Clause, Document, LabelScore, Metadata, ScorecardEntry, Source
from tests.conftest import CORPUS_PDFS

FORMATS = ("csv", "parquet", "jsonl")

CONTRACT = {
    "documents": "doc_id title year type language languages countries origin destination date_signed place "
    "parties signatories metadata_overrides pages ocr_pages clauses labels warnings filename bytes sha256 "
    "schema_version model_name model_version",
    "clauses": "doc_id clause_id position kind parent article number heading in_annex page_start page_end "
    "char_start char_end language parallel_of strength strength_cue text",
    "labels": "doc_id clause_id label label_code score strength",
    "scorecard": "doc_id criterion value strength evidence pages reason",
    "indicators": "doc_id indicator value evidence reason",
}
"""The published column names, written out by hand: renaming, dropping or reordering a column breaks
users' scripts, so it must break this test first."""

AWKWARD_TEXT = 'He said "yes, at once";\nthen left,\r\nand wrote: ""quoted"" — ünïcödé, \'single\'\n'


# --- reading an export back -------------------------------------------------------------------------------


def read_table(out: Path, fmt: str, name: str) -> tuple[list[str], list[dict[str, Any]]]:
    """Column names and rows of one exported table, read with the plain reader of its format."""
    path = out / f"{name}.{fmt}"
    if fmt == "csv":
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            return list(reader.fieldnames or []), rows
    if fmt == "parquet":
        data = pq.read_table(path)
        return data.schema.names, data.to_pylist()
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return (list(rows[0]) if rows else []), rows


def as_csv_cell(value: object) -> str:
    """How the contract says a typed value appears in CSV."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --- stores ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory) -> Path:
    """The bundled PDFs ingested by the real command with the shipped model."""
    store = tmp_path_factory.mktemp("export-corpus") / "store"
    result = CliRunner().invoke(cli_app, ["ingest", str(CORPUS_PDFS), "--store", str(store)])
    assert result.exit_code == 0, result.output
    return store


@pytest.fixture(scope="module")
def exported(corpus_store, tmp_path_factory) -> dict[str, Path]:
    """The corpus store exported once in each format."""
    folders = {}
    for fmt in FORMATS:
        folders[fmt] = tmp_path_factory.mktemp(f"export-{fmt}")
        result = export(corpus_store, folders[fmt], fmt)
        assert not result.skipped
    return folders


def agreement(
    number: int, text: str = "The employer pays wages monthly.", year: int | None = 2001
) -> Document:
    """A small labelled, scored agreement whose doc_id ends in ``number``."""
    doc_id = f"{number:016x}"
    clauses = [
        Clause("title", "title", f"Agreement {number}", 0, 12, 1, 1, language="en"),
        Clause(
            "art-1", "article", text, 13, 13 + len(text), 1, 2, article="1", heading="Wages, and pay",
            labels=[LabelScore("wage_protection", 0.875), LabelScore("employment_contract", 0.5)],
            language="en", strength="binding", strength_cue="pays",
        ),
        Clause("art-1.1", "paragraph", "Annexed terms.", 40, 54, 2, 2, parent="art-1", in_annex=True),
    ]  # fmt: skip
    return Document(
        doc_id=doc_id,
        source=Source(f"/nowhere/{doc_id}.pdf", f"{doc_id}.pdf", doc_id * 4, 1234, 2),
        metadata=Metadata(
            title=f"Agreement {number}",
            parties=["Kingdom; of Somewhere", "Republic"],
            countries=["PH", "KW"],
            year=year,
            type="MOU",
            language="en",
            languages=["en"],
        ),  # fmt: skip
        clauses=clauses,
        scorecard=[ScorecardEntry("wage_protection", "yes", ["art-1"], "labelled clause", [1, 2], "binding")],
    )


def small_store(folder: Path, docs: list[Document]) -> Path:
    for doc in docs:
        store_module.save(doc, folder)
    return folder


def leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.name.startswith(".") or "tmp" in path.name)


# --- the corpus in every format -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_table_has_one_row_per_stored_item(corpus_store, exported, fmt):
    docs = list(store_module.iter_documents(corpus_store))
    expected = {
        "documents": len(docs),
        "clauses": sum(len(d.clauses) for d in docs),
        "labels": sum(len(c.labels) for d in docs for c in d.clauses),
        "scorecard": sum(len(d.scorecard) for d in docs),
        "indicators": sum(len(d.indicators) for d in docs),
    }
    assert expected["labels"] > 0 and expected["scorecard"] > 0 and expected["indicators"] > 0
    assert {name: len(read_table(exported[fmt], fmt, name)[1]) for name in expected} == expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_columns_are_the_published_contract_in_order(exported, fmt):
    assert [t.name for t in TABLES] == list(CONTRACT)
    for t in TABLES:
        assert t.column_names == CONTRACT[t.name].split()
        assert read_table(exported[fmt], fmt, t.name)[0] == t.column_names


def test_every_format_holds_the_same_values(exported):
    for t in TABLES:
        parquet_rows = read_table(exported["parquet"], "parquet", t.name)[1]
        assert parquet_rows == read_table(exported["jsonl"], "jsonl", t.name)[1]
        csv_rows = read_table(exported["csv"], "csv", t.name)[1]
        assert csv_rows == [{k: as_csv_cell(v) for k, v in row.items()} for row in parquet_rows]


def test_keys_are_unique_and_every_table_joins_to_the_documents_and_clauses(exported):
    rows = {t.name: read_table(exported["csv"], "csv", t.name)[1] for t in TABLES}
    for t in TABLES:
        keys = [tuple(row[k] for k in t.primary_key) for row in rows[t.name]]
        assert len(keys) == len(set(keys)), t.name
    documents = {row["doc_id"] for row in rows["documents"]}
    clauses = {(row["doc_id"], row["clause_id"]) for row in rows["clauses"]}
    for name in ("clauses", "scorecard", "indicators"):
        assert {row["doc_id"] for row in rows[name]} == documents
    assert {(row["doc_id"], row["clause_id"]) for row in rows["labels"]} <= clauses
    for name in ("scorecard", "indicators"):
        cited = {(row["doc_id"], cid) for row in rows[name] for cid in row["evidence"].split(";") if cid}
        assert cited and cited <= clauses


def test_documents_rows_are_the_stored_metadata(corpus_store, exported):
    rows = {row["doc_id"]: row for row in read_table(exported["jsonl"], "jsonl", "documents")[1]}
    for doc in store_module.iter_documents(corpus_store):
        row = rows[doc.doc_id]
        assert (row["year"], row["type"], row["title"]) == (
            doc.metadata.year,
            doc.metadata.type,
            doc.metadata.title,
        )
        assert row["countries"] == ";".join(doc.metadata.countries) and ";" in row["countries"]
        assert (row["clauses"], row["sha256"], row["schema_version"]) == (
            len(doc.clauses),
            doc.source.sha256,
            "1.2.0",
        )
        assert row["model_version"] == doc.model.version


def test_types_load_as_integers_booleans_and_numbers(exported):
    schema = {t.name: pq.read_schema(exported["parquet"] / f"{t.name}.parquet") for t in TABLES}
    assert str(schema["documents"].field("year").type) == "int64"
    assert str(schema["clauses"].field("in_annex").type) == "bool"
    assert str(schema["labels"].field("score").type) == "double"
    assert schema["clauses"].field("text").metadata == {
        b"description": table("clauses").columns[-1].description.encode()
    }
    documents = read_table(exported["jsonl"], "jsonl", "documents")[1]
    assert all(type(row["year"]) is int for row in documents)
    clauses = read_table(exported["csv"], "csv", "clauses")[1]
    assert {row["in_annex"] for row in clauses} <= {"true", "false"}
    assert all(int(row["page_start"]) <= int(row["page_end"]) for row in clauses)


def test_data_dictionary_and_datapackage_describe_every_column(exported):
    for fmt, out in exported.items():
        with open(out / "data_dictionary.csv", encoding="utf-8", newline="") as handle:
            dictionary = list(csv.reader(handle))
        assert dictionary[0] == ["table", "column", "type", "description"]
        assert dictionary[1:] == [[t.name, c.name, c.type, c.description] for t in TABLES for c in t.columns]
        assert all(row[2] in TYPE_NOTES and row[3] for row in dictionary[1:])
        package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
        resources = {r["name"]: r for r in package["resources"]}
        for t in TABLES:
            assert (out / resources[t.name]["path"]).is_file() and resources[t.name]["format"] == fmt
            assert [f["name"] for f in resources[t.name]["schema"]["fields"]] == t.column_names
        assert (out / resources["data_dictionary"]["path"]).is_file()
        assert "Joins" in (out / "README.txt").read_text(encoding="utf-8")


def test_dictionary_markdown_has_a_row_for_every_column_under_its_table():
    markdown = dictionary_markdown()
    for t in TABLES:
        section = markdown.split(f"### `{t.name}`")[1].split("### ")[0]
        assert [
            line.split("`")[1] for line in section.splitlines() if line.startswith("| `")
        ] == t.column_names


def test_filters_keep_only_the_agreements_asked_for(corpus_store, tmp_path):
    docs = list(store_module.iter_documents(corpus_store))
    cases = [
        (ExportFilters(country="nl"), lambda d: "NL" in d.metadata.countries),
        (ExportFilters(year_from=1990, year_to=2014), lambda d: 1990 <= d.metadata.year <= 2014),
        (
            ExportFilters(type="mou", year_from=2012),
            lambda d: d.metadata.type == "MOU" and d.metadata.year >= 2012,
        ),
    ]
    for number, (filters, wanted) in enumerate(cases):
        result = export(corpus_store, tmp_path / str(number), "csv", filters)
        expected = sorted(d.doc_id for d in docs if wanted(d))
        assert 0 < len(expected) < len(docs)
        exported_ids = [row["doc_id"] for row in read_table(tmp_path / str(number), "csv", "documents")[1]]
        assert exported_ids == expected and result.filtered_out == len(docs) - len(expected)
        clause_ids = {row["doc_id"] for row in read_table(tmp_path / str(number), "csv", "clauses")[1]}
        assert clause_ids == set(expected)


def test_filters_that_could_never_match_are_refused():
    for wrong in ({"country": "Netherlands"}, {"year_from": 2000, "year_to": 1990}):
        with pytest.raises(ValueError):
            ExportFilters(**wrong)


# --- awkward content and failures -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_clause_text_with_quotes_newlines_and_commas_round_trips_exactly(tmp_path, fmt):
    store = small_store(tmp_path / "store", [agreement(1, AWKWARD_TEXT)])
    export(store, tmp_path / "out", fmt)
    clauses = {row["clause_id"]: row for row in read_table(tmp_path / "out", fmt, "clauses")[1]}
    assert clauses["art-1"]["text"] == AWKWARD_TEXT
    assert clauses["art-1"]["heading"] == "Wages, and pay"
    (document,) = read_table(tmp_path / "out", fmt, "documents")[1]
    assert document["parties"] == "Kingdom, of Somewhere;Republic"
    labels = read_table(tmp_path / "out", fmt, "labels")[1]
    assert [(row["label"], row["label_code"], str(row["score"])) for row in labels] == [
        ("wage_protection", "A3", "0.875"),
        ("employment_contract", "A5", "0.5"),
    ]
    (entry,) = read_table(tmp_path / "out", fmt, "scorecard")[1]
    assert (entry["evidence"], entry["pages"]) == ("art-1", "1;2")


def test_missing_values_are_empty_in_csv_and_null_elsewhere(tmp_path):
    store = small_store(tmp_path / "store", [agreement(1, year=None)])
    for fmt in FORMATS:
        export(store, tmp_path / fmt, fmt)
        (document,) = read_table(tmp_path / fmt, fmt, "documents")[1]
        assert document["year"] == ("" if fmt == "csv" else None)
        assert document["model_name"] == ("" if fmt == "csv" else None)


def test_an_invalid_document_is_reported_by_file_name_and_the_rest_exported(tmp_path):
    store = small_store(tmp_path / "store", [agreement(n) for n in (1, 2, 3)])
    truncated = store_module.document_path(store, f"{2:016x}")
    truncated.write_text(truncated.read_text(encoding="utf-8")[:200], encoding="utf-8")
    wrong_type = store_module.document_path(store, f"{3:016x}")
    data = json.loads(wrong_type.read_text(encoding="utf-8"))
    data["metadata"]["year"] = "nineteen ninety"
    wrong_type.write_text(json.dumps(data), encoding="utf-8")
    for fmt in FORMATS:
        result = export(store, tmp_path / fmt, fmt)
        assert [error.path for error in result.skipped] == [str(truncated), str(wrong_type)]
        assert all(error.code == E_STORE and "\n" not in error.one_line() for error in result.skipped)
        assert "year: expected integer" in result.skipped[1].reason
        assert [row["doc_id"] for row in read_table(tmp_path / fmt, fmt, "documents")[1]] == [f"{1:016x}"]
        assert len(read_table(tmp_path / fmt, fmt, "clauses")[1]) == 3
        assert str(truncated) in (tmp_path / fmt / "README.txt").read_text(encoding="utf-8")


def test_parquet_without_pyarrow_is_a_one_line_error_naming_the_extra(tmp_path, monkeypatch):
    store = small_store(tmp_path / "store", [agreement(1)])
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(BlamineError) as caught:
        export(store, tmp_path / "out", "parquet")
    line = caught.value.one_line()
    assert "pip install 'blamine[parquet]'" in line and "\n" not in line and caught.value.code == E_DEPENDENCY
    assert not (tmp_path / "out").exists()
    export(store, tmp_path / "out", "csv")  # the other formats need no pyarrow


def test_a_missing_store_is_an_error_not_an_empty_export(tmp_path):
    with pytest.raises(BlamineError) as caught:
        export(tmp_path / "nothing", tmp_path / "out", "csv")
    assert caught.value.code == E_STORE and not (tmp_path / "out").exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_empty_store_gives_every_table_with_no_rows(tmp_path, fmt):
    store_module.documents_dir(tmp_path / "store").mkdir(parents=True)
    result = export(tmp_path / "store", tmp_path / "out", fmt)
    assert result.rows == {t.name: 0 for t in TABLES}
    if fmt != "jsonl":  # a JSON Lines file without rows has no keys to read the columns from
        assert all(read_table(tmp_path / "out", fmt, t.name) == (t.column_names, []) for t in TABLES)


def test_no_temporary_file_is_left_and_a_failed_export_leaves_the_previous_one_whole(tmp_path, monkeypatch):
    store = small_store(tmp_path / "store", [agreement(n) for n in range(1, 5)])
    out = tmp_path / "out"
    result = export(store, out, "parquet")
    assert sorted(path.name for path in result.files) == sorted(path.name for path in out.iterdir())
    assert leftovers(out) == [] and result.files[-1].name == "datapackage.json"
    before = {path.name: path.read_bytes() for path in out.iterdir()}

    store_module.save(agreement(5, "A new clause."), store)
    read = export_module._read
    seen = []

    def dies_on_the_fourth(path: Path):
        seen.append(path)
        if len(seen) == 4:
            raise KeyboardInterrupt  # as a user's Ctrl-C would, half-way through the tables
        return read(path)

    monkeypatch.setattr(export_module, "_read", dies_on_the_fourth)
    with pytest.raises(KeyboardInterrupt):
        export(store, out, "parquet")
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before
    assert leftovers(out) == []


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_memory_stays_flat_as_the_store_grows(tmp_path, monkeypatch, fmt):
    """Peak Python memory exporting 200 agreements is that of exporting 25: documents are streamed and
    Parquet rows written in batches (a version holding every document or row would need ~8x more)."""
    monkeypatch.setattr(export_module, "PARQUET_BATCH_ROWS", 50)
    text = "The employer shall pay the wages agreed in the contract. " * 80
    docs = [agreement(n, text) for n in range(1, 201)]
    stores = {count: small_store(tmp_path / f"store{count}", docs[:count]) for count in (25, 200)}
    export(stores[25], tmp_path / "warm", fmt)  # imports and caches, outside the measurement
    peaks = {}
    for count, store in stores.items():
        tracemalloc.start()
        result = export(store, tmp_path / str(count), fmt)
        peaks[count] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert result.rows["documents"] == count
    assert peaks[200] < 1.5 * peaks[25], peaks


# --- the command ---------------------------------------------------------------------------------------


def test_export_command_writes_the_tables_and_exits_1_naming_a_skipped_document(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    store = small_store(tmp_path / "store", [agreement(n) for n in (1, 2)])
    runner = CliRunner()
    out = tmp_path / "tables"
    result = runner.invoke(app, ["export", "--store", str(store), "--format", "jsonl", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "exported 2 documents, 6 clauses, 4 labels, 2 scorecard" in result.output
    assert {f"{t.name}.jsonl" for t in TABLES} <= {p.name for p in out.iterdir()}
    broken = store_module.document_path(store, f"{2:016x}")
    broken.write_text("{", encoding="utf-8")
    result = runner.invoke(
        app, ["export", "--store", str(store), "--out", str(tmp_path / "csv"), "--year", "2001"]
    )
    assert result.exit_code == 1
    assert f"ERROR {broken}:" in result.output and "1 unreadable documents skipped" in result.output
    assert len(read_table(tmp_path / "csv", "csv", "documents")[1]) == 1
    refused = runner.invoke(app, ["export", "--store", str(store), "--format", "xlsx"])
    assert refused.exit_code == 2 and "expected csv, parquet, jsonl" in refused.output
