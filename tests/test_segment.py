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


# -- one test per structural pattern of the issue, on texts written for the test ------------------------


def articles(doc: Document) -> list[str | None]:
    return [c.article for c in doc.clauses if c.kind == "article"]


@pytest.mark.parametrize(
    "recitals",
    [
        ["Considering the need for orderly migration,", "Recognising the rights of migrant workers,"],
        ["Considérant les besoins de main-d'oeuvre,", "Désireux de régler le recrutement,"],
        ["Overwegende dat arbeiders nodig zijn,", "Wensende de werving te regelen,"],
        ["Considerando la necesidad de trabajadores,", "Deseosos de regular la contratación,"],
    ],
)
def test_each_recital_is_its_own_preamble_unit_even_without_blank_lines(recitals: list[str]):
    text = "Agreement on Labour\n\nThe Parties,\n" + "\n".join(recitals) + "\nHave agreed as follows:\n\n"
    body = "The employer shall pay the wage agreed in the contract every month into the bank account\n" * 8
    doc = segmented(text + "Article 1\n" + body)
    preamble = [c.text for c in doc.clauses if c.kind == "preamble"]
    assert preamble == ["The Parties,", *recitals, "Have agreed as follows:"]


def test_a_preamble_run_on_over_full_lines_stays_one_unit():
    line = "The Governments of the two countries, who wish to organise the recruitment of workers well,"
    text = (
        f"Agreement\n\n{line}\n"
        "Considering the needs of both labour markets and the interests of the workers\n"
        "have agreed as follows:\n\nArticle 1\nText.\n"
    )
    doc = segmented(text)
    assert len([c for c in doc.clauses if c.kind == "preamble"]) == 1


@pytest.mark.parametrize(
    "heading", ["CHAPTER II", "Part 3", "TITRE I", "Hoofdstuk 2", "Kapitel IV", "Section 2"]
)
def test_chapter_part_title_and_section_headings_are_headings(heading: str):
    doc = segmented(
        f"Agreement\n\nArticle 1\nText one.\n\n{heading}\nGeneral provisions\n\nArticle 2\nText two.\n"
    )
    assert ("heading", heading) in [(c.kind, c.heading) for c in doc.clauses]
    assert articles(doc) == ["1", "2"]


def test_roman_items_nest_under_their_lettered_item():
    text = (
        "Agreement\n\nArticle 1\n1. The employer shall provide:\n(a) housing, which shall include:\n"
        "(i) a bed;\n(ii) heating;\n(b) food.\n"
    )
    doc = segmented(text)
    assert [(c.id, c.parent) for c in doc.clauses if c.kind == "item"] == [
        ("art-1.1.a", "art-1.1"),
        ("art-1.1.a.i", "art-1.1.a"),
        ("art-1.1.a.ii", "art-1.1.a"),
        ("art-1.1.b", "art-1.1"),
    ]


def test_letters_right_under_an_article_heading_are_its_paragraphs():
    doc = segmented("Accord\n\nArticle 12\n\n(a). Les stagiaires sont payés.\n(b). Ils sont assurés.\n")
    assert [(c.kind, c.id) for c in doc.clauses][1:] == [
        ("article", "art-12"),
        ("paragraph", "art-12.a"),
        ("paragraph", "art-12.b"),
    ]


def test_annex_has_its_own_articles_paragraphs_and_signature():
    text = (
        "Agreement\n\nArticle 1\nMain text.\n\nDone at Manila on 3 May 2015.\n\n"
        "ANNEX II\nRules of application\n\nArticle 1\n1. First rule.\n2. Second rule.\n\n"
        "Done at Manila on 3 May 2015.\n"
    )
    doc = segmented(text)
    ids = [c.id for c in doc.clauses]
    assert ids[-5:] == ["annex-1", "annex-1.art-1", "annex-1.art-1.1", "annex-1.art-1.2", "annex-1.sig-1"]
    assert doc.clause("annex-1").heading == "ANNEX II Rules of application"
    assert all(c.in_annex for c in doc.clauses if c.id.startswith("annex-1"))


def test_annex_without_markers_has_one_unit_per_paragraph():
    text = (
        "Agreement\n\nArticle 1\nText.\n\nPROTOCOL\n\nThe Parties agree on the first point.\n\n"
        "They also agree on a second point.\n"
    )
    doc = segmented(text)
    assert [c.id for c in doc.clauses if c.parent == "annex-1"] == ["annex-1.para-1", "annex-1.para-2"]


ENGLISH_NOTES = """EXCHANGE OF NOTES

London, 2 March 1971

Sir,

I have the honour to refer to the discussions between our two Governments and to propose the following:

1. Workers recruited under this arrangement shall receive the same wages as national workers.

2. The employer shall pay the travel costs.

If the foregoing is acceptable, I have the honour to propose that this Note and your reply shall
constitute an agreement between our Governments. Accept, Sir, the assurance of my highest consideration.

(Signed) A. WRITER

Rome, 2 March 1971

Sir,

I have the honour to acknowledge receipt of your Note of today, which reads as follows: "(as above)".
I confirm that my Government agrees.

(Signed) B. READER
"""


def test_exchange_of_notes_separates_opening_points_and_closing():
    doc = segmented(ENGLISH_NOTES)
    shape = [(c.id, c.kind) for c in doc.clauses]
    assert shape == [
        ("annex-1", "annex"),
        ("annex-1.note-1", "note"),
        ("annex-1.note-1.art-1", "article"),
        ("annex-1.note-1.art-2", "article"),
        ("annex-1.note-1.closing", "note"),
        ("annex-1.note-2", "note"),
    ]
    assert doc.clause("annex-1.note-1").text.startswith("London, 2 March 1971 Sir,")
    assert doc.clause("annex-1.note-1.closing").text.endswith("A. WRITER")
    assert all(c.in_annex for c in doc.clauses)


def test_closing_formula_run_on_after_the_last_point_starts_the_closing():
    text = (
        "Paris, le 3 mai 1960. Monsieur le Ministre, J'ai l'honneur de vous faire savoir ce qui suit:\n"
        "A. Les travailleurs sont logés par l'employeur.\n"
        "B. Le voyage est payé par l'employeur. Je vous prie d'agréer, Monsieur le Ministre,\n"
        "l'assurance de ma haute considération.\n"
    )
    doc = segmented(text)
    assert [(c.kind, c.article, c.number) for c in doc.clauses] == [
        ("note", None, None),
        ("article", "A", "A."),
        ("article", "B", "B."),
        ("note", None, "closing"),
    ]
    assert doc.clause("note-1.closing").text.startswith("Je vous prie")


@pytest.mark.parametrize(
    "signature",
    [
        "Done at Geneva on 1 May 2010.",
        "IN WITNESS WHEREOF the undersigned have signed this Agreement.",
        "Fait à Paris, le 2 juin 1948.",
        "Gedaan te 's-Gravenhage, 1 maart 1967.",
        "Geschehen zu Bonn am 5. März 1965.",
        "Hecho en Madrid el 8 de abril de 1961.",
        "Feito em Lisboa, aos 2 de julho de 1963.",
        "Fatto a Roma il 4 dicembre 1948.",
        "Rome, le 4 décembre 1948. Pour le Gouvernement italien: X.",
    ],
)
def test_signature_block_in_each_language(signature: str):
    doc = segmented(
        f"Agreement\n\nArticle 1\nThe text of the article.\n{signature}\nFor the Government of A\n"
    )
    assert doc.clauses[-1].kind == "signature" and doc.clauses[-1].text.startswith(signature.split()[0])


def test_testimonium_run_on_after_the_last_article_starts_the_signature():
    doc = segmented("Accord\n\nArticle 1\nLe texte prend fin ici. En foi de quoi les Parties ont signé.\n")
    assert doc.clauses[-1].kind == "signature" and doc.clauses[-1].text.startswith("En foi de quoi")


@pytest.mark.parametrize(
    "heading, article",
    [("Artic1e 5", "5"), ("ARTlCLE 6", "6"), ("Articie 7", "7"), ("Articolo 8", "8"), ("Section 2", "2")],
)
def test_ocr_misread_and_other_article_words(heading: str, article: str):
    doc = segmented(f"Agreement\n\n{heading}\nThe text of the article.\n")
    assert articles(doc) == [article]


def test_section_sign_numbers_articles_in_a_text_without_article_words():
    doc = segmented("Vereinbarung\n\n§ 1\nDer Text.\n\n§ 2\n(1) Erster Absatz.\n(2) Zweiter Absatz.\n")
    assert articles(doc) == ["1", "2"]
    assert [c.id for c in doc.clauses if c.kind == "paragraph"] == ["art-2.1", "art-2.2"]


def test_heading_glued_to_the_end_of_the_previous_sentence_starts_the_article():
    doc = segmented(
        "Agreement\n\nArticle 1\nThe first article ends here. Article 2\nWages\nThe second one.\n"
    )
    assert articles(doc) == ["1", "2"] and doc.clause("art-2").heading == "Wages"


def test_a_reference_ending_a_sentence_at_a_line_start_is_not_a_heading():
    text = (
        "Agreement\n\nArticle 12\nThe committee applies the rules set out in\nArticle 8.\n\n"
        "Article 13\nText.\n"
    )
    assert articles(segmented(text)) == ["12", "13"]


def test_table_of_contents_is_not_taken_for_the_articles():
    text = (
        "Agreement\n\nContents\nArticle 1 Scope ........ 2\nArticle 2 Wages ........ 3\n\n"
        "Article 1\nScope\nThe text.\n\nArticle 2\nWages\nThe wage.\n"
    )
    doc = segmented(text)
    assert articles(doc) == ["1", "2"]
    assert [c.heading for c in doc.clauses if c.kind == "article"] == ["Scope", "Wages"]
    assert ("other", "Contents") in [(c.kind, c.heading) for c in doc.clauses]


def test_unnumbered_articles_introduced_by_a_heading():
    text = (
        "Employment Contract\n\nThe parties agree as follows.\n\n"
        "Wages\nThe employer pays the wage monthly.\n\n"
        "Hours of Work\nThe worker works eight hours a day.\n\nRest Days\nThe worker rests one day a week.\n"
    )
    doc = segmented(text)
    assert [(c.id, c.heading) for c in doc.clauses if c.kind == "article"] == [
        ("art-wages", "Wages"),
        ("art-hours-of-work", "Hours of Work"),
        ("art-rest-days", "Rest Days"),
    ]


def test_standard_contract_points_with_decimal_sub_clauses():
    text = (
        "Standard Employment Contract\n\n1. Wages\n1.1 The employer pays monthly.\n1.2 Pay slips are given.\n"
        "2. Hours\n2.1 Eight hours a day.\n"
    )
    doc = segmented(text)
    assert [(c.id, c.kind) for c in doc.clauses][1:] == [
        ("art-1", "article"),
        ("art-1.11", "paragraph"),
        ("art-1.12", "paragraph"),
        ("art-2", "article"),
        ("art-2.21", "paragraph"),
    ]
    assert doc.clause("art-1").heading == "Wages"


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Acuerdo\n\nArtículo 1.º\nEl texto.\n\nArtículo 2.º\nOtro texto.\n\nHecho en Madrid.\n",
            ["1.º", "2.º"],
        ),
        ("Acordo\n\nArtigo 1.º\nO texto.\n\nArtigo 2.º\nOutro texto.\n\nFeito em Lisboa.\n", ["1.º", "2.º"]),
        ("Accordo\n\nArticolo 1\nIl testo.\n\nArticolo 2\nAltro testo.\n\nFatto a Roma.\n", ["1", "2"]),
    ],
)
def test_spanish_portuguese_and_italian_agreements(text: str, expected: list[str]):
    doc = segmented(text)
    assert articles(doc) == expected and doc.clauses[-1].kind == "signature"


def test_a_clause_split_across_pages_is_one_clause_with_its_page_span():
    text = "Agreement\n\nArticle 1\nThe first half of the clause\ncontinues on the next page.\n"
    cut = text.index("continues")
    doc = Document(
        "0" * 16,
        Source("", "t.pdf", "0" * 64, 0, 2),
        text=text,
        pages=[Page(1, "text", cut, 0, cut), Page(2, "text", len(text) - cut, cut, len(text))],
    )
    clause = segment(doc).clause("art-1")
    assert (clause.page_start, clause.page_end) == (1, 2)
    assert clause.text.endswith("continues on the next page.")


# -- regressions: bugs found on the shared documents, each reproduced on a text of our own ---------------


def test_signatures_heading_with_a_colon_opens_the_signature_block():
    """'Signatures:' never matched: the word boundary after the colon failed at the end of the line."""
    doc = segmented("Contract\n\n1. Wages\nThe employer pays.\n\nSignatures:\nWorker\nEmployer\n")
    assert doc.clauses[-1].kind == "signature" and doc.clauses[-1].text.startswith("Signatures:")


def test_blank_numbered_rows_of_a_form_are_not_points():
    """A duties form ended in empty rows '1.' … '4.'; each became a point of its own."""
    text = "Contract\n\n1. Wages\nThe employer pays.\n\nANNEX A\nOther duties\nList them here\n1.\n2.\n3.\n"
    doc = segmented(text)
    assert [c.id for c in doc.clauses if c.kind == "article"] == ["art-1"]


def test_a_salutation_word_wrapped_to_the_start_of_a_line_does_not_start_a_note():
    """'Excellence,' at a line start in the middle of a closing formula was taken for a new note."""
    text = (
        "Paris, le 3 mai 1960. Monsieur le Ministre, J'ai l'honneur de proposer ce qui suit:\n"
        "1. Les travailleurs sont logés.\n"
        "J'ai l'honneur de déclarer que la réponse de Votre\n"
        "Excellence, ainsi que la présente note, constituent un accord.\n"
    )
    doc = segmented(text)
    assert [c.kind for c in doc.clauses].count("note") == 2  # the note and its closing formula


def test_numbered_letters_of_an_exchange_take_their_letterhead():
    """'Nr. I' over a ministry letterhead: the number heads the letter, the letterhead opens the note."""
    text = (
        "Agreement\n\nArticle 1\nText.\n\nDone at The Hague.\n\nNr. I\nMINISTRY\nOF FOREIGN AFFAIRS\n"
        "REF/2024-17\nThe Hague, 19 August 1964. Sir, I have the honour to state the following:\n"
        "A. Travel costs are paid by the employer.\n"
        "B. Housing is found by the employer. Accept, Sir, the assurance of my highest consideration.\n"
    )
    doc = segmented(text)
    assert [(c.id, c.kind) for c in doc.clauses if c.in_annex] == [
        ("annex-1", "annex"),
        ("annex-1.note-1", "note"),
        ("annex-1.note-1.art-A", "article"),
        ("annex-1.note-1.art-B", "article"),
        ("annex-1.note-1.closing", "note"),
    ]
    assert doc.clause("annex-1.note-1").text.startswith("MINISTRY OF FOREIGN AFFAIRS")


def test_annex_title_over_several_lines_ends_at_its_first_article():
    """A long annex title wrapped over two lines became a paragraph of the annex."""
    text = (
        "Convention\n\nArticle 1\nText.\n\nANNEX I\n"
        "Recruitment and placing of workers recruited otherwise than under schemes\n"
        "arranged between Governments\n\nArticle 1\nThis Annex applies.\n"
    )
    doc = segmented(text)
    assert doc.clause("annex-1").heading.endswith("arranged between Governments")
    assert [c.id for c in doc.clauses if c.parent == "annex-1"] == ["annex-1.art-1"]


def test_section_heading_as_wide_as_a_narrow_column_before_an_article():
    """In two columns, a section heading filled the column width and was not taken for a heading."""
    text = (
        "Accord\n\nArticle 10\nLes travailleurs sont\nassistés pendant le\nvoyage.\n"
        "Conditions de travail\n\nArticle 11\nLe salaire est égal.\n"
    )
    doc = segmented(text)
    assert ("heading", "Conditions de travail") in [(c.kind, c.heading) for c in doc.clauses]
