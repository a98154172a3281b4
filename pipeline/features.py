"""Clause text → features that carry across the languages of the agreements, fast enough for archives.

One pass folds the text (lower case, no accents, see :func:`pipeline.cues.fold`) and emits, as tokens:
words, word pairs, word stems (the first 4 and 6 letters, the last 4: "salaire", "salario", "salário" and
"salary" share ``p4:sala``), and optionally character 4-grams, each set TF-IDF weighted over its most
frequent tokens; the multilingual cue lexicon counts (:class:`CueFeatures`) are appended. Word stems and
cues do most of the cross-language work that 2–5 character n-grams did, at a fraction of the cost.
"""

from __future__ import annotations

import re

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from .cues import CueFeatures, fold

MAX_FEATURES = 20_000
"""Tokens kept per set: the model stores one weight per token and label."""
_WORD = re.compile(r"\w\w+")
_FOUR = re.compile(r"(?=(.{4}))")


def word_tokens(text: str) -> list[str]:
    """Words, word pairs and word stems of the folded text."""
    words = _WORD.findall(fold(text))
    tokens = words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    tokens += [f"p4:{w[:4]}" for w in words if len(w) > 4]
    tokens += [f"p6:{w[:6]}" for w in words if len(w) > 6]
    tokens += [f"s4:{w[-4:]}" for w in words if len(w) > 5]
    return tokens


def char_tokens(text: str) -> list[str]:
    """Character 4-grams of the folded text, spaces normalised (they cross word boundaries)."""
    return _FOUR.findall(" " + " ".join(fold(text).split()) + " ")


def build_features(*, char_grams: bool = True) -> FeatureUnion:
    """The untrained feature union: word tokens (+ character 4-grams) TF-IDF and cue counts."""
    parts: list[tuple[str, object]] = [
        ("words", TfidfVectorizer(analyzer=word_tokens, max_features=MAX_FEATURES, sublinear_tf=True))
    ]
    if char_grams:
        chars = TfidfVectorizer(analyzer=char_tokens, max_features=MAX_FEATURES, sublinear_tf=True, min_df=2)
        parts.append(("chars", chars))
    parts.append(("cues", CueFeatures()))
    return FeatureUnion(parts)


TRUSTED_TYPES = [
    "pipeline.features.word_tokens",
    "pipeline.features.char_tokens",
    "pipeline.cues.CueFeatures",
]
"""Our own functions and transformer, named in a saved model; skops must be told they are safe to load."""
