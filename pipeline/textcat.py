"""A spaCy ``textcat_multilabel`` clause classifier, as a cross-validation candidate.

It is built from a normal spaCy training config (:data:`DEFAULT_CONFIG`) so the architecture and
hyperparameters live in one reviewable file, and it is trained with a short deterministic loop instead of
``spacy train``: ``spacy train`` wants corpora on disk and a dev set, while a cross-validation fold only has
texts and a label matrix, and its decision thresholds are tuned across folds by :mod:`pipeline.crossval`.
Everything runs offline: a blank multilingual (``xx``) pipeline, no pretrained vectors.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from spacy.language import Language

COMPONENT = "textcat_multilabel"
DEFAULT_CONFIG = Path(__file__).resolve().parent / "data" / "textcat_multilabel.cfg"


@dataclass
class SpacyTextcatClassifier:
    """Multi-label clause classifier from a spaCy config (scikit-learn style ``fit``, ``predict_proba``).

    ``seed`` overrides the config's ``[training] seed`` so that every candidate in a comparison is seeded
    alike. A label without positives in the training texts is not given to spaCy (it would only learn to
    say 0 while taking a share of the output layer) and scores 0, as in
    :class:`pipeline.classify.ClauseClassifier`.
    """

    labels: list[str]
    seed: int = 0
    config_path: Path = DEFAULT_CONFIG
    nlp_: Language | None = None
    trained_labels_: list[str] = field(default_factory=list)

    def fit(self, texts: list[str], y: np.ndarray) -> SpacyTextcatClassifier:
        """Train on clause texts and a (n_texts, n_labels) 0/1 matrix in ``self.labels`` order."""
        import spacy  # here, not at module level: importing pipeline.train should not pay for spaCy
        from spacy.training import Example

        y = np.asarray(y)
        config = spacy.util.load_config(self.config_path)
        training = config["training"]
        spacy.util.fix_random_seed(self.seed)
        nlp = spacy.util.load_model_from_config(config, auto_fill=True)
        textcat = nlp.get_pipe(COMPONENT)
        trained = [j for j in range(len(self.labels)) if y[:, j].any()]
        self.trained_labels_ = [self.labels[j] for j in trained]
        for label in self.trained_labels_:
            textcat.add_label(label)
        examples = [
            Example.from_dict(nlp.make_doc(text), {"cats": {self.labels[j]: float(row[j]) for j in trained}})
            for text, row in zip(texts, y, strict=True)
        ]
        self.nlp_ = nlp
        if not self.trained_labels_:
            return self
        resolved = spacy.util.registry.resolve(
            {"optimizer": training["optimizer"], "size": training["batcher"]["size"]}
        )
        optimizer = nlp.initialize(lambda: examples, sgd=resolved["optimizer"])
        size = resolved["size"]
        shuffler = random.Random(self.seed)
        order = list(examples)
        for _ in range(int(training["max_epochs"])):
            shuffler.shuffle(order)
            for batch in spacy.util.minibatch(order, size=size):
                nlp.update(batch, drop=float(training["dropout"]), sgd=optimizer)
        return self

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """The component's score for each label, shape (n_texts, n_labels); 0 for untrained labels."""
        if self.nlp_ is None:
            raise RuntimeError("classifier is not fitted")
        proba = np.zeros((len(texts), len(self.labels)))
        if not texts or not self.trained_labels_:
            return proba
        columns = [self.labels.index(label) for label in self.trained_labels_]
        for row, doc in enumerate(self.nlp_.pipe(texts)):
            proba[row, columns] = [doc.cats[label] for label in self.trained_labels_]
        return proba
