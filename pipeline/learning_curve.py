"""How much the classifier gains from more annotations, and whether suggested clauses teach more than
random ones: the learning curve behind ``blamine evaluate-learning-curve``.

Every figure is measured on the held-out agreements (the shared development set), each scored by a model
that never saw it: trained on the other held-out agreements plus a share of the annotations. Shares are
drawn by agreement, not by clause, as annotators label whole agreements. The active-learning comparison
starts from a base share, lets :func:`pipeline.suggest.suggest` pick clauses from the annotations left out
(their labels play the annotators' answers), and compares with the same number picked at random.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .classify import ClauseClassifier
from .crossval import out_of_fold_proba, report, tune_thresholds
from .model import Clause, Document, Source
from .suggest import suggest
from .taxonomy import label_ids
from .taxonomy import labels as taxonomy_labels
from .train import CANDIDATES, DEFAULT_CANDIDATE, Example, label_matrix


def held_out_scores(
    training: Sequence[Example], held_out: Sequence[Example], *, seed: int = 0, n_jobs: int = 1
) -> dict[str, float]:
    """Micro/macro F1 and agreement-level micro-F1 on ``held_out``, each of its agreements scored by a model
    trained on ``training`` plus the other held-out agreements (thresholds cross-fitted on those folds)."""
    examples = list(training) + list(held_out)
    labels = list(label_ids())
    y = label_matrix(examples, labels)
    groups = np.array([e.group for e in examples])
    first = len(training)
    splits = [
        (np.flatnonzero(groups != group), np.flatnonzero(groups == group))
        for group in sorted(set(groups[first:]))
    ]
    proba, fold_of = out_of_fold_proba(
        CANDIDATES[DEFAULT_CANDIDATE], [e.text for e in examples], y, labels, splits, seed=seed, n_jobs=n_jobs
    )
    families = {label.id: label.group for label in taxonomy_labels()}
    figures = report(proba[first:], y[first:], fold_of[first:], list(groups[first:]), labels, families)
    return {
        "micro_f1": figures["micro_f1"],
        "macro_f1": figures["macro_f1"],
        "agreement_micro_f1": figures["agreement_level"]["micro_f1"],
        "training_clauses": len(training),
    }


def agreement_share(
    examples: Sequence[Example], fraction: float, seed: int
) -> tuple[list[Example], list[Example]]:
    """The examples of a random ``fraction`` of the agreements, and the rest."""
    groups = sorted({e.group for e in examples})
    order = np.random.default_rng(seed).permutation(len(groups))
    chosen = {groups[i] for i in order[: math.ceil(fraction * len(groups))]}
    return [e for e in examples if e.group in chosen], [e for e in examples if e.group not in chosen]


def as_documents(examples: Sequence[Example]) -> list[Document]:
    """Examples as stored documents, one per agreement and one paragraph per clause, for :func:`suggest`."""
    documents: dict[str, Document] = {}
    for example in examples:
        doc = documents.setdefault(
            example.group, Document(example.group, Source(example.group, example.group, "", 0, 0))
        )
        start = len(doc.text)
        doc.text += example.text + "\n"
        doc.clauses.append(
            Clause(example.key, "paragraph", example.text, start, start + len(example.text), 1, 1)
        )
    return list(documents.values())


def fit_for_suggestions(examples: Sequence[Example], seed: int) -> ClauseClassifier:
    """A model as ``blamine train`` makes one (thresholds tuned out of fold, positives per label in its
    manifest), on ``examples`` alone: the model an annotator would ask for suggestions."""
    labels = list(label_ids())
    y = label_matrix(list(examples), labels)
    texts = [e.text for e in examples]
    groups = np.array([e.group for e in examples])
    names = sorted(set(groups))
    splits = [
        (np.flatnonzero(~np.isin(groups, part)), np.flatnonzero(np.isin(groups, part)))
        for part in np.array_split(names, 3)
    ]
    proba, _ = out_of_fold_proba(CANDIDATES[DEFAULT_CANDIDATE], texts, y, labels, splits, seed=seed)
    model = CANDIDATES[DEFAULT_CANDIDATE].make(labels, seed)
    model.thresholds = tune_thresholds(proba, y, labels)
    model.fit(texts, y)
    model.manifest_ = {
        "training_data": {
            "positives_per_label": {label: int(y[:, j].sum()) for j, label in enumerate(labels)}
        }
    }
    return model


def learning_curve(
    annotations: Sequence[Example],
    held_out: Sequence[Example],
    *,
    fractions: Sequence[float] = (0.25, 0.5, 1.0),
    base: float = 0.5,
    added: int = 50,
    random_draws: int = 3,
    seed: int = 0,
    n_jobs: int = 1,
) -> dict[str, Any]:
    """Held-out figures for each share of the annotations, and for the ``base`` share plus ``added``
    suggested clauses versus plus ``added`` random ones (``random_draws`` draws, each reported)."""
    rows: dict[str, Any] = {}
    for fraction in fractions:
        share, _ = agreement_share(annotations, fraction, seed)
        rows[f"{fraction:.0%} of annotations"] = held_out_scores(share, held_out, seed=seed, n_jobs=n_jobs)
    start, pool = agreement_share(annotations, base, seed)
    model = fit_for_suggestions(start, seed)
    picked = {s.clause.clause_id for s in suggest(as_documents(pool), model, added)}
    suggested = [e for e in pool if e.key in picked]
    rows[f"{base:.0%} + {len(suggested)} suggested"] = held_out_scores(
        start + suggested, held_out, seed=seed, n_jobs=n_jobs
    )
    for draw in range(random_draws):
        rng = np.random.default_rng(seed + 1 + draw)
        chosen = rng.choice(len(pool), size=min(added, len(pool)), replace=False)
        extra = [pool[i] for i in sorted(chosen)]
        rows[f"{base:.0%} + {len(extra)} random (draw {draw + 1})"] = held_out_scores(
            start + extra, held_out, seed=seed, n_jobs=n_jobs
        )
    return rows
