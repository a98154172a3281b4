"""Active learning suggestions: the bundled corpus ingested once, scored by the shipped model, picked for
uncertainty on rare labels, diversity and spread over agreements, and exported as Label Studio tasks."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from pipeline import suggest as suggest_module
from pipeline.annotations import write_tasks
from pipeline.ingest import ingest
from pipeline.model import Clause, Document, Source
from pipeline.segment import classification_units
from pipeline.store import iter_documents
from pipeline.suggest import (
    MIN_CHARS,
    SIMILARITY_CAP,
    SKIPPED_KINDS,
    Suggestion,
    closeness,
    label_counts,
    rarity_weights,
    suggest,
    suggestion_predictions,
    text_vectors,
    uncertainty_scores,
)
from tests.conftest import CORPUS_PDFS


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Document]:
    """The bundled sample agreements, ingested (extracted, segmented, classified) into a store once."""
    store = tmp_path_factory.mktemp("suggest") / "store"
    results = ingest([CORPUS_PDFS], store)
    assert all(r.status == "stored" for r in results), [r.status for r in results]
    return list(iter_documents(store))


def copy_of(doc: Document, doc_id: str, clause_ids: list[str]) -> Document:
    """A new agreement repeating some clauses of ``doc`` word for word (boilerplate across agreements)."""
    clauses = [replace(doc.clause(cid), parent=None, labels=[]) for cid in clause_ids]
    return Document(doc_id=doc_id, source=Source("/x/copy.pdf", "copy.pdf", "0" * 64, 1, 1), clauses=clauses)


def keys(picks: list[Suggestion]) -> list[tuple[str, str]]:
    return [s.key for s in picks]


def test_suggests_n_judgeable_classification_units(corpus, shipped_model):
    picks = suggest(corpus, shipped_model, n=10)
    assert len(picks) == 10
    assert len(set(keys(picks))) == 10
    units = {(doc.doc_id, c.id): c for doc in corpus for c in classification_units(doc)}
    for s in picks:
        clause = units[s.key]
        assert clause.kind not in SKIPPED_KINDS and clause.parallel_of is None
        assert len(clause.text.strip()) >= MIN_CHARS and s.clause.text == clause.text
        assert 0 < s.score <= 1
        assert s.uncertain and all(label.label in shipped_model.trained_labels_ for label in s.uncertain)
        assert "\n" not in s.reason and s.uncertain[0].label in s.reason


def test_excluded_clauses_are_not_suggested(corpus, shipped_model):
    first = suggest(corpus, shipped_model, n=10)
    done = set(keys(first)[:5])
    again = suggest(corpus, shipped_model, n=10, exclude=done)
    assert len(again) == 10
    assert not done & set(keys(again))


def test_exact_duplicates_are_picked_once(corpus, shipped_model):
    top = suggest(corpus, shipped_model, n=1)[0]
    source = next(doc for doc in corpus if doc.doc_id == top.clause.doc_id)
    copies = [copy_of(source, f"ffff00000000000{i}", [top.clause.clause_id]) for i in range(3)]
    picks = suggest([*corpus, *copies], shipped_model, n=12)
    assert len(picks) == 12
    assert [s.clause.text for s in picks].count(top.clause.text) == 1
    # the original wins the tie with its copies: ties go to the smaller doc_id
    assert top.key in keys(picks)
    vectors = text_vectors([s.clause.text for s in picks])
    similarity = (vectors @ vectors.T).toarray()
    np.fill_diagonal(similarity, 0)
    assert similarity.max() <= SIMILARITY_CAP


def test_pool_widens_when_near_duplicates_fill_it(corpus, shipped_model, monkeypatch):
    top = suggest(corpus, shipped_model, n=1)[0]
    source = next(doc for doc in corpus if doc.doc_id == top.clause.doc_id)
    copies = [copy_of(source, f"ffff00000000000{i}", [top.clause.clause_id]) for i in range(6)]
    monkeypatch.setattr(suggest_module, "POOL_FACTOR", 1)  # the first pool is the top 4, mostly copies
    picks = suggest([*corpus, *copies], shipped_model, n=4)
    assert len(picks) == 4
    assert [s.clause.text for s in picks].count(top.clause.text) == 1


def test_no_agreement_takes_more_than_its_share(corpus, shipped_model):
    picks = suggest(corpus, shipped_model, n=14)  # default cap: max(2, 14 // 10) = 2 per agreement
    assert len(picks) == 14 == 2 * len(corpus)
    assert max(Counter(s.clause.doc_id for s in picks).values()) == 2
    capped = suggest(corpus, shipped_model, n=50, per_document=1)
    assert len(capped) == len(corpus)
    assert Counter(s.clause.doc_id for s in capped).most_common(1)[0][1] == 1


def test_rare_label_outranks_common_label_at_equal_closeness():
    thresholds = np.array([0.3, 0.5])
    weights = rarity_weights([20, 500])  # label 0 is rare in training, label 1 common
    proba = np.array(
        [
            [0.3, 0.0],  # at the rare label's threshold
            [0.0, 0.5],  # at the common label's threshold
            [0.15, 0.0],  # half-way to the rare label's threshold
            [0.0, 0.25],  # half-way to the common label's threshold
        ]
    )
    near = closeness(proba, thresholds)
    assert near[0, 0] == near[1, 1] == 1 and near[2, 0] == near[3, 1] == 0.5
    scores = uncertainty_scores(proba, thresholds, weights)
    assert scores[0] > scores[1] and scores[2] > scores[3]
    assert scores[0] == 1  # the rarest label weighs 1
    assert weights[1] == pytest.approx(np.sqrt(21 / 501))


def test_closeness_is_zero_where_the_model_is_sure():
    near = closeness(np.array([[0.0, 1.0, 0.0, 0.6]]), np.array([0.15, 0.5, 0.5, 0.2]))
    assert near[0, :3].tolist() == [0.0, 0.0, 0.0]
    assert near[0, 3] == pytest.approx(0.5)  # 0.6 is half-way from the threshold 0.2 to 1


def test_rarity_comes_from_the_manifest_else_from_the_store(corpus, shipped_model):
    texts = [c.text for doc in corpus for c in classification_units(doc)]
    proba = shipped_model.predict_proba(texts)
    counts, source = label_counts(shipped_model, proba)
    positives = shipped_model.manifest_["training_data"]["positives_per_label"]
    assert source == "training positives"
    assert counts.tolist() == [positives[label] for label in shipped_model.labels]

    bare = replace(shipped_model, manifest_={})  # a model trained before manifests had training_data
    counts, source = label_counts(bare, proba)
    assert source == "predicted in the store"
    predicted = Counter(s.label for labels in shipped_model.predict(texts) for s in labels)
    assert counts.tolist() == [predicted.get(label, 0) for label in shipped_model.labels]
    picks = suggest(corpus, bare, n=5)
    assert len(picks) == 5 and all("predicted in the store" in s.reason for s in picks)


def test_output_is_deterministic_and_ignores_document_order(corpus, shipped_model):
    first = suggest(corpus, shipped_model, n=12)
    assert suggest(corpus, shipped_model, n=12) == first
    assert suggest(list(reversed(corpus)), shipped_model, n=12) == first


def test_short_clauses_and_nothing_to_suggest(corpus, shipped_model):
    short = Document(
        doc_id="ffff000000000010",
        source=Source("/x/s.pdf", "s.pdf", "0" * 64, 1, 1),
        clauses=[Clause("art-1", "article", "Article 1 Definitions.", 0, 22, 1, 1)],
    )
    assert suggest([short], shipped_model, n=5) == []
    assert suggest(corpus, shipped_model, n=0) == []
    assert suggest([], shipped_model, n=5) == []


def test_suggestions_export_as_label_studio_tasks_with_predictions(corpus, shipped_model, tmp_path: Path):
    picks = suggest(corpus, shipped_model, n=8)
    path = tmp_path / "suggested.json"
    write_tasks(
        path,
        [s.clause for s in picks],
        "labelstudio",
        predictions=suggestion_predictions(picks),
        model_version=shipped_model.version,
    )
    tasks = json.loads(path.read_text(encoding="utf-8"))
    assert [(t["data"]["meta"]["doc_id"], t["data"]["meta"]["clause_id"]) for t in tasks] == keys(picks)
    for task, s in zip(tasks, picks, strict=True):
        assert task["data"]["text"] == s.clause.text
        (prediction,) = task["predictions"]
        assert prediction["model_version"] == shipped_model.version
        chosen = [c for r in prediction["result"] for c in r["value"]["choices"]]
        assert sorted(chosen) == sorted(label.label for label in s.predicted)
    assert any(task["predictions"][0]["result"] for task in tasks), "no suggestion has a predicted label"
