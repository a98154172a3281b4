"""Segmentation on short texts written for the test, and on the shared gold set when present."""

from __future__ import annotations

import json
import re

import pytest

from pipeline.model import Document, Page, Source
from pipeline.segment import classification_units, segment


def segmented(text: str) -> Document:
    doc = Document(
        "0" * 16,
        Source("", "t.pdf", "0" * 64, 0, 1),
        text=text,
        pages=[Page(1, "text", len(text), 0, len(text))],
    )
    return segment(doc)


def kinds_and_ids(doc: Document) -> list[tuple[str, str]]:
    return [(c.kind, c.id) for c in doc.clauses]


ENGLISH = """Memorandum of Understanding on the Employment of Workers

The Government of A and the Government of B,

Recognising the value of orderly migration,

Have agreed as follows:

Article 1 — Scope
This Memorandum covers workers recruited in A for work in B.

Article 2
Wages
1. The employer shall pay the wage monthly.
2. The employer shall not deduct:
(a) recruitment fees;
(b) the cost of the air ticket.
3. Overtime shall be paid at a higher rate.

Article 3
The Parties shall meet once a year. Article 4 of the
Convention applies where relevant.

Done at Geneva on 1 May 2010 in two originals.

For the Government of A

For the Government of B

ANNEX
Standard Employment Contract
1. The contract runs for two years.
2. The worker keeps the passport.
"""


def test_english_structure_title_preamble_articles_paragraphs_items_signature_annex():
    doc = segmented(ENGLISH)
    ids = [c.id for c in doc.clauses]
    assert ids == [
        "title",
        "pre-1",
        "pre-2",
        "pre-3",
        "art-1",
        "art-2",
        "art-2.1",
        "art-2.2",
        "art-2.2.a",
        "art-2.2.b",
        "art-2.3",
        "art-3",
        "sig-1",
        "annex-1",
        "annex-1.art-1",
        "annex-1.art-2",
    ]
    art2 = doc.clause("art-2")
    assert art2.heading == "Wages"
    assert doc.clause("art-1").heading == "Scope"
    assert doc.clause("art-2.2.b").parent == "art-2.2"
    assert doc.clause("annex-1").heading == "ANNEX Standard Employment Contract"
    assert all(c.in_annex for c in doc.clauses if c.id.startswith("annex-1"))
    assert "For the Government of B" in doc.clause("sig-1").text


def test_clause_offsets_point_at_the_clause_text():
    doc = segmented(ENGLISH)
    for clause in doc.clauses:
        assert " ".join(doc.text[clause.char_start : clause.char_end].split()) == clause.text


def test_wrapped_reference_to_an_article_does_not_open_an_article():
    doc = segmented(ENGLISH)
    assert "art-4" not in [c.id for c in doc.clauses]
    assert "Convention applies" in doc.clause("art-3").text


def test_parent_spans_include_children():
    doc = segmented(ENGLISH)
    art2, last = doc.clause("art-2"), doc.clause("art-2.3")
    assert art2.char_start < last.char_start and art2.char_end >= last.char_end


@pytest.mark.parametrize(
    "heading, article",
    [
        ("Article premier", "premier"),
        ("Article 1er", "1er"),
        ("Art. 7", "7"),
        ("Artikel 12bis", "12bis"),
        ("Article 12 bis", "12 bis"),
        ("ARTICLE IV", "IV"),
        ("Artículo 3", "3"),
        ("Artículo 1.º", "1.º"),
        ("Artigo 2.º", "2.º"),
        ("Artigo 9", "9"),
    ],
)
def test_article_markers_in_several_languages_and_numberings(heading: str, article: str):
    doc = segmented(f"Titre\n\nPréambule des Parties.\n\n{heading}\nLe texte de l'article.\n")
    articles = [c for c in doc.clauses if c.kind == "article"]
    assert [a.article for a in articles] == [article]


def test_dutch_and_german_texts_segment_with_lettered_items():
    text = (
        "Overeenkomst inzake werving\n\nArtikel 1\nDe werkgever zorgt voor:\na) huisvesting;\nb) vervoer.\n\n"
        "Artikel 2\nDeze Overeenkomst treedt in werking op de dag van ondertekening.\n\n"
        "Gedaan te Den Haag, 1 maart 1967.\n"
    )
    doc = segmented(text)
    assert kinds_and_ids(doc) == [
        ("title", "title"),
        ("article", "art-1"),
        ("item", "art-1.a"),
        ("item", "art-1.b"),
        ("article", "art-2"),
        ("signature", "sig-1"),
    ]
    german = segmented(
        "Abkommen\n\nArtikel 1\nDer Arbeitgeber zahlt den Lohn.\n\nGeschehen zu Bonn am 5. März 1965.\n"
    )
    assert [c.kind for c in german.clauses] == ["title", "article", "signature"]


def test_numbered_points_are_the_articles_of_a_contract_without_articles():
    text = (
        "Standard Employment Contract\n\nThe parties agree:\n\n"
        "1. Site of work.\n\n2. Wages: monthly.\n\n2b. Extra duties.\n"
    )
    doc = segmented(text)
    assert [c.article for c in doc.clauses if c.kind == "article"] == ["1", "2", "2b"]


def test_out_of_sequence_number_at_line_start_continues_the_paragraph():
    text = (
        "Title\n\nArticle 1\n1. The worker is paid in\n1948. dollars by the employer.\n2. Next paragraph.\n"
    )
    doc = segmented(text)
    assert [c.id for c in doc.clauses] == ["title", "art-1", "art-1.1", "art-1.2"]
    assert "1948." in doc.clause("art-1.1").text


def test_classification_units_are_recitals_leaf_articles_and_paragraphs():
    doc = segmented(ENGLISH)
    assert [c.id for c in classification_units(doc)] == [
        "pre-1",
        "pre-2",
        "pre-3",
        "art-1",
        "art-2.1",
        "art-2.2",
        "art-2.3",
        "art-3",
        "annex-1.art-1",
        "annex-1.art-2",
    ]


def test_gold_articles_of_the_shared_texts_are_found(shared):
    """Recall of gold article numbers on the real development texts (read from ../shared, not copied)."""
    gold: dict[str, set[tuple[str, bool]]] = {}
    for line in (shared / "labels" / "dev.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["article"] and row["kind"] in ("article_body", "paragraph", "annex"):
            gold.setdefault(row["doc"], set()).add((row["article"].replace(" ", "").lower(), row["in_annex"]))
    found = total = 0
    for name, articles in gold.items():
        text = (shared / "corpus" / "texts" / name).read_text(encoding="utf-8")
        doc = segmented(re.sub(r"(?m)^\[\[.*\]\]$", "", text))
        ours = {
            ((c.article or "").replace(" ", "").lower(), c.in_annex)
            for c in doc.clauses
            if c.kind == "article"
        }
        found += len(articles & ours)
        total += len(articles)
    assert found / total >= 0.9


@pytest.mark.parametrize("marker", ["(1).", "1)—", "1) —", "(1)", "1.", "1)"])
def test_numbered_paragraph_markers_as_printed(marker: str):
    second = marker.replace("1", "2")
    text = f"Title\n\nArtikel 1\n{marker} Eerste lid van het artikel.\n{second} Tweede lid van het artikel.\n"
    doc = segmented(text)
    assert [c.id for c in doc.clauses] == ["title", "art-1", "art-1.1", "art-1.2"]
