"""Multilingual cue lexicons: hand-written phrases that carry label evidence across languages.

``data/cues.json`` lists, for each of the 29 provision labels and for each language (en, fr, nl, de, es, pt,
it), short cue phrases written from the annotation guide (not fitted to any corpus). Matching is case- and
accent-insensitive: cue and text are both folded (NFKD, combining marks dropped, casefold). Cue syntax, also
described in the JSON file itself:

* a cue matches whole words (it starts at a word start and ends at a word end);
* ``*`` stands for any run of letters, possibly empty: trailing = any word ending (``salar*``), leading = any
  word beginning, for compounds (``*lohn`` → ``Mindestlohn``), inside a word = a spelling variant;
* a space between words matches any run of whitespace, line breaks included;
* a hyphen inside a word is optional and may be whitespace (``pre-departure`` → ``pre departure``);
* an apostrophe is optional and may be surrounded by spaces (typographic apostrophes are folded to ``'``).

Each label gets one compiled alternation with one named group per cue, so a single ``finditer`` pass counts
the distinct cues of that label found in a text. The compiled regexes live in a module-level cache, never on
:class:`CueFeatures` instances, so a fitted transformer holds only a list of label ids and stays safe to save
with skops.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Iterable
from importlib import resources

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .taxonomy import label_ids

CUES_RESOURCE = "data/cues.json"
LANGUAGES = ("en", "fr", "nl", "de", "es", "pt", "it")

_PRE_FOLD = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        "`": "'",
        "\u00b4": "'",
        "œ": "oe",
        "Œ": "OE",
        "æ": "ae",
        "Æ": "AE",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
    }
)
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")


def fold(text: str) -> str:
    """Case- and accent-folded text: NFKD, combining marks dropped, casefolded (applied to cues and texts)."""
    text = text.translate(_PRE_FOLD)
    if text.isascii():
        return text.casefold()
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text).casefold())


@functools.cache
def _cue_table() -> tuple[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], ...]:
    """``(label, ((language, cues), …))`` in taxonomy order, read once from ``data/cues.json`` and checked."""
    data = json.loads(resources.files("pipeline").joinpath(CUES_RESOURCE).read_text(encoding="utf-8"))
    cues = data["cues"]
    expected = label_ids()
    if set(cues) != set(expected):
        raise ValueError(f"cues.json labels differ from labels.csv: {sorted(set(cues) ^ set(expected))}")
    table = []
    for label in expected:
        per_language = []
        for language, phrases in cues[label].items():
            if language not in LANGUAGES:
                raise ValueError(f"cues.json: unknown language {language!r} under {label}")
            if not all(isinstance(p, str) and p.strip().strip("*") for p in phrases):
                raise ValueError(f"cues.json: empty or non-text cue under {label}/{language}")
            per_language.append((language, tuple(phrases)))
        table.append((label, tuple(per_language)))
    return tuple(table)


def load_cues_by_language() -> dict[str, dict[str, list[str]]]:
    """Label → language → cue phrases, as written in ``data/cues.json`` (a fresh copy on each call)."""
    return {label: {lang: list(phrases) for lang, phrases in langs} for label, langs in _cue_table()}


def load_cues() -> dict[str, list[str]]:
    """Label → all its cue phrases across languages, in taxonomy order (a fresh copy of a cached table)."""
    return {label: [p for _, phrases in langs for p in phrases] for label, langs in _cue_table()}


_SPACE, _HYPHEN, _APOSTROPHE, _END = r"\s+", r"[\s\-]*", r"\s*'?\s*", r"(?!\w)"
"""Regex atoms for a space between words, a hyphen, an apostrophe and the end of a cue."""


def cue_pattern(cue: str) -> str:
    """The regular expression (over folded text) that one cue phrase compiles to; see the module docstring."""
    words = fold(cue).split()
    if not words:
        raise ValueError(f"empty cue {cue!r}")
    parts = []
    for word in words:
        chunk = []
        for ch in word:
            if ch == "*":
                chunk.append(r"\w*")
            else:
                chunk.append(_HYPHEN if ch == "-" else _APOSTROPHE if ch == "'" else re.escape(ch))
        parts.append("".join(chunk))
    body = _SPACE.join(parts)
    # A leading * needs no left context at all: matching the rest anywhere is the same test, and cheaper
    # than letting \w* backtrack from every position.
    body = body.removeprefix(r"\w*") if words[0].startswith("*") else r"(?<!\w)" + body
    if not words[-1].endswith("*"):
        body += _END
    return body


_BUCKET_CHARS = 4


def _filter_atoms(folded_cue: str) -> tuple[str, ...]:
    """The cue as regex atoms up to its first ``*`` (the whole cue, end of word included, if it has none)."""
    atoms = []
    for word_index, word in enumerate(folded_cue.lstrip("*").split()):
        if word_index:
            atoms.append(_SPACE)
        for ch in word:
            if ch == "*":
                return tuple(atoms)
            atoms.append(_HYPHEN if ch == "-" else _APOSTROPHE if ch == "'" else re.escape(ch))
    return (*atoms, _END)


def _bucket_key(folded_cue: str) -> str:
    """The cue's leading letters (before any space, hyphen, apostrophe or ``*``), at most four."""
    key = []
    for ch in folded_cue.lstrip("*"):
        if ch.isspace() or ch in "*-'" or len(key) == _BUCKET_CHARS:
            break
        key.append(ch)
    return "".join(key)


def _trie_pattern(sequences: Iterable[tuple[str, ...]]) -> str:
    """A regex matching any of the atom ``sequences``, factored as a trie (one cheap pass over the text)."""
    root: dict = {}
    for sequence in sorted(set(sequences), key=len):
        node = root
        for atom in sequence:
            if None in node:
                break  # a shorter sequence already covers this one
            node = node.setdefault(atom, {})
        else:
            node.clear()
            node[None] = True

    def emit(node: dict) -> str:
        if None in node:
            return ""
        alternatives = [atom + emit(child) for atom, child in sorted(node.items())]
        return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"

    return emit(root)


@functools.cache
def _index() -> tuple[
    re.Pattern[str], dict[str, list[tuple[int, int, re.Pattern[str]]]], tuple[tuple[str, ...], ...]
]:
    """The compiled cue index, built once per process (never stored on estimator instances).

    * a filter regex that finds, in one pass over folded text, every position where some cue may start
      (a trie of the cues up to their first ``*``, at a word start unless the cue begins with ``*``);
    * buckets: a cue's first (up to four) letters → ``(label index, cue index, cue regex)``, to confirm the
      candidates at those positions;
    * per label, the cue phrase behind each cue index (identical patterns within a label count once).
    """
    anchored, loose = set(), set()
    buckets: dict[str, list[tuple[int, int, re.Pattern[str]]]] = {}
    phrases_by_label = []
    for li, phrases in enumerate(load_cues().values()):
        patterns: dict[str, str] = {}
        for phrase in phrases:
            patterns.setdefault(cue_pattern(phrase), phrase)
        phrases_by_label.append(tuple(patterns.values()))
        for ci, (pattern, phrase) in enumerate(patterns.items()):
            folded = " ".join(fold(phrase).split())
            (loose if folded.startswith("*") else anchored).add(_filter_atoms(folded))
            buckets.setdefault(_bucket_key(folded), []).append((li, ci, re.compile(pattern)))
    branches = []
    if anchored:
        branches.append(r"(?<!\w)(?=" + _trie_pattern(anchored) + ")")
    if loose:
        branches.append("(?=" + _trie_pattern(loose) + ")")
    return re.compile("|".join(branches)), buckets, tuple(phrases_by_label)


def _scan(folded: str) -> set[tuple[int, int]]:
    """``(label index, cue index)`` of the cues found in already folded text.

    At one position a label counts once, for its longest match, so ``loon``, ``loon*`` and ``*loon`` on the
    same word are one piece of evidence, not three.
    """
    finder, buckets, _ = _index()
    found = set()
    for m in finder.finditer(folded):
        pos = m.start()
        best: dict[int, tuple[int, int]] = {}
        for k in range(1, _BUCKET_CHARS + 1):
            for li, ci, regex in buckets.get(folded[pos : pos + k], ()):
                hit = regex.match(folded, pos)
                if hit and (li not in best or hit.end() > best[li][0]):
                    best[li] = (hit.end(), ci)
        found.update((li, ci) for li, (_, ci) in best.items())
    return found


def _label_order() -> tuple[str, ...]:
    return tuple(label for label, _ in _cue_table())


def matched_cues(text: str) -> dict[str, list[str]]:
    """Label → the distinct cue phrases found in ``text`` (labels without a hit are left out)."""
    _, _, phrases = _index()
    labels = _label_order()
    found: dict[str, list[str]] = {}
    for li, ci in sorted(_scan(fold(text or ""))):
        found.setdefault(labels[li], []).append(phrases[li][ci])
    return found


def cue_hits(text: str) -> dict[str, int]:
    """Label → number of distinct cues found in ``text`` (labels without a hit are left out)."""
    return {label: len(cues) for label, cues in matched_cues(text).items()}


class CueFeatures(TransformerMixin, BaseEstimator):
    """Texts → sparse (n, 29) matrix: per label, ``log1p`` of the number of distinct cues matched.

    Stateless: ``fit`` only records the label order in ``labels_``. It holds no compiled regexes (they are
    cached at module level), so ``skops.io.get_untrusted_types`` reports just ``pipeline.cues.CueFeatures``.
    """

    def fit(self, X: Iterable[str], y=None) -> CueFeatures:
        self.labels_ = list(load_cues())
        return self

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        check_is_fitted(self, "labels_")
        labels = _label_order()
        position = {label: j for j, label in enumerate(self.labels_)}
        missing = sorted(set(self.labels_) - set(labels))
        if missing:
            raise ValueError(f"no cues for labels {missing} (cues.json changed since fitting?)")
        column = [position.get(label, -1) for label in labels]
        rows, cols, vals = [], [], []
        n = 0
        for i, text in enumerate(X):
            n = i + 1
            counts: dict[int, int] = {}
            for li, _ in _scan(fold(text if isinstance(text, str) else "" if text is None else str(text))):
                if column[li] >= 0:
                    counts[column[li]] = counts.get(column[li], 0) + 1
            for j, k in counts.items():
                rows.append(i)
                cols.append(j)
                vals.append(k)
        data = np.log1p(np.asarray(vals, dtype=np.float64))
        return sp.csr_matrix((data, (rows, cols)), shape=(n, len(self.labels_)), dtype=np.float64)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "labels_")
        return np.asarray([f"cue_{label}" for label in self.labels_], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.requires_fit = True
        return tags
