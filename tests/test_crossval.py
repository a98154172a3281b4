"""Grouped cross-validation and its figures, and `blamine evaluate` end to end on a small annotation set."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.crossval import (
    agreement_folds,
    agreement_presence,
    calibration,
    precision_at_recall,
    tune_thresholds,
)
from tests.conftest import ROOT


def test_no_agreement_is_in_both_train_and_test():
    groups = ["a", "a", "b", "c", "c", "c", "d"]
    for folds in (0, 2):
        splits = agreement_folds(groups, folds)
        assert len(splits) == (4 if folds == 0 else 2)
        for train, test in splits:
            assert not {groups[i] for i in train} & {groups[i] for i in test}


def test_precision_at_80_recall_is_the_best_precision_keeping_four_fifths_of_positives():
    proba = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    truth = np.array([1, 0, 1, 1, 0, 1])
    # 4 positives; recall 0.8 needs 4 of them: all six ranks → 4/6
    assert precision_at_recall(proba, truth) == round(4 / 6, 3)
    assert precision_at_recall(proba, np.zeros(6, dtype=int)) is None


def test_calibration_error_is_zero_for_scores_that_match_frequencies_and_large_otherwise():
    truth = np.array([1, 0] * 50)
    assert calibration(np.full(100, 0.5), truth)["ece"] == 0.0
    assert calibration(np.full(100, 0.95), truth)["ece"] == 0.45


def test_agreement_presence_counts_a_label_once_per_agreement():
    y = np.array([[1, 0], [0, 0], [0, 1]])
    found = np.array([[0, 0], [1, 0], [0, 0]])
    result = agreement_presence(y, found, ["a", "a", "b"])
    assert result["agreements"] == 2 and result["micro_f1"] == round(2 * 1 / (1 + 2), 4)


def test_tuned_thresholds_are_half_the_best_f1_of_the_grid_as_scikit_learn_counts_it():
    from sklearn.metrics import f1_score

    from pipeline.crossval import MIN_THRESHOLD, THRESHOLD_GRID

    rng = np.random.default_rng(7)
    for _ in range(50):
        n = int(rng.integers(5, 300))
        y = (rng.random((n, 6)) < rng.random(6) * 0.4).astype(int)
        proba = np.round(rng.random((n, 6)) * (0.5 + 0.4 * y), int(rng.integers(1, 3)))  # many ties
        labels = [f"label{j}" for j in range(6)]
        expected = {
            label: max(
                round(max(f1_score(y[:, j], proba[:, j] >= t) for t in THRESHOLD_GRID) / 2, 3),
                MIN_THRESHOLD,
            )
            if y[:, j].any()
            else 0.5
            for j, label in enumerate(labels)
        }
        assert tune_thresholds(proba, y, labels) == pytest.approx(expected)


def test_a_label_the_model_separates_well_gets_a_higher_threshold_than_one_it_confuses():
    """Half the best F1: the cut follows how well a label can be found, not where its last scores fell."""
    y = np.array([[1, 1], [1, 0], [0, 1], [0, 0]] * 5)
    proba = np.array([[0.9, 0.6], [0.8, 0.6], [0.1, 0.5], [0.2, 0.5]] * 5)
    thresholds = tune_thresholds(proba, y, ["clear", "confused"])
    assert thresholds["clear"] == 0.5  # best F1 1.0
    assert thresholds["confused"] == round((2 / 3) / 2, 3)  # best F1 2/3: everything predicted


def test_evaluate_command_compares_on_grouped_folds_and_saves_json_and_charts(tmp_path: Path):
    lines = (ROOT / "annotations" / "clauses.jsonl").read_text(encoding="utf-8").splitlines()
    groups: list[str] = []
    subset = []
    for line in lines:
        group = json.loads(line)["group"]
        if group not in groups:
            groups.append(group)
        if len(groups) <= 12:
            subset.append(line)
    annotations = tmp_path / "annotations"
    annotations.mkdir()
    (annotations / "clauses.jsonl").write_text("\n".join(subset) + "\n", encoding="utf-8")
    out = tmp_path / "report"
    result = CliRunner().invoke(
        app,
        [
            "evaluate",
            "--annotations",
            str(annotations),
            "--shared",
            str(tmp_path / "no-shared"),
            "--folds",
            "3",
            "--candidate",
            "tfidf-logreg",
            "--candidate",
            "stems-cues-logreg",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "tfidf-logreg     all" in result.output and "expected calibration error" in result.output
    saved = json.loads((out / "evaluation.json").read_text(encoding="utf-8"))
    figures = saved["tfidf-logreg"]["all"]
    assert saved["tfidf-logreg"]["folds"] == 3 and 0 <= figures["micro_f1"] <= 1
    assert figures["agreement_level"]["agreements"] == 12
    for chart in ("reliability.png", "per_label_f1.png"):
        assert (out / chart).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_evaluate_refuses_an_unknown_candidate(tmp_path: Path):
    result = CliRunner().invoke(app, ["evaluate", "--candidate", "magic", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "unknown ['magic']" in result.output
