"""Multilingual cue lexicons (pipeline/cues.py, pipeline/data/cues.json).

Every sentence below is written for these tests; none comes from the corpus.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
import scipy.sparse as sp
import skops.io as sio
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from pipeline.cues import (
    LANGUAGES,
    CueFeatures,
    cue_hits,
    fold,
    load_cues,
    load_cues_by_language,
    matched_cues,
)
from pipeline.taxonomy import label_ids

FRENCH_WAGE = (
    "Le salaire est versé chaque mois sur le compte du travailleur et les heures supplémentaires sont "
    "rémunérées au taux majoré."
)
DUTCH_HOUSING = (
    "De werkgever zorgt kosteloos voor passende huisvesting en voldoende voedsel voor de werknemer."
)


def test_french_wage_clause_hits_wage_protection():
    hits = cue_hits(FRENCH_WAGE)
    assert hits["wage_protection"] >= 3
    assert "heures supplémentaires" in matched_cues(FRENCH_WAGE)["wage_protection"]


def test_dutch_housing_clause_hits_accommodation():
    assert cue_hits(DUTCH_HOUSING)["accommodation_living_conditions"] >= 2


@pytest.mark.parametrize(
    ("text", "label"),
    [
        (
            "Der Arbeitgeber trägt die Reisekosten und erhebt keine Vermittlungsgebühr.",
            "recruitment_fees_costs",
        ),
        ("El trabajador conservará su pasaporte y sus documentos de identidad.", "document_retention"),
        ("Os trabalhadores têm direito a filiar-se em sindicatos.", "freedom_of_association"),
        ("Una Commissione mista si riunisce una volta l'anno.", "joint_committee_monitoring"),
        (
            "This Memorandum shall enter into force on the date of its signature.",
            "duration_amendment_termination",
        ),
        (
            "Les Parties coopèrent pour lutter contre la traite des êtres humains.",
            "irregular_migration_trafficking",
        ),
        (
            "Die Vertragsparteien tauschen personenbezogene Daten nur vertraulich aus.",
            "confidentiality_data_protection",
        ),
    ],
)
def test_clauses_in_other_languages_hit_their_label(text, label):
    assert cue_hits(text).get(label, 0) >= 1


def test_accents_and_case_do_not_matter():
    plain = "LE SALAIRE ET LES HEURES SUPPLEMENTAIRES SONT REMUNEREES"
    accented = "le salaire et les heures supplémentaires sont rémunérées"
    assert cue_hits(plain) == cue_hits(accented) == {"wage_protection": 3}
    assert fold("Überstunden ÉTÉ œuvre") == "uberstunden ete oeuvre"


def test_typographic_apostrophe_and_line_breaks_match():
    assert "document_retention" in cue_hits("Il garde sa pièce d\u2019identité.")
    assert "working_time_rest_leave" in cue_hits("the weekly\n   rest of the worker")


def test_wildcards_and_optional_hyphens():
    assert "wage_protection" in cue_hits("Der gesetzliche Mindestlohn gilt.")  # *lohn: compound ending
    assert "wage_protection" in cue_hits("Salaries are reviewed.")  # salar*: any ending
    assert "information_orientation" in cue_hits("a pre departure seminar")  # pre-departure, hyphen optional
    assert "information_orientation" in cue_hits("a predeparture seminar")


def test_cue_matches_whole_words_only():
    assert "recruitment_fees_costs" not in cue_hits("Feedback on coffee was welcome.")  # "fee" inside words
    assert "admission_selection_procedures" not in cue_hits("Visage and revisable things.")
    assert "skills_qualification_recognition" not in cue_hits(
        "settled through diplomatic channels"
    )  # diploma


def test_one_word_matching_several_cues_of_a_label_counts_once():
    assert cue_hits("Het loon wordt betaald.") == {"wage_protection": 1}


@pytest.mark.parametrize(
    "text",
    [
        "The Parties shall cooperate in accordance with their national laws and regulations.",
        "Les Parties coopèrent conformément à leur législation nationale.",
        "De Partijen werken samen overeenkomstig hun nationale wetgeving.",
        "Die Vertragsparteien arbeiten im Rahmen ihrer Rechtsvorschriften zusammen.",
        "Las Partes cooperarán de conformidad con su legislación nacional.",
        "In witness whereof the undersigned have signed this document.",
        "",
    ],
)
def test_generic_sentence_hits_nothing(text):
    assert cue_hits(text) == {}
    assert matched_cues(text) == {}


def test_cue_file_covers_exactly_the_labels_of_labels_csv():
    assert list(load_cues()) == list(label_ids())
    assert list(load_cues_by_language()) == list(label_ids())


def test_every_label_has_cues_in_at_least_five_languages():
    for label, per_language in load_cues_by_language().items():
        languages = {lang for lang, cues in per_language.items() if cues}
        assert languages <= set(LANGUAGES), label
        assert len(languages) >= 5, f"{label}: only {sorted(languages)}"


def test_every_cue_matches_its_own_literal_form():
    for label, cues in load_cues().items():
        for cue in cues:
            assert label in cue_hits(cue.replace("*", "")), f"{label}: {cue!r} does not match itself"


def test_load_cues_returns_a_fresh_copy():
    load_cues()["wage_protection"].clear()
    assert load_cues()["wage_protection"]


def test_transformer_shape_and_values():
    features = CueFeatures().fit([FRENCH_WAGE])
    assert features.labels_ == list(label_ids())
    X = features.transform([FRENCH_WAGE, DUTCH_HOUSING, "Nothing relevant here."])
    assert sp.issparse(X) and X.format == "csr"
    assert X.shape == (3, len(label_ids())) == (3, 29)
    wage = features.labels_.index("wage_protection")
    assert X[0, wage] == pytest.approx(math.log1p(cue_hits(FRENCH_WAGE)["wage_protection"]))
    assert X[2].nnz == 0
    assert list(features.get_feature_names_out())[wage] == "cue_wage_protection"


def test_transformer_holds_only_simple_state():
    features = CueFeatures().fit([])
    assert vars(features) == {"labels_": list(label_ids())}


def test_transformer_round_trips_through_skops(tmp_path):
    path = tmp_path / "cues.skops"
    features = CueFeatures().fit([FRENCH_WAGE])
    sio.dump(features, path)
    assert sio.get_untrusted_types(file=path) == ["pipeline.cues.CueFeatures"]
    loaded = sio.load(path, trusted=["pipeline.cues.CueFeatures"])
    texts = [FRENCH_WAGE, DUTCH_HOUSING]
    np.testing.assert_array_equal(loaded.transform(texts).toarray(), features.transform(texts).toarray())


def test_transformer_works_inside_a_feature_union_saved_with_skops(tmp_path):
    union = FeatureUnion([("words", TfidfVectorizer()), ("cues", CueFeatures())])
    X = union.fit_transform([FRENCH_WAGE, DUTCH_HOUSING])
    assert X.shape[0] == 2
    path = tmp_path / "union.skops"
    sio.dump(union, path)
    assert sio.get_untrusted_types(file=path) == ["pipeline.cues.CueFeatures"]


def test_transform_is_fast_enough_for_batch_classification():
    texts = [(FRENCH_WAGE + " " + DUTCH_HOUSING)[:300]] * 1000
    features = CueFeatures().fit(texts)
    features.transform(texts[:5])  # build the cached index first
    start = time.perf_counter()
    features.transform(texts)
    per_second = len(texts) / (time.perf_counter() - start)
    assert per_second > 1000  # measured at ~10,000/s; the bound is loose to stay stable on slow machines
