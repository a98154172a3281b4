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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from joblib import parallel_config

from .annotations import judgements_path, read_annotations, training_labels
from .classify import ClauseClassifier
from .crossval import (
    Candidate,
    agreement_folds,
    out_of_fold_proba,
    report,
    tune_thresholds,
    write_charts,
)
from .evaluate import EDITORIAL_LINE
from .store import atomic_write_text
from .taxonomy import label_ids
from .taxonomy import labels as taxonomy_labels
from .textcat import SpacyTextcatClassifier

SHARED_DIR = Path(__file__).resolve().parent.parent.parent / "shared"


@dataclass
class Example:
    text: str
    labels: list[str]
    group: str
    """The agreement: cross-validation never puts one agreement in both training and test folds."""
    source: str
    key: str
    """Stable identity across runs (``ann:<id>``, ``imp:<doc_id>/<clause_id>``, ``dev:<doc>:<start>``): a
    model records the keys it was trained on, so ``blamine compare`` can rebuild its training set."""
    language: str | None = None


def load_annotations(directory: Path, adjudicator: str | None = None) -> list[Example]:
    """Labelled clauses of an annotations folder: our own (``*.jsonl``, one clause per line) and the
    judgements imported into ``imported/`` (see :func:`pipeline.annotations.training_labels`; several
    annotators' labels are adjudicated, by ``adjudicator`` when named, else by majority)."""
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
                    f"ann:{row['id']}",
                    row.get("language"),
                )
            )
    judgements = judgements_path(directory)
    if judgements.is_file():
        labelled, _ = training_labels(read_annotations(judgements, "own"), adjudicator)
        for (doc_id, clause_id), (text, labels) in labelled.items():
            examples.append(Example(text, labels, f"doc:{doc_id}", "imported", f"imp:{doc_id}/{clause_id}"))
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
            key = f"dev:{row['doc']}:{row['start']}"
            examples.append(Example(text, list(row["labels"]), f"dev:{row['doc']}", "shared-dev", key))
    return examples


def label_matrix(examples: list[Example], labels: list[str]) -> np.ndarray:
    index = {label: i for i, label in enumerate(labels)}
    y = np.zeros((len(examples), len(labels)), dtype=int)
    for row, example in enumerate(examples):
        for label in example.labels:
            if label in index:
                y[row, index[label]] = 1
    return y


def _logreg(features: str) -> Callable[[list[str], int], ClauseClassifier]:
    def make(labels: list[str], seed: int) -> ClauseClassifier:
        return ClauseClassifier(labels=labels, seed=seed, features=features)

    return make


CANDIDATES: dict[str, Candidate] = {
    "stems-cues-logreg": Candidate(
        "stems-cues-logreg",
        "folded words, word pairs, word stems and character 4-grams + multilingual cue counts → calibrated "
        "logistic regression per label, on the whole clause and on each of its sentences and items",
        _logreg("stems-cues"),
    ),
    "tfidf-logreg": Candidate(
        "tfidf-logreg",
        "word 1-2 and character 2-5 n-gram TF-IDF → calibrated logistic regression per label, on the whole "
        "clause and on each of its sentences and items",
        _logreg("tfidf"),
    ),
    "spacy-textcat": Candidate(
        "spacy-textcat",
        "spaCy textcat_multilabel trained from pipeline/data/textcat_multilabel.cfg (blank xx, no vectors)",
        lambda labels, seed: SpacyTextcatClassifier(labels=labels, seed=seed),
    ),
}
"""The classifiers compared by ``blamine evaluate``; the default is the one ``make model`` ships."""
DEFAULT_CANDIDATE = "stems-cues-logreg"


def load_examples(
    annotation_dirs: Path | Sequence[Path], shared: Path = SHARED_DIR, adjudicator: str | None = None
) -> list[Example]:
    """The annotations of one or more folders plus the shared development gold (when ``shared`` holds
    it). A clause labelled in two places is an error: which labels to train on would be a guess."""
    dirs = [annotation_dirs] if isinstance(annotation_dirs, Path) else list(annotation_dirs)
    examples = [e for directory in dirs for e in load_annotations(Path(directory), adjudicator)]
    examples += load_shared_gold(shared)
    seen: set[str] = set()
    for example in examples:
        if example.key in seen:
            raise ValueError(f"{example.key} is labelled twice in {', '.join(map(str, dirs))}")
        seen.add(example.key)
    return examples


def evaluate_candidates(
    examples: list[Example],
    names: list[str],
    *,
    folds: int = 0,
    seed: int = 0,
    n_jobs: int = 1,
) -> dict[str, dict[str, Any]]:
    """Each candidate's report on the same agreement folds (0 = leave one agreement out), on all examples
    and on the shared development set alone."""
    labels = list(label_ids())
    families = {label.id: label.group for label in taxonomy_labels()}
    y = label_matrix(examples, labels)
    texts = [e.text for e in examples]
    groups = [e.group for e in examples]
    splits = agreement_folds(groups, folds)
    dev = np.array([e.source == "shared-dev" for e in examples])
    results = {}
    for name in names:
        proba, fold_of = out_of_fold_proba(
            CANDIDATES[name], texts, y, labels, splits, seed=seed, n_jobs=n_jobs
        )
        results[name] = {
            "description": CANDIDATES[name].description,
            "folds": len(splits),
            "all": report(proba, y, fold_of, groups, labels, families),
            "shared_dev": report(proba, y, fold_of, groups, labels, families, dev) if dev.any() else None,
        }
    return results


EVALUATION_FILE = "evaluation.json"
"""Beside a model: the grouped cross-validation figures of :func:`evaluate_candidates`, as JSON."""


def best_figures(results: dict[str, dict[str, Any]]) -> tuple[str, str, dict[str, Any]]:
    """The candidate with the best micro-F1, the scope it was judged on (the shared dev set when it was
    scored, else all clauses) and its figures."""
    scope = "shared_dev" if any(r["shared_dev"] for r in results.values()) else "all"
    best = max(results, key=lambda name: results[name][scope]["micro_f1"])
    return best, scope, results[best][scope]


def save_evaluation(out_dir: Path, results: dict[str, dict[str, Any]]) -> list[Path]:
    """Write ``evaluation.json`` and the best candidate's charts (reliability diagram, per-label F1) into
    ``out_dir``; the same files whether ``blamine evaluate`` or ``blamine train`` made them."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / EVALUATION_FILE
    atomic_write_text(path, json.dumps(results, indent=2) + "\n")
    best, scope, figures = best_figures(results)
    return [path, *write_charts(figures, out_dir, f"{best}, {scope}")]


def data_fingerprint(examples: list[Example]) -> str:
    digest = hashlib.sha256()
    for example in examples:
        digest.update(json.dumps([example.text, sorted(example.labels), example.group]).encode("utf-8"))
    return digest.hexdigest()


TRAINING_SET_FILE = "training_set.json"
"""Beside a model: the keys of the examples it was trained on (:attr:`Example.key`), never their texts."""


def train(
    annotation_dirs: Path | Sequence[Path],
    out_dir: Path,
    *,
    shared: Path = SHARED_DIR,
    folds: int = 5,
    seed: int = 0,
    evaluate: bool = True,
    adjudicator: str | None = None,
    n_jobs: int = 1,
) -> tuple[Path, dict[str, Any]]:
    """Train on all data, evaluate grouped by agreement and save the candidate as ``out_dir/<version>``
    with its manifest, model card and training-set keys. It does not become the default: that is
    :func:`pipeline.registry.promote`'s decision. Returns the version directory and the evaluation.

    ``n_jobs`` processes fit the cross-validation folds at once, and then the final model's labels (one
    logistic regression each); the result does not depend on it."""
    examples = load_examples(annotation_dirs, shared, adjudicator)
    if not examples:
        raise ValueError(f"no training examples found in {annotation_dirs}")
    labels = list(label_ids())
    y = label_matrix(examples, labels)
    fingerprint = data_fingerprint(examples)
    version = f"v2-{fingerprint[:10]}"

    evaluation: dict[str, Any] = {}
    if evaluate:
        texts = [e.text for e in examples]
        splits = agreement_folds([e.group for e in examples], folds)
        proba, fold_of = out_of_fold_proba(
            CANDIDATES[DEFAULT_CANDIDATE], texts, y, labels, splits, seed=seed, n_jobs=n_jobs
        )
        thresholds = tune_thresholds(proba, y, labels)
        groups = [e.group for e in examples]
        families = {label.id: label.group for label in taxonomy_labels()}
        evaluation["grouped_cv_all"] = report(proba, y, fold_of, groups, labels, families)
        dev = np.array([e.source == "shared-dev" for e in examples])
        if dev.any():
            dev_only = report(proba, y, fold_of, groups, labels, families, dev)
            evaluation["grouped_cv_shared_dev_only"] = dev_only
        evaluation["protocol"] = (
            f"GroupKFold({folds}) by agreement; thresholds per fold tuned on the other folds' out-of-fold "
            "probabilities; shipped thresholds tuned on all out-of-fold probabilities"
        )
    else:
        thresholds = {label: 0.5 for label in labels}

    model = CANDIDATES[DEFAULT_CANDIDATE].make(labels, seed)
    model.thresholds, model.version = thresholds, version
    # MultiOutputClassifier fits the labels through joblib. No memory-mapping of the feature matrix:
    # liblinear converts its input in place, which fails on joblib's read-only maps of large arrays.
    with parallel_config(n_jobs=n_jobs, max_nbytes=None):
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
        "candidate": DEFAULT_CANDIDATE,
    }
    version_dir = model.save(out_dir / version, manifest)
    write_model_card(version_dir, {**manifest, "version": version, "features": DEFAULT_CANDIDATE})
    if evaluate:
        result = {
            "description": CANDIDATES[DEFAULT_CANDIDATE].description,
            "folds": len(splits),
            "all": evaluation["grouped_cv_all"],
            "shared_dev": evaluation.get("grouped_cv_shared_dev_only"),
        }
        save_evaluation(version_dir, {DEFAULT_CANDIDATE: result})
    keys = json.dumps([e.key for e in examples], indent=0)
    (version_dir / TRAINING_SET_FILE).write_text(keys + "\n", encoding="utf-8")
    return version_dir, evaluation


MODEL_CARD = "MODEL_CARD.md"


def write_model_card(version_dir: Path, manifest: dict[str, Any]) -> Path:
    """A model card for researchers: intended use, training data, per-label figures and known limits."""
    data = manifest["training_data"]
    sources = ", ".join(f"{name}: {count}" for name, count in data["by_source"].items())
    lines = [
        f"# blamine clause classifier {manifest['version']}",
        "",
        f"Candidate `{manifest['features']}`: {CANDIDATES[DEFAULT_CANDIDATE].description}.",
        "",
        "## Intended use",
        "",
        "Labelling clauses of bilateral labour migration agreements and MOUs with the 29 provision labels of",
        "the blamine taxonomy, to find and compare provisions across agreements. Scores are calibrated",
        "probabilities; every label has its own decision threshold. It is a reading aid with evidence, not a",
        "legal opinion: check the quoted clause before citing it.",
        "",
        "## Training data",
        "",
        f"{data['examples']} clauses from {data['agreements']} agreements ({sources});",
        f"data fingerprint `{data['fingerprint'][:16]}`.",
        "",
    ]
    for scope, figures in manifest["evaluation"].items():
        if not isinstance(figures, dict):
            continue
        lines += [
            f"## Evaluation: {scope}",
            "",
            f"Micro-F1 {figures['micro_f1']:.3f}, macro-F1 {figures['macro_f1']:.3f} on "
            f"{figures['examples']} clauses. {manifest['evaluation'].get('protocol', '')}.",
            "",
            "| label | precision | recall | F1 | support |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {label} | {s['precision']:.2f} | {s['recall']:.2f} | {s['f1']:.2f} | {s['support']} |"
            for label, s in figures["per_label"].items()
            if s["support"]
        ]
        lines.append("")
    lines += [
        "## Known limits",
        "",
        "- Trained on few real agreements (the shared development set) and on clauses we wrote; rare labels",
        "  have few examples and lower recall. `blamine evaluate` gives leave-one-agreement-out figures.",
        "- Languages: English, French, Dutch, German, Spanish and Portuguese (Italian through the cue",
        "  lexicons only); other languages get few or no labels.",
        "- OCR errors in scanned agreements lower recall; the scorecard marks unreadable pages.",
        "- A clause is labelled alone: a provision that depends on a definition elsewhere may be missed.",
        "",
    ]
    path = version_dir / MODEL_CARD
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
