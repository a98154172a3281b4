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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .classify import ClauseClassifier
from .crossval import (
    Candidate,
    agreement_folds,
    clause_metrics,
    cross_fitted_predictions,
    out_of_fold_proba,
    report,
    tune_thresholds,
)
from .evaluate import EDITORIAL_LINE
from .taxonomy import label_ids
from .taxonomy import labels as taxonomy_labels
from .textcat import SpacyTextcatClassifier

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


def _logreg(features: str) -> Callable[[list[str], int], ClauseClassifier]:
    def make(labels: list[str], seed: int) -> ClauseClassifier:
        return ClauseClassifier(labels=labels, seed=seed, features=features)

    return make


CANDIDATES: dict[str, Candidate] = {
    "stems-cues-logreg": Candidate(
        "stems-cues-logreg",
        "folded words, word pairs, word stems and character 4-grams + multilingual cue counts → calibrated "
        "logistic regression per label",
        _logreg("stems-cues"),
    ),
    "tfidf-logreg": Candidate(
        "tfidf-logreg",
        "word 1-2 and character 2-5 n-gram TF-IDF → calibrated logistic regression per label",
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


def load_examples(annotations_dir: Path, shared: Path = SHARED_DIR) -> list[Example]:
    """Our annotations plus the shared development gold (when ``shared`` holds it)."""
    return load_annotations(annotations_dir) + load_shared_gold(shared)


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
    examples = load_examples(annotations_dir, shared)
    if not examples:
        raise ValueError(f"no training examples found in {annotations_dir}")
    labels = list(label_ids())
    y = label_matrix(examples, labels)
    fingerprint = data_fingerprint(examples)
    version = f"v2-{fingerprint[:10]}"

    evaluation: dict[str, Any] = {}
    if evaluate:
        texts = [e.text for e in examples]
        splits = agreement_folds([e.group for e in examples], folds)
        proba, fold_of = out_of_fold_proba(CANDIDATES[DEFAULT_CANDIDATE], texts, y, labels, splits, seed=seed)
        thresholds = tune_thresholds(proba, y, labels)
        decisions = cross_fitted_predictions(proba, y, fold_of, labels)
        evaluation["grouped_cv_all"] = clause_metrics(y, decisions, labels)
        dev = np.array([e.source == "shared-dev" for e in examples])
        if dev.any():
            evaluation["grouped_cv_shared_dev_only"] = clause_metrics(y[dev], decisions[dev], labels)
        evaluation["protocol"] = (
            f"GroupKFold({folds}) by agreement; thresholds per fold tuned on the other folds' out-of-fold "
            "probabilities; shipped thresholds tuned on all out-of-fold probabilities"
        )
    else:
        thresholds = {label: 0.5 for label in labels}

    model = CANDIDATES[DEFAULT_CANDIDATE].make(labels, seed)
    model.thresholds, model.version = thresholds, version
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
    write_model_card(version_dir, {**manifest, "version": version, "features": DEFAULT_CANDIDATE})
    (out_dir / "current").write_text(version + "\n", encoding="utf-8")
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
