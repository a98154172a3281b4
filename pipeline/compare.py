"""Is a candidate model better than the current one, on agreements neither has seen, beyond noise?

Both models are rebuilt by cross-validation on the same agreement folds: in each fold, each model's recipe
is trained on *its own* training examples (the keys it recorded, :data:`pipeline.train.TRAINING_SET_FILE`)
outside the fold, and both predict the fold's clauses. The clauses scored are those either model was
trained on, with today's labels, so a candidate trained on corrected labels is judged by the corrections.

Noise is measured by the bootstrap over agreements (clauses of one agreement are not independent): the
agreements are resampled with replacement, micro-F1 and per-label F1 of both models are recomputed on each
resample, and the 95 % interval of the difference is reported. The verdict is ``better`` or ``worse`` only
when that interval excludes zero.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .classify import read_manifest
from .crossval import agreement_folds, cross_fitted_predictions, out_of_fold_proba
from .errors import E_MODEL, BlamineError
from .store import atomic_write_text
from .taxonomy import label_ids
from .train import (
    CANDIDATES,
    DEFAULT_CANDIDATE,
    SHARED_DIR,
    TRAINING_SET_FILE,
    Example,
    data_fingerprint,
    label_matrix,
    load_examples,
)

MIN_SUPPORT = 20
"""A label with at least this many positives among the scored clauses may block a promotion."""


@dataclass
class Delta:
    """One figure of both models, candidate minus current, with the bootstrap's 95 % interval."""

    current: float
    candidate: float
    delta: float
    low: float
    high: float


@dataclass
class Comparison:
    candidate: str
    against: str
    folds: int
    clauses: int
    agreements: int
    micro_f1: Delta
    labels: dict[str, Delta]
    support: dict[str, int]
    verdict: str
    """``better``, ``worse`` or ``no difference``: the sign of the micro-F1 difference when its interval
    excludes zero."""
    blocking: list[str] = field(default_factory=list)
    """Why :func:`pipeline.registry` would refuse the promotion: worse beyond noise on micro-F1 or on a
    label with at least :data:`MIN_SUPPORT` positives."""
    missing: dict[str, int] = field(default_factory=dict)
    """Training keys of each model no longer found in the annotations (left out of its folds)."""

    data: str = ""
    """Fingerprint of the clauses and labels scored: a saved comparison is reused only on the same data."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Comparison:
        return cls(
            **{
                **data,
                "micro_f1": Delta(**data["micro_f1"]),
                "labels": {label: Delta(**d) for label, d in data["labels"].items()},
            }
        )


def training_keys(model_dir: Path) -> list[str]:
    """The example keys a model was trained on."""
    path = Path(model_dir) / TRAINING_SET_FILE
    if not path.is_file():
        raise BlamineError(
            path,
            "this model does not record its training set (trained by an older blamine); retrain it",
            E_MODEL,
        )
    return list(json.loads(path.read_text(encoding="utf-8")))


def compare(
    candidate_dir: Path,
    against_dir: Path,
    annotation_dirs: Sequence[Path],
    *,
    shared: Path = SHARED_DIR,
    folds: int = 5,
    seed: int = 0,
    rounds: int = 1000,
    n_jobs: int = 1,
) -> Comparison:
    """Compare two trained models on the same agreement folds (see the module docstring)."""
    scored, keys, missing = _scored_examples(candidate_dir, against_dir, annotation_dirs, shared)
    if not scored:
        raise BlamineError(
            candidate_dir, "none of the models' training clauses is in the annotations", E_MODEL
        )
    labels = list(label_ids())
    y = label_matrix(scored, labels)
    texts = [e.text for e in scored]
    groups = np.array([e.group for e in scored])
    splits = agreement_folds(groups, folds)
    decisions = {}
    for name, directory in (("candidate", candidate_dir), ("current", against_dir)):
        own = np.array([e.key in keys[name] for e in scored])
        recipe = CANDIDATES[read_manifest(directory).get("candidate", DEFAULT_CANDIDATE)]
        own_splits = [(train[own[train]], test) for train, test in splits]
        proba, fold_of = out_of_fold_proba(recipe, texts, y, labels, own_splits, seed=seed, n_jobs=n_jobs)
        decisions[name] = cross_fitted_predictions(proba, y, fold_of, labels)
    micro, per_label = _bootstrap(y, decisions["current"], decisions["candidate"], groups, rounds, seed)
    support = {label: int(y[:, j].sum()) for j, label in enumerate(labels)}
    if micro.low > 0:
        verdict = "better"
    elif micro.high < 0:
        verdict = "worse"
    else:
        verdict = "no difference"
    blocking = (
        [f"micro-F1 {micro.delta:+.3f} [{micro.low:+.3f}, {micro.high:+.3f}]"] if micro.high < 0 else []
    )
    blocking += [
        f"{label} F1 {d.delta:+.3f} [{d.low:+.3f}, {d.high:+.3f}] (support {support[label]})"
        for label, d in per_label.items()
        if support[label] >= MIN_SUPPORT and d.high < 0
    ]
    return Comparison(
        candidate=read_manifest(candidate_dir)["version"],
        against=read_manifest(against_dir)["version"],
        folds=len(splits),
        clauses=len(scored),
        agreements=len(set(groups)),
        micro_f1=micro,
        labels=per_label,
        support=support,
        verdict=verdict,
        blocking=blocking,
        missing=missing,
        data=data_fingerprint(scored),
    )


def _scored_examples(
    candidate_dir: Path, against_dir: Path, annotation_dirs: Sequence[Path], shared: Path
) -> tuple[list[Example], dict[str, set[str]], dict[str, int]]:
    """The examples either model was trained on, with today's labels; each model's training keys; and
    how many of each model's keys the annotations no longer hold."""
    examples = load_examples(list(annotation_dirs), shared)
    known = {e.key for e in examples}
    keys = {"candidate": set(training_keys(candidate_dir)), "current": set(training_keys(against_dir))}
    scored = [e for e in examples if e.key in keys["candidate"] or e.key in keys["current"]]
    return scored, keys, {name: len(k - known) for name, k in keys.items()}


def comparison_with(
    candidate_dir: Path,
    against_dir: Path,
    annotation_dirs: Sequence[Path],
    *,
    shared: Path = SHARED_DIR,
    folds: int = 5,
    n_jobs: int = 1,
) -> Comparison:
    """:func:`compare`, saved beside the candidate (``comparison-<against>.json``) for review and audit;
    a saved comparison on the same data is reused, since cross-validating two models takes minutes."""
    path = Path(candidate_dir) / f"comparison-{read_manifest(against_dir)['version']}.json"
    if path.is_file():
        saved = Comparison.from_dict(json.loads(path.read_text(encoding="utf-8")))
        scored, _, _ = _scored_examples(candidate_dir, against_dir, annotation_dirs, shared)
        if saved.data == data_fingerprint(scored) and saved.folds == folds:
            return saved
    result = compare(candidate_dir, against_dir, annotation_dirs, shared=shared, folds=folds, n_jobs=n_jobs)
    atomic_write_text(path, json.dumps(result.to_dict(), indent=1) + "\n")
    return result


def _bootstrap(
    y: np.ndarray, current: np.ndarray, candidate: np.ndarray, groups: np.ndarray, rounds: int, seed: int
) -> tuple[Delta, dict[str, Delta]]:
    """Micro-F1 and per-label F1 of both decision matrices, with intervals from resampling agreements.

    Counts are summed per agreement once; a resample is a vector of how often each agreement was drawn,
    so every round is two matrix products rather than a pass over the clauses."""
    names, group_of = np.unique(groups, return_inverse=True)
    members = np.zeros((len(names), len(groups)))
    members[group_of, np.arange(len(groups))] = 1
    rng = np.random.default_rng(seed)
    draws = np.vstack(
        [np.ones(len(names)), rng.multinomial(len(names), np.full(len(names), 1 / len(names)), rounds)]
    )

    truth = y.astype(bool)

    def scores(decided: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        tp = draws @ (members @ (decided & truth))
        wrong = draws @ (members @ (decided ^ truth))  # false positives + false negatives
        micro = _f1(tp.sum(axis=1), wrong.sum(axis=1))
        return micro, _f1(tp, wrong)

    micro_a, label_a = scores(current.astype(bool))
    micro_b, label_b = scores(candidate.astype(bool))
    labels = list(label_ids())
    per_label = {label: _delta(label_a[:, j], label_b[:, j]) for j, label in enumerate(labels)}
    return _delta(micro_a, micro_b), per_label


def _f1(tp: np.ndarray, wrong: np.ndarray) -> np.ndarray:
    denominator = 2 * tp + wrong
    return np.divide(2 * tp, denominator, out=np.zeros_like(denominator, dtype=float), where=denominator > 0)


def _delta(current: np.ndarray, candidate: np.ndarray) -> Delta:
    """Row 0 holds the figures on the data as it is; the other rows are the bootstrap rounds."""
    difference = candidate[1:] - current[1:]
    low, high = np.percentile(difference, [2.5, 97.5])
    return Delta(
        round(float(current[0]), 4),
        round(float(candidate[0]), 4),
        round(float(candidate[0] - current[0]), 4),
        round(float(low), 4),
        round(float(high), 4),
    )
