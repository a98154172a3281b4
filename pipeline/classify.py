"""Clause → provision labels with calibrated scores, from a model shipped in ``models/``.

The model is a scikit-learn pipeline (features → one calibrated logistic regression per label) with a
per-label decision threshold. Two feature sets are available: ``"stems-cues"`` (the default, see
:mod:`pipeline.features`: folded words, word stems and character 4-grams plus multilingual cue counts) and
``"tfidf"`` (word 1–2-gram and character 2–5-gram TF-IDF, the first baseline). It is saved with skops (no
pickle: loading a model cannot run code) next to a ``manifest.json`` holding the label order, thresholds,
training summary, metrics and the file's SHA-256, which is checked before loading. Predictions skip the
pipeline's per-label calls: :class:`CalibratedLinearHead` does the same arithmetic for all labels at once.
A clause is also read one sentence or lettered item at a time: a label that one segment scores high
counts at :data:`SEGMENT_WEIGHT` of that segment's score.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import E_MODEL, BlamineError
from .model import Document, LabelScore, ModelInfo
from .obligation import mark_strength
from .segment import classification_units

if TYPE_CHECKING:
    import scipy.sparse as sp
    from sklearn.pipeline import FeatureUnion, Pipeline

# scikit-learn and skops are imported where a model is built, saved or loaded, not here: they take about
# 2 s to import, which every command (search, report, export, …) would otherwise pay at start-up.

FEATURE_SETS = ("stems-cues", "tfidf")
MODEL_FILE = "model.skops"
MANIFEST_FILE = "manifest.json"
DEFAULT_MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
MIN_EXAMPLES = 3
"""Positives and negatives a label needs to be trained (calibration uses 3 folds)."""
REGULARISATION_C = 64.0
"""Inverse regularisation strength of each label's logistic regression. Measured on the agreement-grouped
dev proxy (15 dev agreements held out one at a time, our annotations in 5 grouped folds): dev micro-F1
0.727 at C=8, 0.728 at 16, 0.748 at 64, 0.746 at 128, 0.749 at 512; all-data micro-F1 0.752, 0.753, 0.761,
0.764, 0.764. 64 is where the gain levels off; the differences beyond are within the proxy's noise."""
SEGMENT_WEIGHT = 0.7
"""How much a clause's best sentence or lettered item counts against the clause as a whole (see
:func:`clause_segments`): a label's score is ``max(whole, SEGMENT_WEIGHT × best segment)``. A long clause
that lists several provisions (equal treatment in pay, hours, union membership and housing) dilutes each
one in the whole text's features; read one sentence at a time, each stands out. 0.7 gave the best
all-data micro-F1 on the dev proxy (0.762 against 0.761 for the whole clause alone; 0.6 to 1.0 tried) and
agreement-level F1 0.902 against 0.894. Stored in each model's manifest: models saved before it predict
from the whole clause only."""
MIN_SEGMENT_CHARS = 30
_SEGMENT_BREAK = re.compile(r"(?<=[.;:])\s+(?=[(\"«„A-ZÀ-Ý0-9])|\s+(?=\(?[a-z]{1,3}\)\s)")
"""After a sentence's or list entry's end (``.``, ``;``, ``:``) when a capital, digit, quote or bracket
follows; before a lettered or roman item, ``(a)``, ``b)``, ``iv)``."""
OWN_TRUSTED_TYPES = [
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
]
"""Types outside skops' default trusted set, reviewed: two scikit-learn internals that only hold data (our
own feature functions and transformer are listed in :data:`pipeline.features.TRUSTED_TYPES`)."""


def trusted_types() -> list[str]:
    """Every type outside skops' default set that a blamine model may hold."""
    from .features import TRUSTED_TYPES as FEATURE_TRUSTED_TYPES

    return [*OWN_TRUSTED_TYPES, *FEATURE_TRUSTED_TYPES]


def clause_segments(text: str) -> list[str]:
    """The sentences and lettered items of a clause, when it has at least two of
    :data:`MIN_SEGMENT_CHARS` characters or more; otherwise none (the whole clause says it all)."""
    segments = [part.strip() for part in _SEGMENT_BREAK.split(text)]
    segments = [part for part in segments if len(part) >= MIN_SEGMENT_CHARS]
    return segments if len(segments) >= 2 else []


def model_name(features: str) -> str:
    return f"blamine-{features}-logreg"


def build_pipeline(features: str = "stems-cues", *, seed: int = 0) -> Pipeline:
    """The untrained estimator: features → one calibrated logistic regression per label."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.multioutput import MultiOutputClassifier
    from sklearn.pipeline import Pipeline

    from .features import build_features

    if features not in FEATURE_SETS:
        raise ValueError(f"unknown feature set {features!r}; expected one of {FEATURE_SETS}")
    union = build_features() if features == "stems-cues" else _tfidf_features()
    base = LogisticRegression(
        C=REGULARISATION_C, class_weight="balanced", solver="liblinear", max_iter=3000, random_state=seed
    )
    return Pipeline(
        [
            ("features", union),
            (
                "labels",
                MultiOutputClassifier(CalibratedClassifierCV(base, method="sigmoid", cv=3, ensemble=False)),
            ),
        ]
    )


def _tfidf_features() -> FeatureUnion:
    """Word 1–2-gram and character 2–5-gram TF-IDF (the first baseline)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(
                    ngram_range=(1, 2),
                    sublinear_tf=True,
                    strip_accents="unicode",
                    min_df=1,
                    max_features=10_000,
                ),
            ),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2, max_features=20_000
                ),
            ),
        ]
    )


@dataclass(frozen=True)
class CalibratedLinearHead:
    """Every trained label's calibrated logistic regression, stacked: one sparse × dense product for all.

    The pipeline's own ``predict_proba`` asks each label's ``CalibratedClassifierCV`` in turn, and each
    call re-validates its input (``check_array``, ``type_of_target``, a ``LabelEncoder`` fit): ~1 ms of
    overhead per label and call whatever the number of clauses, ~33 ms for a document's few dozen units
    where the arithmetic takes 0.15 ms. It is redone here once for all labels, exactly as scikit-learn
    does it for one binary label (``_CalibratedClassifier.predict_proba``):
    decision ``d = X @ coef_.T + intercept_`` of the ``LogisticRegression``, then the sigmoid calibrator's
    ``expit(-(a_ * d + b_))``. The results are equal to the bit (``tests/test_classify_speed.py``): a CSR
    product accumulates each row's terms in the same order for one column or many, and the other steps
    scikit-learn takes cannot change a probability (the mean over one calibrated classifier adds it to 0.0
    and divides it by 1; the clip of values in (1, 1 + 1e-5] to 1 never fires on ``expit``'s output).
    """

    coef: np.ndarray
    """(n_features, n_trained_labels), C-ordered so the product reads one contiguous row per feature."""
    intercept: np.ndarray
    slope: np.ndarray
    """The calibrators' ``a_``."""
    offset: np.ndarray
    """The calibrators' ``b_``."""

    @classmethod
    def from_pipeline(cls, pipeline: Pipeline) -> CalibratedLinearHead:
        """Stack the fitted head of a pipeline from :func:`build_pipeline` (label order kept)."""
        calibrated = []
        for label_model in pipeline.named_steps["labels"].estimators_:
            (one,) = label_model.calibrated_classifiers_  # ensemble=False: a single classifier per label
            if one.method != "sigmoid" or len(one.classes) != 2:
                raise ValueError("the stacked head reproduces binary sigmoid-calibrated labels only")
            (calibrator,) = one.calibrators
            calibrated.append((one.estimator, calibrator))
        return cls(
            coef=np.ascontiguousarray(np.column_stack([lr.coef_[0] for lr, _ in calibrated])),
            intercept=np.array([lr.intercept_[0] for lr, _ in calibrated]),
            slope=np.array([cal.a_ for _, cal in calibrated], dtype=np.float64),
            offset=np.array([cal.b_ for _, cal in calibrated], dtype=np.float64),
        )

    def predict_proba(self, features: sp.csr_matrix) -> np.ndarray:
        """Calibrated probability of each stacked label, shape (n_texts, n_trained_labels)."""
        from scipy.special import expit

        decision = features @ self.coef + self.intercept
        return expit(-(self.slope * decision + self.offset))


@dataclass
class ClauseClassifier:
    """Multi-label clause classifier with per-label thresholds (scikit-learn style ``fit``/``predict``)."""

    labels: list[str]
    thresholds: dict[str, float] = field(default_factory=dict)
    version: str = "untrained"
    seed: int = 0
    features: str = "stems-cues"
    segment_weight: float = SEGMENT_WEIGHT
    """Weight of a clause's best segment score (:data:`SEGMENT_WEIGHT`); 0 reads whole clauses only."""
    pipeline_: Pipeline | None = None
    trained_labels_: list[str] = field(default_factory=list)
    manifest_: dict[str, Any] = field(default_factory=dict)
    head_: CalibratedLinearHead | None = field(default=None, compare=False, repr=False)
    """The fitted pipeline's head, stacked for prediction; derived from ``pipeline_`` (never saved) by
    ``fit`` and :func:`load_model`."""
    trained_columns_: np.ndarray = field(
        default_factory=lambda: np.zeros(0, dtype=np.intp), compare=False, repr=False
    )
    """Position in ``labels`` of each of ``trained_labels_``."""

    def fit(self, texts: list[str], y: np.ndarray) -> ClauseClassifier:
        """Fit on clause texts and a (n_texts, n_labels) 0/1 matrix in ``self.labels`` order.

        A label with fewer than :data:`MIN_EXAMPLES` positives (or negatives) cannot be calibrated; it is
        left out of ``trained_labels_`` and always scores 0.
        """
        y = np.asarray(y)
        trainable = (y.sum(axis=0) >= MIN_EXAMPLES) & ((1 - y).sum(axis=0) >= MIN_EXAMPLES)
        self.trained_labels_ = [label for label, ok in zip(self.labels, trainable, strict=True) if ok]
        self.pipeline_ = build_pipeline(self.features, seed=self.seed)
        self.pipeline_.fit(texts, y[:, trainable])
        return self._stack_head()

    def _stack_head(self) -> ClauseClassifier:
        """Derive ``head_`` and ``trained_columns_`` from the fitted ``pipeline_``."""
        self.head_ = CalibratedLinearHead.from_pipeline(self.pipeline_)
        self.trained_columns_ = np.array(
            [self.labels.index(label) for label in self.trained_labels_], dtype=np.intp
        )
        return self

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """Calibrated probability of each label, shape (n_texts, n_labels): the pipeline's features, then
        its head stacked (equal to the pipeline's ``predict_proba``, see :class:`CalibratedLinearHead`);
        raised to ``segment_weight`` times the best score of the clause's segments where that is higher."""
        if self.pipeline_ is None or self.head_ is None:
            raise RuntimeError("classifier is not fitted")
        proba = np.zeros((len(texts), len(self.labels)))
        if not texts:
            return proba
        from .features import transform_union

        union = self.pipeline_.named_steps["features"]
        scores = self.head_.predict_proba(transform_union(union, texts))
        if self.segment_weight:
            owners, segments = [], []
            for row, text in enumerate(texts):
                for segment in clause_segments(text):
                    owners.append(row)
                    segments.append(segment)
            if segments:
                best = np.zeros_like(scores)
                np.maximum.at(best, owners, self.head_.predict_proba(transform_union(union, segments)))
                scores = np.maximum(scores, self.segment_weight * best)
        proba[:, self.trained_columns_] = scores
        return proba

    def predict(self, texts: list[str]) -> list[list[LabelScore]]:
        """For each text, the labels at or above their threshold, highest score first.

        The thresholds are compared for all texts and labels at once: a Python loop over every (text,
        label) pair cost about as much as the whole prediction of a document's clauses.
        """
        proba = self.predict_proba(texts)
        thresholds = np.array([self.thresholds.get(label, 0.5) for label in self.labels])
        rows, columns = np.nonzero(proba >= thresholds)
        results: list[list[LabelScore]] = [[] for _ in texts]
        for row, column, p in zip(
            rows.tolist(), columns.tolist(), proba[rows, columns].tolist(), strict=True
        ):
            results[row].append(LabelScore(self.labels[column], round(p, 4)))
        return [sorted(chosen, key=lambda s: -s.score) for chosen in results]

    def save(self, directory: Path, manifest: dict[str, Any]) -> Path:
        """Write ``model.skops`` and ``manifest.json`` (with the model's SHA-256) into ``directory``."""
        if self.pipeline_ is None:
            raise RuntimeError("classifier is not fitted")
        directory.mkdir(parents=True, exist_ok=True)
        model_path = directory / MODEL_FILE
        import skops.io as sio

        sio.dump(self.pipeline_, model_path, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
        full = {
            "name": model_name(self.features),
            "features": self.features,
            "version": self.version,
            "labels": self.labels,
            "trained_labels": self.trained_labels_,
            "thresholds": self.thresholds,
            "segment_weight": self.segment_weight,
            "model_file": MODEL_FILE,
            "sha256": hashlib.sha256(model_path.read_bytes()).hexdigest(),
            **manifest,
        }
        (directory / MANIFEST_FILE).write_text(
            json.dumps(full, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        return directory


def resolve_model_dir(models_dir: Path | None = None) -> Path:
    """The model version directory to use: ``models/current`` names it (or a version dir given directly)."""
    root = Path(models_dir) if models_dir is not None else DEFAULT_MODELS_DIR
    if (root / MANIFEST_FILE).is_file():
        return root
    pointer = root / "current"
    if not pointer.is_file():
        raise BlamineError(
            root, "no model found (expected models/current naming a version); run `make model`", E_MODEL
        )
    return root / pointer.read_text(encoding="utf-8").strip()


def read_manifest(directory: Path) -> dict[str, Any]:
    """The manifest of the model version in ``directory`` (its version, labels, thresholds, SHA-256)."""
    path = directory / MANIFEST_FILE
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BlamineError(path, f"unreadable model manifest ({exc})", E_MODEL) from None
    if not isinstance(manifest, dict) or "version" not in manifest:
        raise BlamineError(path, "unreadable model manifest (no version)", E_MODEL)
    return manifest


def verify_model_file(directory: Path, manifest: dict[str, Any]) -> Path:
    """The model file of ``directory``, after checking its SHA-256 against ``manifest``; raises
    ``BlamineError`` (``E_MODEL``) when it is missing or altered. Public so that ``blamine doctor`` runs the
    very check loading does."""
    model_path = directory / manifest["model_file"]
    if not model_path.is_file():
        raise BlamineError(model_path, "model file missing", E_MODEL)
    if hashlib.sha256(model_path.read_bytes()).hexdigest() != manifest["sha256"]:
        raise BlamineError(model_path, "SHA-256 does not match the manifest; refusing to load", E_MODEL)
    return model_path


def load_model(models_dir: Path | None = None) -> ClauseClassifier:
    """Load a shipped model after checking its SHA-256 against the manifest."""
    directory = resolve_model_dir(models_dir)
    manifest = read_manifest(directory)
    model_path = verify_model_file(directory, manifest)
    import skops.io as sio

    trusted = trusted_types()
    untrusted = [t for t in sio.get_untrusted_types(file=model_path) if t not in trusted]
    if untrusted:
        raise BlamineError(model_path, f"model holds types outside skops' trusted set: {untrusted}", E_MODEL)
    pipeline = sio.load(model_path, trusted=trusted)
    return ClauseClassifier(
        labels=list(manifest["labels"]),
        thresholds={k: float(v) for k, v in manifest["thresholds"].items()},
        version=manifest["version"],
        features=manifest.get("features", "tfidf"),
        segment_weight=float(manifest.get("segment_weight", 0.0)),
        pipeline_=pipeline,
        trained_labels_=list(manifest["trained_labels"]),
        manifest_=manifest,
    )._stack_head()


def classify(doc: Document, model: ClauseClassifier) -> Document:
    """Label the document's classification units (see :func:`pipeline.segment.classification_units`) and
    read the obligation strength of each labelled one."""
    units = classification_units(doc)
    for clause in doc.clauses:
        clause.labels, clause.strength, clause.strength_cue = [], None, None
    for clause, scores in zip(units, model.predict([c.text for c in units]), strict=True):
        clause.labels = scores
        if scores:
            mark_strength(clause)
    doc.model = ModelInfo(name=model.manifest_.get("name", model_name(model.features)), version=model.version)
    return doc
