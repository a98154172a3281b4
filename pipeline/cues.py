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

Each cue compiles to one regex (:func:`cue_pattern`), the definition of a match. A scan does not try them
all: one regex pass over the folded text finds the word starts where some cue may begin (a trie of all the
cues), the word found there picks its candidate cues from dictionaries (a cue of one word, or of a word's
leading letters and ``*``, needs no regex to confirm it), and ``str.find`` locates the few cues with a
leading ``*``. The compiled index lives in a module-level cache, never on :class:`CueFeatures` instances,
so a fitted transformer holds only a list of label ids and stays safe to save with skops.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .taxonomy import label_ids

CUES_RESOURCE = "data/cues.json"
LANGUAGES = ("en", "fr", "nl", "de", "es", "pt", "it")

_PRE_FOLD_MAP = {
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
"""Characters NFKD leaves alone that we still fold: typographic apostrophes, ligatures, stroked letters."""
_PRE_FOLD = re.compile("[" + re.escape("".join(_PRE_FOLD_MAP)) + "]")
# One character per match, not a ``+`` run: Python's re deletes single characters faster than it
# extends runs, and deleting every mark one by one leaves the same string.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def _pre_fold(match: re.Match[str]) -> str:
    return _PRE_FOLD_MAP[match.group()]


def fold(text: str) -> str:
    """Case- and accent-folded text: NFKD, combining marks dropped, casefolded (applied to cues and texts).

    Every text is folded three times per classification (word tokens, character 4-grams, cues), so the
    common cases take shortcuts that give the same string: ASCII text only needs its backquotes
    straightened and ``lower()`` (which equals ``casefold()`` on ASCII); the other pre-fold characters
    are replaced only when a scan finds one (``str.translate`` with a dict costs a Python-level lookup
    per character of non-ASCII text, ~12 µs a clause).
    """
    if text.isascii():
        return text.replace("`", "'").lower()
    if _PRE_FOLD.search(text):
        text = _PRE_FOLD.sub(_pre_fold, text)
        if text.isascii():
            return text.lower()
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


_RANK_STRIDE = 1 << 16
"""Cue ranks: bucket key length × stride + cue index (a label has far fewer than 65,536 cues)."""

_Cue = tuple[int, int, int, "re.Pattern[str] | None"]
"""``(label index, cue index, rank, regex)``. ``regex`` is ``None`` for a cue of one word (``salaire``)
or of one word's leading letters and ``*`` (``salar*``): found by the word at a word start (equal to, or
starting with, those letters), it matches that whole word, so no regex needs to confirm it."""


@dataclass(frozen=True)
class _CueIndex:
    """The compiled cue index, built once per process (never stored on estimator instances).

    Scans run over the folded text with one space prepended, so that every word start, the first
    included, follows a non-word character (a cue regex sees that space as it saw the start of the text).
    """

    anchored: re.Pattern[str]
    """``\\W(?=trie)(\\w*)``: a word start where some whole-word cue may begin (a trie of the cues up to
    their first ``*``), and the word found there. Starting with ``\\W`` rather than a lookbehind lets
    the re engine skip faster over the letters inside words."""
    exact: dict[str, tuple[_Cue, ...]]
    """Cues whose leading letters must be the whole word at a word start (one-word cues, and cues whose
    first word is followed by a space or a non-word character), by those letters."""
    prefix: dict[str, tuple[tuple[str, tuple[_Cue, ...]], ...]]
    """Cues whose leading letters may continue into a longer word (``salar*``, ``pre-departure``,
    ``l'employeur``), grouped by those letters, by their first four letters: a word needs at most one
    lookup per key length, not one per length of leading letters (there are two dozen)."""
    prefix_lengths: tuple[int, ...]
    """The lengths of the keys of ``prefix``, ascending."""
    loose: tuple[tuple[str, tuple[_Cue, ...]], ...]
    """Cues with a leading ``*``, which may start inside a word, grouped by the letters they start with
    (up to their first ``*``, hyphen, apostrophe or space): ``str.find`` locates those letters faster
    than a regex tried at every character, and most texts hold none of them."""
    phrases: tuple[tuple[str, ...], ...]
    """Per label, the cue phrase behind each cue index (identical patterns within a label count once)."""


_WORD_CHARS = re.compile(r"\w*")


def _leading_letters(folded_cue: str) -> str:
    """The literal text a cue starts with: up to its first ``*``, hyphen, apostrophe or space."""
    return re.split(r"[*\-'\s]", folded_cue.lstrip("*"), maxsplit=1)[0]


@functools.cache
def _index() -> _CueIndex:
    """Compile the cues of ``data/cues.json`` into a :class:`_CueIndex`.

    Each cue gets a rank, the order in which a first version of the scan tried a label's cues at a
    position (by the length of :func:`_bucket_key`, then by cue index): the rank breaks ties between
    equally long matches, so that which cue a word counts for, hence the counts, stay as they were.
    """
    anchored = set()
    exact: dict[str, list[_Cue]] = {}
    prefix: dict[str, dict[str, list[_Cue]]] = {}
    loose: dict[str, list[_Cue]] = {}
    phrases_by_label = []
    for li, phrases in enumerate(load_cues().values()):
        patterns: dict[str, str] = {}
        for phrase in phrases:
            patterns.setdefault(cue_pattern(phrase), phrase)
        phrases_by_label.append(tuple(patterns.values()))
        for ci, (pattern, phrase) in enumerate(patterns.items()):
            folded = " ".join(fold(phrase).split())
            key = _bucket_key(folded)
            if not key:
                raise ValueError(f"cue {phrase!r} must start with a letter (after any leading '*')")
            rank = len(key) * _RANK_STRIDE + ci
            if folded.startswith("*"):
                loose.setdefault(_leading_letters(folded), []).append((li, ci, rank, re.compile(pattern)))
                continue
            anchored.add(_filter_atoms(folded))
            letters = _WORD_CHARS.match(folded).group()
            rest = folded[len(letters) :]
            if not rest:
                exact.setdefault(letters, []).append((li, ci, rank, None))
            elif rest[0] in "*-'":
                group = prefix.setdefault(letters[:_BUCKET_CHARS], {}).setdefault(letters, [])
                group.append((li, ci, rank, None if rest == "*" else re.compile(pattern)))
            else:
                exact.setdefault(letters, []).append((li, ci, rank, re.compile(pattern)))
    return _CueIndex(
        anchored=re.compile(r"\W(?=" + _trie_pattern(anchored) + r")(\w*)"),
        exact={k: tuple(v) for k, v in exact.items()},
        prefix={k: tuple((g, tuple(v)) for g, v in groups.items()) for k, groups in prefix.items()},
        prefix_lengths=tuple(sorted({len(k) for k in prefix})),
        loose=tuple((k, tuple(v)) for k, v in loose.items()),
        phrases=tuple(phrases_by_label),
    )


@functools.lru_cache(maxsize=16_384)
def _word_cues(word: str) -> tuple[_Cue, ...]:
    """The whole-word cues that may start where ``word`` starts.

    The same few hundred words start most cue matches, so this is cached per word (not per text: every
    text benefits), bounded to a few megabytes.
    """
    index = _index()
    cues = list(index.exact.get(word, ()))
    for n in index.prefix_lengths:
        if n > len(word):
            break
        for letters, group in index.prefix.get(word[:n], ()):
            if word.startswith(letters):
                cues += group
    return tuple(cues)


def _loose_hits(index: _CueIndex, text: str) -> dict[int, list[_Cue]]:
    """Position → the leading-``*`` cues whose leading letters stand there (usually none)."""
    hits: dict[int, list[_Cue]] = {}
    for letters, cues in index.loose:
        at = text.find(letters)
        while at >= 0:
            hits.setdefault(at, []).extend(cues)
            at = text.find(letters, at + 1)
    return hits


def _keep_longest(text: str, pos: int, word_end: int, cues: list[_Cue], found: set[tuple[int, int]]) -> None:
    """Add to ``found``, per label, the cue with the longest match at ``pos`` (lowest rank on a tie)."""
    best: dict[int, tuple[int, int, int]] = {}
    for li, ci, rank, regex in cues:
        if regex is None:
            end = word_end
        else:
            hit = regex.match(text, pos)
            if hit is None:
                continue
            end = hit.end()
        kept = best.get(li)
        if kept is None or end > kept[0] or (end == kept[0] and rank < kept[1]):
            best[li] = (end, rank, ci)
    for li, (_, _, ci) in best.items():
        found.add((li, ci))


def _scan(folded: str) -> set[tuple[int, int]]:
    """``(label index, cue index)`` of the cues found in already folded text.

    At one position a label counts once, for its longest match, so ``loon``, ``loon*`` and ``*loon`` on the
    same word are one piece of evidence, not three.
    """
    index = _index()
    text = " " + folded
    found: set[tuple[int, int]] = set()
    loose = _loose_hits(index, text)
    for m in index.anchored.finditer(text):
        pos = m.start(1)
        _keep_longest(text, pos, m.end(), [*_word_cues(m.group(1)), *loose.pop(pos, ())], found)
    for pos, cues in loose.items():
        _keep_longest(text, pos, -1, cues, found)
    return found


def _label_order() -> tuple[str, ...]:
    return tuple(label for label, _ in _cue_table())


def matched_cues(text: str) -> dict[str, list[str]]:
    """Label → the distinct cue phrases found in ``text`` (labels without a hit are left out)."""
    phrases = _index().phrases
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
