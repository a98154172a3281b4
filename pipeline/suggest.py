"""Active learning: the stored clauses whose labels would teach the classifier most, for annotators.

An annotator's hour is best spent on clauses the model cannot decide, not on the ones it already gets
right. :func:`suggest` scores every clause the classifier labels by how close its probabilities sit to the
per-label decision thresholds, weighs that closeness up for labels with few training examples (where one
more example moves the model most), and then picks greedily so that the list is not fifty copies of the
same boilerplate or fifty clauses of one agreement.

The result exports through :func:`pipeline.annotations.write_tasks` like any clause list::

    picks = suggest(iter_documents(store), load_model(), n=50)
    write_tasks(path, [s.clause for s in picks], "labelstudio",
                predictions=suggestion_predictions(picks), model_version=model.version)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

from .annotations import ClauseKey, ClauseRef
from .classify import ClauseClassifier
from .model import Clause, Document, LabelScore
from .segment import classification_units

MIN_CHARS = 30
"""Clauses shorter than this (stripped) are too short to judge: "1. Definitions." teaches nothing."""
SKIPPED_KINDS = frozenset({"title", "heading", "signature"})
"""Clause kinds never suggested. :func:`classification_units` already leaves them out; the check stays so
that a change there cannot send annotators titles and signature blocks."""
SIMILARITY_CAP = 0.8
"""A candidate whose cosine similarity to an already picked clause exceeds this is skipped: it is the same
boilerplate, and its label would teach nothing the first one does not."""
SIMILARITY_PENALTY = 0.5
"""Below the cap, a candidate's score is multiplied by ``1 - SIMILARITY_PENALTY * similarity`` (its highest
similarity to a pick), so that near-variants of picked clauses yield to different ones of similar score."""
POOL_FACTOR = 20
"""Only the ``POOL_FACTOR * n`` most uncertain clauses enter the greedy selection (widened when the caps
leave too few), which keeps it cheap on a store of 100,000 clauses."""
UNCERTAIN_AT = 0.5
"""A label counts as uncertain for a clause (and is listed in its :class:`Suggestion`) from this closeness to
its threshold on; the label that decided the score is always listed."""
MAX_LISTED = 5
"""At most this many uncertain labels are listed per suggestion."""
BATCH = 5000
"""Clauses per ``predict_proba`` call, to bound the memory of the feature matrix on large stores."""


@dataclass(frozen=True)
class Suggestion:
    """A clause worth annotating and why.

    ``score`` is its rarity-weighted uncertainty (see :func:`uncertainty_scores`, 0–1); ``uncertain`` the
    labels whose probability is near their threshold, with that probability, most decisive first;
    ``predicted`` the labels the model gives it (at or above threshold), the pre-selection for the
    annotation tool; ``reason`` one line for the annotator.
    """

    clause: ClauseRef
    score: float
    uncertain: tuple[LabelScore, ...]
    reason: str
    predicted: tuple[LabelScore, ...] = ()

    @property
    def key(self) -> ClauseKey:
        return self.clause.key


# --- scoring ----------------------------------------------------------------------------------------------


def closeness(proba: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """How close each probability is to its label's threshold: 1 at the threshold, 0 at 0 or 1.

    ``proba`` is (n_clauses, n_labels), ``thresholds`` (n_labels,). The distance is measured relative to
    the side the probability is on: ``(t - p) / t`` below the threshold, ``(p - t) / (1 - t)`` above. With
    the symmetric ``|p - t| / max(t, 1 - t)`` a label with threshold 0.15 would give every clause the
    model scores 0.0 a closeness of 0.82, flooding the list with clauses the model is sure about.
    """
    p = np.asarray(proba, dtype=float)
    t = np.asarray(thresholds, dtype=float)[np.newaxis, :]
    below = (t - p) / np.maximum(t, 1e-9)
    above = (p - t) / np.maximum(1.0 - t, 1e-9)
    return np.clip(1.0 - np.where(p < t, below, above), 0.0, 1.0)


def rarity_weights(counts: Sequence[float] | np.ndarray) -> np.ndarray:
    """Per-label weights ``1 / sqrt(count + 1)``, scaled so the rarest label weighs 1.

    The inverse square root lifts rare labels without letting a label with 3 examples drown out
    everything else (as ``1 / count`` would); the ``+ 1`` keeps a label nobody has seen finite."""
    weights = 1.0 / np.sqrt(np.asarray(counts, dtype=float) + 1.0)
    return weights / weights.max() if weights.size else weights


def uncertainty_scores(proba: np.ndarray, thresholds: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Each clause's score: the **maximum** over labels of ``weight × closeness`` (0–1).

    The maximum rather than a weighted sum, because one label the annotator settles near its threshold is
    already a full training example for that label, whereas a sum rewards long, generic clauses that sit
    moderately near many thresholds at once and would crowd out the clause that decides a rare label. The
    maximum also names the label that made the clause interesting, which the reason line reports.
    """
    weighted = closeness(proba, thresholds) * np.asarray(weights, dtype=float)[np.newaxis, :]
    return weighted.max(axis=1) if weighted.size else np.zeros(len(proba))


def label_counts(model: ClauseClassifier, proba: np.ndarray) -> tuple[np.ndarray, str]:
    """How common each of ``model.labels`` is, and where that was read: the training positives from the
    model manifest when it has them (``"training positives"``), else how many of the clauses in ``proba``
    the model predicts the label for (``"predicted in the store"``)."""
    positives = model.manifest_.get("training_data", {}).get("positives_per_label")
    if isinstance(positives, dict) and positives:
        return np.array([float(positives.get(label, 0)) for label in model.labels]), "training positives"
    thresholds = _thresholds(model)
    predicted = (np.asarray(proba) >= thresholds[np.newaxis, :]).sum(axis=0) if len(proba) else None
    counts = predicted if predicted is not None else np.zeros(len(model.labels))
    return np.asarray(counts, dtype=float), "predicted in the store"


# --- selection --------------------------------------------------------------------------------------------


def text_vectors(texts: Sequence[str]) -> sp.csr_matrix:
    """L2-normalised hashed character 4-gram counts: a cheap vector whose dot product is the cosine
    similarity of two clauses, good at catching repeated boilerplate with small edits (numbering, names)."""
    vectorizer = HashingVectorizer(
        analyzer="char_wb", ngram_range=(4, 4), n_features=2**20, alternate_sign=False, norm="l2"
    )
    return vectorizer.transform(list(texts)).tocsr()


def _greedy(
    scores: np.ndarray, vectors: sp.csr_matrix, docs: np.ndarray, n: int, per_document: int
) -> list[int]:
    """Indices of up to ``n`` rows, picked one at a time by penalised score.

    Rows are assumed sorted by (−score, doc_id, clause_id), so ``argmax`` (first maximum) breaks ties in
    that order. After each pick only the remaining rows are compared with the new pick (one sparse
    product), so the cost is ``n`` × pool size, never pool size squared.
    """
    alive = np.ones(len(scores), dtype=bool)
    nearest = np.zeros(len(scores))
    per_doc: Counter[int] = Counter()
    picked: list[int] = []
    while len(picked) < n and alive.any():
        adjusted = np.where(alive, scores * (1.0 - SIMILARITY_PENALTY * nearest), -np.inf)
        i = int(np.argmax(adjusted))
        picked.append(i)
        alive[i] = False
        per_doc[int(docs[i])] += 1
        if per_doc[int(docs[i])] >= per_document:
            alive &= docs != docs[i]
        similarity = np.asarray((vectors @ vectors[i].T).todense()).ravel()
        nearest = np.maximum(nearest, similarity)
        alive &= nearest <= SIMILARITY_CAP
    return picked


def suggest(
    documents: Iterable[Document],
    model: ClauseClassifier,
    n: int = 50,
    *,
    exclude: Collection[ClauseKey] = (),
    per_document: int | None = None,
) -> list[Suggestion]:
    """The ``n`` clauses of ``documents`` whose annotation should teach ``model`` most, best first.

    Candidates are the classifier's units (:func:`classification_units`: no titles, headings, signatures
    or second-language versions of bilingual texts), at least :data:`MIN_CHARS` long, and not in
    ``exclude`` (``(doc_id, clause_id)`` keys already annotated). Each is scored by
    :func:`uncertainty_scores` with :func:`rarity_weights` of :func:`label_counts`; the
    ``POOL_FACTOR * n`` best enter a greedy selection that skips clauses more than
    :data:`SIMILARITY_CAP` similar to a pick, penalises less similar ones, and takes at most
    ``per_document`` clauses (default ``max(2, n // 10)``) of one agreement. Fewer than ``n`` come back
    when the caps leave no more candidates.

    The result depends only on the clauses and the model, not on the order of ``documents``: ties are
    broken by ``doc_id`` then clause id. The selection draws no
    random numbers.
    """
    if n <= 0:
        return []
    cap = per_document if per_document is not None else max(2, n // 10)
    excluded = set(exclude)
    units: list[tuple[str, Clause]] = [
        (doc.doc_id, clause)
        for doc in documents
        for clause in classification_units(doc)
        if clause.kind not in SKIPPED_KINDS
        and len(clause.text.strip()) >= MIN_CHARS
        and (doc.doc_id, clause.id) not in excluded
    ]
    if not units:
        return []
    units.sort(key=lambda unit: (unit[0], unit[1].id))
    proba = _predict(model, [clause.text for _, clause in units])
    thresholds = _thresholds(model)
    counts, counted = label_counts(model, proba)
    trained = np.array([label in model.trained_labels_ for label in model.labels])
    weights = np.where(trained, rarity_weights(counts), 0.0)
    scores = uncertainty_scores(proba, thresholds, weights)
    # A stable sort of units already in (doc_id, clause_id) order: highest score first, ties in that order.
    order = np.argsort(-scores, kind="stable")
    doc_codes = np.unique([doc_id for doc_id, _ in units], return_inverse=True)[1]
    # The most the per-document cap allows; only a shortfall below it (near-duplicates) widens the pool.
    reachable = min(n, int(np.minimum(np.bincount(doc_codes), cap).sum()))
    pool_size = POOL_FACTOR * n
    while True:
        pool = order[:pool_size]
        vectors = text_vectors([units[i][1].text for i in pool])
        chosen = [int(pool[i]) for i in _greedy(scores[pool], vectors, doc_codes[pool], n, cap)]
        if len(chosen) >= reachable or pool_size >= len(order):
            break
        pool_size *= 4
    return [
        _suggestion(units[i], proba[i], scores[i], model, thresholds, weights, counts, counted)
        for i in chosen
    ]


def suggestion_predictions(suggestions: Iterable[Suggestion]) -> dict[ClauseKey, list[LabelScore]]:
    """The model's labels of the suggested clauses, as ``predictions`` for
    :func:`pipeline.annotations.write_tasks` (fresh from the model, not the possibly older stored ones)."""
    return {s.key: list(s.predicted) for s in suggestions}


# --- helpers ----------------------------------------------------------------------------------------------


def _thresholds(model: ClauseClassifier) -> np.ndarray:
    return np.array([model.thresholds.get(label, 0.5) for label in model.labels], dtype=float)


def _predict(model: ClauseClassifier, texts: list[str]) -> np.ndarray:
    """``model.predict_proba`` once per distinct text (boilerplate repeats across agreements), in batches."""
    distinct = list(dict.fromkeys(texts))
    row = {text: i for i, text in enumerate(distinct)}
    parts = [model.predict_proba(distinct[i : i + BATCH]) for i in range(0, len(distinct), BATCH)]
    return np.vstack(parts)[[row[text] for text in texts]]


def _suggestion(
    unit: tuple[str, Clause],
    proba: np.ndarray,
    score: float,
    model: ClauseClassifier,
    thresholds: np.ndarray,
    weights: np.ndarray,
    counts: np.ndarray,
    counted: str,
) -> Suggestion:
    """The :class:`Suggestion` for one picked clause: its uncertain and predicted labels and reason."""
    doc_id, clause = unit
    near = closeness(proba[np.newaxis, :], thresholds)[0]
    weighted = near * weights
    ranked = sorted(range(len(model.labels)), key=lambda j: (-weighted[j], j))
    listed = [j for j in ranked if weights[j] > 0 and near[j] >= UNCERTAIN_AT][:MAX_LISTED] or ranked[:1]
    top = ranked[0]
    reason = (
        f"{model.labels[top]} at p={proba[top]:.2f}, threshold {thresholds[top]:.2f}"
        f" ({int(counts[top])} {counted})"
    )
    if len(listed) > 1:
        reason += f"; also uncertain: {', '.join(model.labels[j] for j in listed if j != top)}"
    predicted = sorted(
        (
            LabelScore(label, round(float(p), 4))
            for label, p, t in zip(model.labels, proba, thresholds, strict=True)
            if p >= t
        ),
        key=lambda s: -s.score,
    )
    return Suggestion(
        clause=ClauseRef(
            doc_id, clause.id, clause.text, clause.char_start, clause.char_end, clause.page_start
        ),
        score=round(float(score), 4),
        uncertain=tuple(LabelScore(model.labels[j], round(float(proba[j]), 4)) for j in listed),
        reason=reason,
        predicted=tuple(predicted),
    )
