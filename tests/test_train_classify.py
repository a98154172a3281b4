"""Training on a small sample, the shipped model, and its safe loading."""

from __future__ import annotations

import json
import shutil

import pytest

from pipeline.classify import classify, load_model
from pipeline.errors import BlamineError
from pipeline.extract import extract
from pipeline.segment import segment
from pipeline.train import train
from tests.conftest import ROOT, corpus_pdf


@pytest.fixture(scope="module")
def small_model_dir(tmp_path_factory):
    """A model trained with grouped CV on a slice of our annotations (same code path as `make model`)."""
    annotations = tmp_path_factory.mktemp("ann")
    lines = (ROOT / "annotations" / "clauses.jsonl").read_text(encoding="utf-8").splitlines()
    (annotations / "sample.jsonl").write_text("\n".join(lines[:250]) + "\n", encoding="utf-8")
    out = tmp_path_factory.mktemp("models")
    version_dir, evaluation = train(annotations, out, shared=out / "no-shared", folds=2)
    return out, version_dir, evaluation


def test_training_writes_a_candidate_with_manifest_card_and_training_keys(small_model_dir):
    out, version_dir, evaluation = small_model_dir
    assert not (out / "current").exists(), "a trained model becomes the default only when promoted"
    keys = json.loads((version_dir / "training_set.json").read_text())
    assert len(keys) == 250 and all(key.startswith("ann:blm-") for key in keys)
    manifest = json.loads((version_dir / "manifest.json").read_text())
    assert len(manifest["labels"]) == 29 and set(manifest["thresholds"]) == set(manifest["labels"])
    assert manifest["training_data"]["examples"] == 250
    assert 0.0 <= evaluation["grouped_cv_all"]["micro_f1"] <= 1.0
    assert not list(version_dir.glob("*.pkl")) and (version_dir / "model.skops").is_file()
    card = (version_dir / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "## Intended use" in card and "## Known limits" in card and "| wage_protection |" in card


def test_training_writes_the_grouped_evaluation_report_beside_the_candidate(small_model_dir):
    _, version_dir, evaluation = small_model_dir
    report = json.loads((version_dir / "evaluation.json").read_text())
    (candidate,) = report.values()
    assert candidate["folds"] == 2 and candidate["shared_dev"] is None
    figures = candidate["all"]
    assert figures == evaluation["grouped_cv_all"]
    assert 0.0 <= figures["agreement_level"]["micro_f1"] <= 1.0
    assert 0.0 <= figures["calibration"]["all"]["ece"] <= 1.0
    for chart in ("reliability.png", "per_label_f1.png"):
        assert (version_dir / chart).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_trained_model_loads_and_predicts(small_model_dir):
    _, version_dir, _ = small_model_dir
    model = load_model(version_dir)
    assert model.predict_proba(["The employer shall pay the wage monthly."]).shape == (1, 29)


def test_tampered_model_file_is_refused(small_model_dir, tmp_path):
    _, version_dir, _ = small_model_dir
    copy = tmp_path / version_dir.name
    shutil.copytree(version_dir, copy)
    with (copy / "model.skops").open("ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(BlamineError, match="SHA-256"):
        load_model(copy)


def test_a_model_file_holding_foreign_code_is_refused_before_loading(small_model_dir, tmp_path):
    """A skops file whose pipeline would call os.system is refused even with a matching SHA-256."""
    import hashlib
    import os

    import skops.io as sio
    from sklearn.preprocessing import FunctionTransformer

    _, version_dir, _ = small_model_dir
    copy = tmp_path / version_dir.name
    shutil.copytree(version_dir, copy)
    sio.dump(FunctionTransformer(os.system), copy / "model.skops")
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["sha256"] = hashlib.sha256((copy / "model.skops").read_bytes()).hexdigest()
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BlamineError, match="outside skops' trusted set"):
        load_model(copy)


def test_shipped_model_labels_clauses_of_a_bundled_agreement(shipped_model):
    doc = classify(segment(extract(corpus_pdf("lk_jo_recruitment_costs_2014"))), shipped_model)
    labels_of = {c.id: {s.label for s in c.labels} for c in doc.clauses}
    assert "recruitment_fees_costs" in labels_of["art-4.2"]
    assert "duration_amendment_termination" in labels_of["art-10.1"] | labels_of["art-10.2"]
    assert all(0.0 <= s.score <= 1.0 for c in doc.clauses for s in c.labels)
    assert doc.model is not None and doc.model.version == shipped_model.version


def test_training_in_parallel_gives_the_same_model(small_model_dir, tmp_path):
    """The model file is not byte-identical between runs (skops' zip), so "the same model" is the same
    version, thresholds and probabilities (to rounding: the labels' fits meet in another order)."""
    _, version_dir, _ = small_model_dir
    annotations = tmp_path / "ann"
    annotations.mkdir()
    lines = (ROOT / "annotations" / "clauses.jsonl").read_text(encoding="utf-8").splitlines()
    (annotations / "sample.jsonl").write_text("\n".join(lines[:250]) + "\n", encoding="utf-8")
    parallel_dir, _ = train(
        annotations, tmp_path / "models", shared=tmp_path / "no-shared", folds=2, n_jobs=2
    )
    assert parallel_dir.name == version_dir.name
    thresholds = [
        json.loads((d / "manifest.json").read_text())["thresholds"] for d in (version_dir, parallel_dir)
    ]
    assert thresholds[0] == thresholds[1]
    texts = [json.loads(line)["text"] for line in lines[300:400]]
    sequential, parallel = (load_model(d).predict_proba(texts) for d in (version_dir, parallel_dir))
    assert abs(sequential - parallel).max() < 1e-9
