"""Bilingual instruments: two authentic versions one after the other, or side by side in two columns.

The texts are written for these tests (a Dutch–French and a Dutch–German arrangement on trainees).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from pipeline.extract import extract
from pipeline.segment import classification_units, segment
from tests.test_segment import segmented

DUTCH = [
    (
        "Artikel 1",
        "Deze regeling is van toepassing op jonge werknemers die in het andere land een beroep willen "
        "leren en die daarvoor bij een werkgever in dat land gaan werken voor een periode van ten hoogste "
        "twee jaar, met de toestemming van de bevoegde autoriteiten van beide landen.",
    ),
    (
        "Artikel 2",
        "Het aantal jonge werknemers dat elk jaar wordt toegelaten, wordt door de bevoegde autoriteiten "
        "van de twee landen in onderling overleg vastgesteld en kan in de loop van het jaar worden "
        "aangepast wanneer de toestand van de arbeidsmarkt daartoe aanleiding geeft.",
    ),
    (
        "Artikel 3",
        "De werkgever betaalt aan de jonge werknemer een loon dat gelijk is aan het loon van een werknemer "
        "van het land met dezelfde opleiding en hetzelfde werk, en hij draagt de kosten van de reis naar "
        "de plaats van het werk en terug naar het land van herkomst.",
    ),
    (
        "Artikel 4",
        "Een gemengde commissie van de twee landen komt ten minste eenmaal per jaar bijeen om de toepassing "
        "van deze regeling te bespreken en om voorstellen te doen voor de verbetering van de voorwaarden "
        "waaronder de jonge werknemers in het andere land werken.",
    ),
]
FRENCH = [
    (
        "Article 1",
        "Le présent arrangement s'applique aux jeunes travailleurs qui veulent apprendre un métier dans "
        "l'autre pays et qui vont pour cela travailler chez un employeur de ce pays pendant une période de "
        "deux ans au plus, avec l'accord des autorités compétentes des deux pays.",
    ),
    (
        "Article 2",
        "Le nombre de jeunes travailleurs admis chaque année est fixé d'un commun accord par les autorités "
        "compétentes des deux pays et il peut être adapté au cours de l'année lorsque la situation du "
        "marché du travail le justifie.",
    ),
    (
        "Article 3",
        "L'employeur verse au jeune travailleur un salaire égal à celui d'un travailleur du pays ayant la "
        "même formation et le même travail, et il prend à sa charge les frais du voyage vers le lieu de "
        "travail et du retour vers le pays d'origine.",
    ),
    (
        "Article 4",
        "Une commission mixte des deux pays se réunit au moins une fois par an pour examiner l'application "
        "du présent arrangement et pour faire des propositions en vue d'améliorer les conditions dans "
        "lesquelles les jeunes travailleurs sont employés dans l'autre pays.",
    ),
]


def _column(canvas: Canvas, x: float, articles: list[tuple[str, str]]) -> None:
    y = A4[1] - 80
    for heading, body in articles:
        canvas.setFont("Helvetica-Bold", 10)
        canvas.drawString(x, y, heading)
        y -= 14
        canvas.setFont("Helvetica", 10)
        for line in textwrap.wrap(body, 44):
            canvas.drawString(x, y, line)
            y -= 13
        y -= 12


def side_by_side_pdf(path: Path) -> Path:
    """Two pages, Dutch on the left and French on the right, two articles per page."""
    canvas = Canvas(str(path), pagesize=A4, invariant=1)
    for page in range(2):
        _column(canvas, 50, DUTCH[2 * page : 2 * page + 2])
        _column(canvas, 315, FRENCH[2 * page : 2 * page + 2])
        canvas.showPage()
    canvas.save()
    return path


def test_side_by_side_columns_in_two_languages_are_read_as_two_whole_versions(tmp_path):
    doc = segment(extract(side_by_side_pdf(tmp_path / "parallel.pdf")))
    assert any("side-by-side bilingual layout (nl | fr)" in w for w in doc.warnings)
    dutch_end = doc.text.index("Article 1")
    assert all(f"Artikel {n}" in doc.text[:dutch_end] for n in range(1, 5))
    articles = [(c.id, c.language, c.parallel_of) for c in doc.clauses if c.kind == "article"]
    assert articles == [
        ("art-1", "nl", None),
        ("art-2", "nl", None),
        ("art-3", "nl", None),
        ("art-4", "nl", None),
        ("fr.art-1", "fr", "art-1"),
        ("fr.art-2", "fr", "art-2"),
        ("fr.art-3", "fr", "art-3"),
        ("fr.art-4", "fr", "art-4"),
    ]
    assert doc.clause("fr.art-3").page_start == 2 and doc.clause("art-3").page_start == 2
    assert doc.clause("fr.art-1").page_start == 1


def test_the_second_version_is_not_classified_again():
    text = (
        "Regeling inzake jonge werknemers\n\n"
        + "\n\n".join(f"{h}\n{b}" for h, b in DUTCH)
        + "\n\nGedaan te Parijs, op 1 juni 1955.\n\nArrangement concernant les jeunes travailleurs\n\n"
        + "\n\n".join(f"{h}\n{b}" for h, b in FRENCH)
        + "\n\nFait à Paris, le 1er juin 1955.\n"
    )
    doc = segmented(text)
    assert doc.clause("fr.title").language == "fr" and doc.clause("title").language == "nl"
    assert doc.clause("fr.sig-1").parallel_of == "sig-1"
    assert [c.id for c in classification_units(doc)] == ["art-1", "art-2", "art-3", "art-4"]


def test_a_second_instrument_in_the_same_language_is_a_part_but_not_a_translation():
    text = (
        "Regeling inzake jonge werknemers\n\n"
        + "\n\n".join(f"{h}\n{b}" for h, b in DUTCH[:2])
        + "\n\nGedaan te Parijs, op 1 juni 1955.\n\nAanvullende regeling inzake de reiskosten\n\n"
        + "\n\n".join(f"{h}\n{b}" for h, b in DUTCH[2:4])
        .replace("Artikel 3", "Artikel 1")
        .replace("Artikel 4", "Artikel 2")
        + "\n"
    )
    doc = segmented(text)
    assert [c.id for c in doc.clauses if c.kind == "article"] == [
        "art-1",
        "art-2",
        "part-2.art-1",
        "part-2.art-2",
    ]
    assert not any(c.parallel_of for c in doc.clauses)
