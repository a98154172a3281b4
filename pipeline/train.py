"""Train, evaluate (grouped by agreement) and save the clause classifier.

Training data: our own examples in ``annotations/*.jsonl`` (format in ``annotations/README.md``) plus, when
present, the gold units of ``../shared/labels/dev.jsonl`` with their text read from ``../shared``.

Evaluation is honest about small data: folds are grouped by agreement (a clause is never scored by a model
that saw another clause of the same agreement), and each fold's decision thresholds are tuned on the
*other* folds' out-of-fold probabilities, never on the fold being scored. The shipped thresholds are tuned on
all out-of-fold probabilities.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold

from .classify import ClauseClassifier
from .evaluate import EDITORIAL_LINE
from .taxonomy import label_ids

THRESHOLD_GRID = np.round(np.arange(0.15, 0.86, 0.05), 2)
SHARED_DIR = Path(__file__).resolve().parent.parent.parent / "shared"


@dataclass
class Example:
    text: str
    labels: list[str]
    group: str
    source: str
    language: str | None = None


def load_annotations(directory: Path) -> list[Example]:
    """Our own labelled clauses (``*.jsonl``, one clause per line)."""
    examples = []
    for path in sorted(directory.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise ValueError(f"{path}:{number}: invalid JSON ({exc})") from None
            examples.append(
                Example(
                    row["text"],
                    list(row["labels"]),
                    f"ann:{row['group']}",
                    "annotations",
                    row.get("language"),
                )
            )
    return examples


def load_shared_gold(shared: Path = SHARED_DIR) -> list[Example]:
    """Gold units of the shared development set (empty when ``../shared`` is absent)."""
    gold = shared / "labels" / "dev.jsonl"
    if not gold.is_file():
        return []
    texts: dict[str, str] = {}
    examples = []
    for line in gold.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["kind"] == "other" and not row["labels"]:
            continue  # editorial gap markers and stray page numbers
        if row["doc"] not in texts:
            path = shared / "corpus" / "texts" / row["doc"]
            with path.open(encoding="utf-8", newline="") as handle:
                texts[row["doc"]] = handle.read()
        text = EDITORIAL_LINE.sub("", texts[row["doc"]][row["start"] : row["end"]])
        text = " ".join(text.split())
        if text:
            examples.append(Example(text, list(row["labels"]), f"dev:{row['doc']}", "shared-dev"))
    return examples


def label_matrix(examples: list[Example], labels: list[str]) -> np.ndarray:
    index = {label: i for i, label in enumerate(labels)}
    y = np.zeros((len(examples), len(labels)), dtype=int)
    for row, example in enumerate(examples):
        for label in example.labels:
            if label in index:
                y[row, index[label]] = 1
    return y


def out_of_fold_proba(
    examples: list[Example], y: np.ndarray, labels: list[str], *, folds: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities for every example from a model that never saw its agreement; and each example's fold."""
    groups = np.array([e.group for e in examples])
    texts = [e.text for e in examples]
    proba = np.zeros(y.shape)
    fold_of = np.zeros(len(examples), dtype=int)
    for fold, (train, test) in enumerate(GroupKFold(n_splits=folds).split(texts, y, groups)):
        model = ClauseClassifier(labels=labels, seed=seed).fit([texts[i] for i in train], y[train])
        proba[test] = model.predict_proba([texts[i] for i in test])
        fold_of[test] = fold
    return proba, fold_of


def tune_thresholds(proba: np.ndarray, y: np.ndarray, labels: list[str]) -> dict[str, float]:
    """Per label, the grid threshold with the best F1 on the given probabilities (0.5 without positives)."""
    thresholds = {}
    for j, label in enumerate(labels):
        if y[:, j].sum() == 0:
            thresholds[label] = 0.5
            continue
        scores = [f1_score(y[:, j], proba[:, j] >= t, zero_division=0) for t in THRESHOLD_GRID]
        thresholds[label] = float(THRESHOLD_GRID[int(np.argmax(scores))])
    return thresholds


def cross_fitted_predictions(
    proba: np.ndarray, y: np.ndarray, fold_of: np.ndarray, labels: list[str]
) -> np.ndarray:
    """Decisions for each fold with thresholds tuned only on the other folds."""
    decisions = np.zeros(y.shape, dtype=int)
    for fold in np.unique(fold_of):
        others = fold_of != fold
        thresholds = tune_thresholds(proba[others], y[others], labels)
        cut = np.array([thresholds[label] for label in labels])
        decisions[fold_of == fold] = proba[fold_of == fold] >= cut
    return decisions


def metrics(y: np.ndarray, decisions: np.ndarray, labels: list[str]) -> dict[str, Any]:
    """Micro/macro F1 over labels with positives, and per-label precision/recall/F1/support."""
    present = y.sum(axis=0) > 0
    per_label = {}
    for j, label in enumerate(labels):
        tp = int(((decisions[:, j] == 1) & (y[:, j] == 1)).sum())
        fp = int(((decisions[:, j] == 1) & (y[:, j] == 0)).sum())
        fn = int(((decisions[:, j] == 0) & (y[:, j] == 1)).sum())
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_label[label] = {
            "precision": round(precision, 3),
            "recall": round(recall, 3),
            "f1": round(f1, 3),
            "support": int(y[:, j].sum()),
        }
    return {
        "micro_f1": round(
            float(f1_score(y[:, present], decisions[:, present], average="micro", zero_division=0)), 4
        ),
        "macro_f1": round(
            float(f1_score(y[:, present], decisions[:, present], average="macro", zero_division=0)), 4
        ),
        "examples": int(len(y)),
        "per_label": per_label,
    }


def data_fingerprint(examples: list[Example]) -> str:
    digest = hashlib.sha256()
    for example in examples:
        digest.update(json.dumps([example.text, sorted(example.labels), example.group]).encode("utf-8"))
    return digest.hexdigest()


def train(
    annotations_dir: Path,
    out_dir: Path,
    *,
    shared: Path = SHARED_DIR,
    folds: int = 5,
    seed: int = 0,
    evaluate: bool = True,
) -> tuple[Path, dict[str, Any]]:
    """Train on all data, evaluate grouped by agreement, save as ``out_dir/<version>`` and point
    ``out_dir/current`` at it. Returns the version directory and the manifest's evaluation section."""
    examples = load_annotations(annotations_dir) + load_shared_gold(shared)
    if not examples:
        raise ValueError(f"no training examples found in {annotations_dir}")
    labels = list(label_ids())
    y = label_matrix(examples, labels)
    fingerprint = data_fingerprint(examples)
    version = f"v1-{fingerprint[:10]}"

    evaluation: dict[str, Any] = {}
    if evaluate:
        proba, fold_of = out_of_fold_proba(examples, y, labels, folds=folds, seed=seed)
        thresholds = tune_thresholds(proba, y, labels)
        decisions = cross_fitted_predictions(proba, y, fold_of, labels)
        evaluation["grouped_cv_all"] = metrics(y, decisions, labels)
        dev = np.array([e.source == "shared-dev" for e in examples])
        if dev.any():
            evaluation["grouped_cv_shared_dev_only"] = metrics(y[dev], decisions[dev], labels)
        evaluation["protocol"] = (
            f"GroupKFold({folds}) by agreement; thresholds per fold tuned on the other folds' out-of-fold "
            "probabilities; shipped thresholds tuned on all out-of-fold probabilities"
        )
    else:
        thresholds = {label: 0.5 for label in labels}

    model = ClauseClassifier(labels=labels, thresholds=thresholds, version=version, seed=seed)
    model.fit([e.text for e in examples], y)
    sources: dict[str, int] = {}
    for example in examples:
        sources[example.source] = sources.get(example.source, 0) + 1
    manifest = {
        "training_data": {
            "examples": len(examples),
            "agreements": len({e.group for e in examples}),
            "by_source": sources,
            "positives_per_label": {label: int(y[:, j].sum()) for j, label in enumerate(labels)},
            "fingerprint": fingerprint,
        },
        "evaluation": evaluation,
        "seed": seed,
    }
    version_dir = model.save(out_dir / version, manifest)
    (out_dir / "current").write_text(version + "\n", encoding="utf-8")
    return version_dir, evaluation
