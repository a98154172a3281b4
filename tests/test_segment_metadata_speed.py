"""Cases the fast paths of segmentation and language detection must get right, as the plain scans did."""

from __future__ import annotations

from pipeline.metadata import _languages, detect_language
from pipeline.segment import _lines
from tests.test_segment import segmented


def test_a_salutation_wrapped_onto_an_indented_line_still_opens_a_note() -> None:
    # The whole-text scan sees "Monsieur le\n    Ministre,", the line window "Monsieur le Ministre,".
    text = (
        "ÉCHANGE DE NOTES\n\n"
        "La Haye, le 19 août 1964.\n\n"
        "Monsieur le\n    Ministre,\n"
        "J'ai l'honneur de vous proposer ce qui suit.\n"
    )
    assert [c.kind for c in segmented(text).clauses].count("note") == 1


def test_breaks_of_different_kinds_on_one_line_all_cut_it() -> None:
    text = "Les Parties sont convenues de ce qui suit: Au moment du départ. En foi de quoi, ils ont signé.\n"
    assert [line.text for line in _lines(text)] == [
        "Les Parties sont convenues de ce qui suit:",
        "Au moment du départ.",
        "En foi de quoi, ils ont signé.",
    ]


def test_elided_stop_words_vote_like_the_words_they_stand_for() -> None:
    # "l'" and "qu'" are French stop words; "dell'" is Italian only as "dell" (the apostrophe falls back).
    french = "l'accord qu'il a conclu avec l'État et l'employeur, dont il est question, " * 4
    italian = "dell'accordo e dell'impiego che sono stati firmati nella città di Roma per il lavoro " * 3
    assert detect_language(french) == "fr"
    assert detect_language(italian) == "it"
    assert _languages(french + "\n" + italian, "fr") == ["fr", "it"]
