from __future__ import annotations

import pytest

from pipeline.model import (
    SCHEMA_VERSION,
    Clause,
    Document,
    LabelScore,
    Metadata,
    ModelInfo,
    Page,
    SchemaVersionError,
    ScorecardEntry,
    Source,
)
from pipeline.store import validate


def make_document() -> Document:
    text = "Title\n\nArticle 1\nThe employer shall pay wages monthly."
    return Document(
        doc_id="0123456789abcdef",
        source=Source("/x/a.pdf", "a.pdf", "0" * 64, 10, 1),
        text=text,
        pages=[Page(1, "text", len(text), 0, len(text))],
        metadata=Metadata(
            title="Title", parties=["Kuwait"], countries=["KW"], year=2016, type="MOU", language="en"
        ),
        clauses=[
            Clause(
                "art-1",
                "article",
                "Article 1 The employer shall pay wages monthly.",
                7,
                len(text),
                1,
                1,
                article="1",
                labels=[LabelScore("wage_protection", 0.91)],
            ),
        ],
        scorecard=[ScorecardEntry("wage_protection", "yes", ["art-1"], "binding clause carries the label")],
        model=ModelInfo("blamine-tfidf-logreg", "v1-test"),
    )


def test_document_round_trips_through_its_json_form():
    doc = make_document()
    data = doc.to_dict()
    assert data["schema_version"] == SCHEMA_VERSION
    assert Document.from_dict(data) == doc


def test_json_form_satisfies_the_shipped_schema():
    validate(make_document().to_dict())


def test_reader_refuses_a_newer_major_schema_version():
    data = make_document().to_dict()
    data["schema_version"] = "2.0.0"
    with pytest.raises(SchemaVersionError, match="newer"):
        Document.from_dict(data)


def test_reader_accepts_an_older_minor_version_of_the_same_major():
    data = make_document().to_dict()
    data["schema_version"] = "1.0.0"
    assert Document.from_dict(data).doc_id == "0123456789abcdef"


def test_page_at_maps_offsets_to_page_numbers():
    doc = make_document()
    doc.pages = [Page(1, "text", 5, 0, 5), Page(2, "text", 5, 6, 11)]
    assert [doc.page_at(0), doc.page_at(4), doc.page_at(7), doc.page_at(50)] == [1, 1, 2, 2]
