"""The fast prediction path (stacked linear head, direct feature union, unchecked TF-IDF weighting) gives
the scikit-learn pipeline's own results."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from pipeline.classify import ClauseClassifier, clause_segments, load_model
from pipeline.features import LookupTfidfVectorizer, transform_union, word_tokens
from pipeline.taxonomy import label_ids
from tests.conftest import ROOT

TOLERANCE = 1e-12


def _annotations() -> list[dict]:
    path = ROOT / "annotations" / "clauses.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _texts() -> list[str]:
    """Every annotated clause, plus texts at the edges: empty, blank, non-ASCII only, very long."""
    texts = [row["text"] for row in _annotations()]
    return [*texts, "", "   ", "é", "Ééé ça — «wages»", " ".join(texts[:40])]


def _pipeline_whole_proba(model: ClauseClassifier, texts: list[str]) -> np.ndarray:
    """The scikit-learn pipeline's ``predict_proba``, one calibrated classifier per label."""
    reference = np.zeros((len(texts), len(model.labels)))
    columns = [model.labels.index(label) for label in model.trained_labels_]
    reference[:, columns] = np.column_stack([p[:, 1] for p in model.pipeline_.predict_proba(texts)])
    return reference


def _pipeline_proba(model: ClauseClassifier, texts: list[str]) -> np.ndarray:
    """The reference: the pipeline's probabilities of each text, raised to ``segment_weight`` times its
    segments' best where that is higher, clause by clause."""
    reference = _pipeline_whole_proba(model, texts)
    segments = [clause_segments(text) for text in texts]
    flat = [segment for parts in segments for segment in parts]
    if not model.segment_weight or not flat:
        return reference
    segment_proba = iter(_pipeline_whole_proba(model, flat))
    for row, parts in enumerate(segments):
        for _ in parts:
            reference[row] = np.maximum(reference[row], model.segment_weight * next(segment_proba))
    return reference


def _assert_same_as_pipeline(model: ClauseClassifier, texts: list[str]) -> None:
    ours = model.predict_proba(texts)
    assert ours.shape == (len(texts), len(model.labels))
    assert np.abs(ours - _pipeline_proba(model, texts)).max() <= TOLERANCE


@pytest.fixture(scope="module")
def fresh_model() -> ClauseClassifier:
    """A small model fitted here; some labels have too few examples and stay untrained."""
    rows = _annotations()[::12]
    labels = list(label_ids())
    y = np.array([[label in row["labels"] for label in labels] for row in rows], dtype=int)
    model = ClauseClassifier(labels=labels).fit([row["text"] for row in rows], y)
    assert 0 < len(model.trained_labels_) < len(labels)
    return model


def test_shipped_model_predicts_the_pipelines_probabilities(shipped_model):
    _assert_same_as_pipeline(shipped_model, _texts())


def test_shipped_model_predicts_the_pipelines_probabilities_for_a_single_text(shipped_model):
    _assert_same_as_pipeline(shipped_model, ["The employer shall pay the wage monthly."])


def test_an_empty_batch_gets_an_empty_probability_matrix(shipped_model):
    assert shipped_model.predict_proba([]).shape == (0, len(shipped_model.labels))
    assert shipped_model.predict([]) == []


def test_freshly_fitted_model_predicts_the_pipelines_probabilities(fresh_model):
    _assert_same_as_pipeline(fresh_model, _texts())
    _assert_same_as_pipeline(fresh_model, ["Il datore di lavoro paga il salario."])


def test_saved_and_reloaded_model_predicts_what_it_did_before_saving(fresh_model, tmp_path):
    texts = _texts()[:200]
    fresh_model.save(tmp_path, {})
    assert np.array_equal(load_model(tmp_path).predict_proba(texts), fresh_model.predict_proba(texts))


def test_feature_union_transformed_directly_equals_its_own_transform(shipped_model):
    union = shipped_model.pipeline_.named_steps["features"]
    texts = _texts()
    ours, theirs = transform_union(union, texts), union.transform(texts)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    for part in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(ours, part), getattr(theirs, part))


def test_predict_keeps_the_labels_at_or_above_their_threshold_highest_first(shipped_model):
    texts = _texts()[:300]
    for scores, row in zip(shipped_model.predict(texts), shipped_model.predict_proba(texts), strict=True):
        expected = [
            (label, round(float(p), 4))
            for label, p in zip(shipped_model.labels, row, strict=True)
            if p >= shipped_model.thresholds.get(label, 0.5)
        ]
        expected.sort(key=lambda pair: -pair[1])
        assert [(s.label, s.score) for s in scores] == expected


@pytest.mark.parametrize(
    "settings",
    [
        {"norm": "l1"},
        {"norm": None},
        {"use_idf": False},
        {"sublinear_tf": False, "smooth_idf": False},
    ],
)
def test_tfidf_weighting_without_checks_equals_scikit_learns_for_other_settings(settings):
    texts = [row["text"] for row in _annotations()[:300]]
    fitted = [
        cls(analyzer=word_tokens, **settings).fit(texts[:200])
        for cls in (TfidfVectorizer, LookupTfidfVectorizer)
    ]
    theirs, ours = (vectorizer.transform(texts[200:] + [""]) for vectorizer in fitted)
    for part in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(ours, part), getattr(theirs, part))


def test_a_clause_is_cut_into_its_sentences_and_lettered_items():
    text = (
        "Article 6. Each Party shall treat the workers of the other no less favourably than its own "
        "nationals in respect of: (a) pay, including overtime and family allowances; "
        "(b) membership of trade unions and collective bargaining; (c) housing."
    )
    assert clause_segments(text) == [
        "Each Party shall treat the workers of the other no less favourably than its own nationals in "
        "respect of:",
        "(a) pay, including overtime and family allowances;",
        "(b) membership of trade unions and collective bargaining;",
    ]


def test_a_clause_of_one_sentence_has_no_segments():
    assert clause_segments("The employer shall pay the wage every month into the worker's account.") == []
    assert clause_segments("Short. Too short.") == []


def test_a_label_found_in_one_item_of_a_long_clause_counts_at_the_segment_weight(fresh_model):
    text = " ".join(_texts()[:6])
    whole = fresh_model.predict_proba([text])
    fresh_model.segment_weight, weight = 0.0, fresh_model.segment_weight
    try:
        alone = fresh_model.predict_proba([text])
        best = fresh_model.predict_proba(clause_segments(text)).max(axis=0)
    finally:
        fresh_model.segment_weight = weight
    assert np.allclose(whole[0], np.maximum(alone[0], weight * best))
    assert (whole > alone).any()


def test_a_model_saved_before_segment_weights_reads_whole_clauses_only(fresh_model, tmp_path):
    fresh_model.save(tmp_path, {})
    manifest_path = tmp_path / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert manifest["segment_weight"] == fresh_model.segment_weight
    del manifest["segment_weight"]
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    assert load_model(tmp_path).segment_weight == 0.0
