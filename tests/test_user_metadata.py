"""A user's metadata file given at ingest overrides or completes the metadata read from the text."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from pipeline import store as store_module
from pipeline.cli import app
from pipeline.errors import BlamineError
from pipeline.model import Document, Metadata, Source
from pipeline.user_metadata import apply_metadata, load_metadata_table
from tests.conftest import corpus_pdf

runner = CliRunner()


def document(filename: str = "a.pdf", sha256: str = "ab" * 32) -> Document:
    doc = Document("0" * 16, Source(f"/archive/{filename}", filename, sha256, 10, 1))
    doc.metadata = Metadata(
        title="Detected", countries=["NL", "TR"], year=1964, language="fr", languages=["fr"]
    )
    return doc


def test_csv_row_overrides_filled_fields_and_keeps_detected_ones(tmp_path):
    table_file = tmp_path / "meta.csv"
    table_file.write_text(
        "file,countries,year,type,origin,destination,place\na.pdf,NL;tr,1965,BLA,tr,nl,\n",
        encoding="utf-8",
    )
    doc = apply_metadata(document(), load_metadata_table(table_file))
    meta = doc.metadata
    assert (meta.countries, meta.year, meta.type, meta.origin, meta.destination) == (
        ["NL", "TR"],
        1965,
        "BLA",
        "TR",
        "NL",
    )
    assert meta.title == "Detected" and meta.language == "fr" and meta.place is None
    assert meta.overrides == ["countries", "destination", "origin", "type", "year"]


def test_json_object_keyed_by_sha256_is_found_before_the_file_name(tmp_path):
    table_file = tmp_path / "meta.json"
    table_file.write_text(
        json.dumps([{"sha256": "AB" * 32, "title": "By hash"}, {"file": "a.pdf", "title": "By name"}]),
        encoding="utf-8",
    )
    assert apply_metadata(document(), load_metadata_table(table_file)).metadata.title == "By hash"


def test_a_document_without_a_row_is_left_alone(tmp_path):
    table_file = tmp_path / "meta.json"
    table_file.write_text(json.dumps({"other.pdf": {"year": 2001}}), encoding="utf-8")
    doc = apply_metadata(document(), load_metadata_table(table_file))
    assert doc.metadata.year == 1964 and doc.metadata.overrides == []


@pytest.mark.parametrize(
    "content, message",
    [
        ("file,year\na.pdf,nineteen\n", "meta.csv:2: year 'nineteen' is not a number"),
        ("file,colour\na.pdf,red\n", "meta.csv:2: unknown columns ['colour']"),
        ("file,countries\na.pdf,Netherlands\n", "meta.csv:2: countries must be ISO 3166 alpha-2 codes"),
        ("file,year\na.pdf,1960\na.pdf,1961\n", "meta.csv:3: 'a.pdf' appears twice"),
        ("file,date_signed\na.pdf,19 August 1964\n", "meta.csv:2: date_signed must be YYYY-MM-DD"),
        ("year\n1960\n", "meta.csv:2: row names no file"),
    ],
)
def test_bad_rows_fail_naming_the_line(tmp_path, content: str, message: str):
    table_file = tmp_path / "meta.csv"
    table_file.write_text(content, encoding="utf-8")
    with pytest.raises(BlamineError) as caught:
        load_metadata_table(table_file)
    assert message in caught.value.one_line() and "[E_METADATA]" in caught.value.one_line()


def test_ingest_with_metadata_file_stores_the_users_values(store, tmp_path):
    pdf = corpus_pdf("nl_tr_werving_1967")
    table_file = tmp_path / "ilo.csv"
    table_file.write_text(f"file,year,place\n{pdf.name},1966,Ankara\n", encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(pdf), "--store", str(store), "--metadata", str(table_file)])
    assert result.exit_code == 0, result.output
    doc = next(store_module.iter_documents(store))
    assert (doc.metadata.year, doc.metadata.place) == (1966, "Ankara")
    assert doc.metadata.overrides == ["place", "year"]
    store_module.validate(json.loads(next((store / "documents").glob("*.json")).read_text(encoding="utf-8")))


def test_ingest_with_a_broken_metadata_file_stops_before_any_pdf_is_read(store, tmp_path):
    table_file = tmp_path / "ilo.json"
    table_file.write_text("[{", encoding="utf-8")
    pdf = corpus_pdf("nl_tr_werving_1967")
    result = runner.invoke(app, ["ingest", str(pdf), "--store", str(store), "--metadata", str(table_file)])
    assert result.exit_code == 1
    assert result.output.startswith(f"ERROR {table_file}: not valid JSON")
    assert not list((store / "documents").glob("*.json"))
