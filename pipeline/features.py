"""Clause text → features that carry across the languages of the agreements, fast enough for archives.

One pass folds the text (lower case, no accents, see :func:`pipeline.cues.fold`) and emits, as tokens:
words, word pairs, word stems (the first 4 and 6 letters, the last 4: "salaire", "salario", "salário" and
"salary" share ``p4:sala``), and optionally character 4-grams, each set TF-IDF weighted over its most
frequent tokens; the multilingual cue lexicon counts (:class:`CueFeatures`) are appended. Word stems and
cues do most of the cross-language work that 2–5 character n-grams did, at a fraction of the cost.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l1, inplace_csr_row_normalize_l2
from sklearn.utils.validation import check_is_fitted

from .cues import CueFeatures, fold

MAX_FEATURES = 20_000
"""Tokens kept per set: the model stores one weight per token and label."""
_WORD = re.compile(r"\w\w+")
_ASCII_WORD_CHARS = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_NON_WORD_TO_SPACE = bytes(c if c in _ASCII_WORD_CHARS else ord(" ") for c in range(256))
"""Byte table: ASCII word characters (``\\w`` on ASCII text) kept, anything else made a space."""


def _words(folded: str) -> list[str]:
    """``\\w\\w+`` runs of the folded text, in order.

    Folded text is nearly always ASCII, where blanking every non-word byte with ``bytes.translate`` and
    splitting is half the time of the regex; other text goes through the regex.
    """
    if not folded.isascii():
        return _WORD.findall(folded)
    runs = folded.encode("ascii").translate(_NON_WORD_TO_SPACE).decode("ascii").split()
    return [run for run in runs if len(run) > 1]


def word_tokens(text: str) -> list[str]:
    """Words, word pairs and word stems of the folded text.

    Written for speed (the analyzers run on every clause classified): pairs are joined by ``map`` in C
    rather than formatted one by one in Python.
    """
    words = _words(fold(text))
    tokens = words + list(map(" ".join, zip(words, words[1:], strict=False)))
    tokens += ["p4:" + w[:4] for w in words if len(w) > 4]
    tokens += ["p6:" + w[:6] for w in words if len(w) > 6]
    tokens += ["s4:" + w[-4:] for w in words if len(w) > 5]
    return tokens


def _spaced(text: str) -> str:
    """The folded text with spaces normalised and one space at each end, as :func:`char_tokens` cuts it."""
    return " " + " ".join(fold(text).split()) + " "


def char_tokens(text: str) -> list[str]:
    """Character 4-grams of the folded text, spaces normalised (they cross word boundaries).

    One 4-gram per character is the analyzers' largest output, so it is cut in C rather than by the
    zero-width regex ``(?=(.{4}))`` of the first version (the normalised text holds no line break, so
    its ``.`` never skipped one). ASCII text, nearly all folded text, is viewed through NumPy as
    overlapping 4-character strings of its UTF-32 code units and listed at once; other text, and text
    holding a NUL (NumPy strips NULs from a string's end), joins the text zipped with itself shifted by
    one, two and three characters, about 40% slower.
    """
    spaced = _spaced(text)
    count = len(spaced) - 3
    if count > 0 and spaced.isascii() and "\x00" not in spaced:
        code_units = spaced.encode("utf-32-le")
        return np.ndarray(shape=(count,), dtype="<U4", buffer=code_units, strides=(4,)).tolist()
    return list(map("".join, zip(spaced, spaced[1:], spaced[2:], spaced[3:], strict=False)))


class LookupTfidfVectorizer(TfidfVectorizer):
    """scikit-learn's ``TfidfVectorizer`` whose ``transform`` counts the tokens in C.

    Fitting is scikit-learn's own. ``transform`` is what classifies every clause of an archive, and
    scikit-learn's counts each token of each document in a Python loop (``_count_vocab``: about half the
    classification time, ~900 tokens per clause). Here all the documents' tokens are looked up in the
    vocabulary at once by ``map`` (unknown tokens become -1 and are dropped) and counted by SciPy's sparse
    constructor, which sums repeated (document, token) pairs. The result equals scikit-learn's to the bit
    (``tests/test_features.py`` checks it). ``binary`` counts are not supported: our vectorisers use
    term frequencies.
    """

    def fit(self, raw_documents: Iterable[str], y: object = None) -> LookupTfidfVectorizer:
        super().fit(raw_documents, y)
        self._compact()
        return self

    def fit_transform(self, raw_documents: Iterable[str], y: object = None) -> sp.csr_matrix:
        matrix = super().fit_transform(raw_documents, y)
        self._compact()
        return matrix

    def _compact(self) -> None:
        """Keep the fitted state small to save and quick to load: vocabulary columns as Python ints (a
        NumPy int each becomes its own array in a skops file: 40,000 arrays made loading the model take
        ~7 s), and no ``stop_words_``, the terms ``max_features`` cut, which only serve introspection
        (scikit-learn's documentation says it may be deleted)."""
        self.vocabulary_ = {term: int(column) for term, column in self.vocabulary_.items()}
        if hasattr(self, "stop_words_"):
            del self.stop_words_

    def __getstate__(self) -> dict[str, object]:
        """The fitted state with the vocabulary as one array of terms in column order.

        skops writes a dict as one node per key and value: the two 20,000-term vocabularies made an 80,000
        node, 34 MB schema that took ~1.8 s to audit and load. One string array is one ``.npy`` entry. A term
        holding a NUL (NumPy drops a string's trailing NULs) keeps the dict."""
        state = dict(super().__getstate__())  # on Python 3.11 that is the live __dict__: never edit it
        vocabulary = state.get("vocabulary_")
        if isinstance(vocabulary, dict) and not any("\x00" in term for term in vocabulary):
            del state["vocabulary_"]
            state["vocabulary_terms_"] = np.array(sorted(vocabulary, key=vocabulary.__getitem__), dtype=str)
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        """Rebuild the vocabulary dict (column = position) from :meth:`__getstate__`'s term array; a state
        saved with the dict (older model files) loads as it is."""
        state = dict(state)
        terms = state.pop("vocabulary_terms_", None)
        if isinstance(terms, np.ndarray):
            state["vocabulary_"] = {term: column for column, term in enumerate(terms.tolist())}
        super().__setstate__(state)

    def transform(self, raw_documents: Iterable[str]) -> sp.csr_matrix:
        check_is_fitted(self, msg="The TF-IDF vectorizer is not fitted")
        if self.binary:
            raise ValueError(f"{type(self).__name__} counts term frequencies; binary=True is not supported")
        documents = list(raw_documents)
        rows, columns = self._token_columns(documents)
        counts = sp.csr_matrix(
            (np.ones(len(rows), dtype=self.dtype), (rows, columns)),
            shape=(len(documents), len(self.vocabulary_)),
            dtype=self.dtype,
        )
        counts.sum_duplicates()
        return self._weigh(counts)

    def _weigh(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        """The TF-IDF weighting of ``TfidfTransformer.transform``, in place, without its input checks.

        Those checks (``validate_data`` here and again in ``normalize``) cost ~0.6 ms a call, more than the
        arithmetic on a document's clauses; the counts built above are a valid float CSR matrix already.
        The steps are scikit-learn's, on the fitted transformer's settings and its own row normaliser.
        """
        tfidf = self._tfidf
        if tfidf.sublinear_tf:
            np.log(counts.data, out=counts.data)
            counts.data += 1.0
        if hasattr(tfidf, "idf_"):
            counts.data *= tfidf.idf_[counts.indices]
        if tfidf.norm == "l2":
            inplace_csr_row_normalize_l2(counts)
        elif tfidf.norm == "l1":
            inplace_csr_row_normalize_l1(counts)
        return counts

    def _token_columns(self, documents: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(document row, vocabulary column) of every known token occurrence."""
        analyze = self.build_analyzer()
        token_lists = [analyze(document) for document in documents]
        tokens = list(itertools.chain.from_iterable(token_lists))
        columns = np.fromiter(
            map(self.vocabulary_.get, tokens, itertools.repeat(-1)), dtype=np.int64, count=len(tokens)
        )
        rows = np.repeat(np.arange(len(token_lists)), [len(t) for t in token_lists])
        known = columns >= 0
        return rows[known], columns[known]


class CharGramTfidfVectorizer(LookupTfidfVectorizer):
    """TF-IDF over the character 4-grams of :func:`char_tokens` that reads ASCII 4-grams as integers.

    Character 4-grams are the most numerous tokens (one per character), and making each a Python string
    and hashing it was the largest cost left in classification. Folded text is nearly always ASCII, where a
    4-gram is exactly four bytes, i.e. one 32-bit integer: the whole batch is cut into integers by NumPy
    and looked up by binary search in the sorted integers of the vocabulary's ASCII 4-grams
    (``ascii_gram_keys_``, fitted with the vocabulary). Documents that are not ASCII after folding, or
    that hold a NUL, take the string path. Same matrix as scikit-learn's (``tests/test_features.py``).
    """

    def _compact(self) -> None:
        super()._compact()
        self._index_ascii_grams()

    def _index_ascii_grams(self) -> None:
        if self.analyzer is not char_tokens:
            raise ValueError("CharGramTfidfVectorizer needs analyzer=char_tokens")
        grams = [(gram, column) for gram, column in self.vocabulary_.items() if gram.isascii()]
        keys = np.array([int.from_bytes(gram.encode("ascii"), "big") for gram, _ in grams], dtype=np.uint32)
        columns = np.array([column for _, column in grams], dtype=np.int64)
        order = np.argsort(keys)
        self.ascii_gram_keys_, self.ascii_gram_columns_ = keys[order], columns[order]

    def _token_columns(self, documents: list[str]) -> tuple[np.ndarray, np.ndarray]:
        spaced = [_spaced(document) for document in documents]
        fast = np.array([text.isascii() and "\x00" not in text for text in spaced], dtype=bool)
        rows, columns = self._ascii_columns([text for text, ok in zip(spaced, fast, strict=True) if ok])
        rows = np.flatnonzero(fast)[rows]
        if fast.all():
            return rows, columns
        others = np.flatnonzero(~fast)
        other_rows, other_columns = super()._token_columns([documents[i] for i in others])
        return np.concatenate([rows, others[other_rows]]), np.concatenate([columns, other_columns])

    def _ascii_columns(self, spaced: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of the known 4-grams of ASCII texts, all texts cut and looked up at once."""
        data = np.frombuffer("".join(spaced).encode("ascii"), dtype=np.uint8).astype(np.uint32)
        lengths = np.fromiter(map(len, spaced), dtype=np.int64, count=len(spaced))
        owner = np.repeat(np.arange(len(spaced)), lengths)
        grams = (data[:-3] << 24) | (data[1:-2] << 16) | (data[2:-1] << 8) | data[3:]
        inside = owner[:-3] == owner[3:]  # a 4-gram may not straddle two texts
        grams, rows = grams[inside], owner[:-3][inside]
        keys = self.ascii_gram_keys_
        found = np.minimum(np.searchsorted(keys, grams), max(len(keys) - 1, 0))
        known = keys[found] == grams if len(keys) else np.zeros(len(grams), dtype=bool)
        return rows[known], self.ascii_gram_columns_[found[known]]


def transform_union(union: FeatureUnion, texts: list[str]) -> sp.csr_matrix:
    """``union.transform(texts)`` without joblib: each transformer in turn, stacked as scikit-learn does.

    ``FeatureUnion.transform`` hands its transformers to joblib, which costs ~0.5 ms a call even when it
    runs them one after another (``n_jobs=None``), an eighth of the features of a document's clauses. The
    unions of :func:`build_features` and the TF-IDF baseline have neither weights nor dropped transformers
    and their parts are sparse, so the result is scikit-learn's ``sparse.hstack(parts).tocsr()``.
    """
    return sp.hstack([transformer.transform(texts) for _, transformer in union.transformer_list]).tocsr()


def build_features(*, char_grams: bool = True) -> FeatureUnion:
    """The untrained feature union: word tokens (+ character 4-grams) TF-IDF and cue counts."""
    parts: list[tuple[str, object]] = [
        ("words", LookupTfidfVectorizer(analyzer=word_tokens, max_features=MAX_FEATURES, sublinear_tf=True))
    ]
    if char_grams:
        chars = CharGramTfidfVectorizer(
            analyzer=char_tokens, max_features=MAX_FEATURES, sublinear_tf=True, min_df=2
        )
        parts.append(("chars", chars))
    parts.append(("cues", CueFeatures()))
    return FeatureUnion(parts)


TRUSTED_TYPES = [
    "pipeline.features.LookupTfidfVectorizer",
    "pipeline.features.CharGramTfidfVectorizer",
    "pipeline.features.word_tokens",
    "pipeline.features.char_tokens",
    "pipeline.cues.CueFeatures",
]
"""Our own functions and transformer, named in a saved model; skops must be told they are safe to load."""
