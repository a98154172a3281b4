"""Fast paths of the analyzers and the cue scan (pipeline/features.py, pipeline/cues.py).

``fold``, ``word_tokens``, ``char_tokens`` and the cue scan take shortcuts for speed, and a shipped model
relies on them returning exactly what their plain definitions return; each is checked here against that
definition (the first, slower version) on tricky strings, random strings and our annotated clauses.
Every sentence below is written for these tests.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from pipeline import cues
from pipeline.cues import _BUCKET_CHARS, _bucket_key, _index, _scan, _word_cues, cue_pattern, fold, load_cues
from pipeline.features import (
    CharGramTfidfVectorizer,
    LookupTfidfVectorizer,
    _words,
    char_tokens,
    word_tokens,
)

ROOT = Path(__file__).resolve().parents[1]

TRICKY = [
    "",
    " ",
    "   \n\t  ",
    "a",
    "ab",
    "abc",
    "abcd",
    "\x00",
    "a\x00b\x00",
    "tab\tsep\rcr\nnl\u2028ls\x1c\x1fend\x0b\x0c",
    "\u00a0nbsp\u00a0",
    "Straße ẞ İstanbul ı",
    "ﬁnancial ﬂights œuvre Œuvre æ Æ ø Ø ł Ł đ Đ",
    "l’employeur l'employeur l`employeur l´employeur l ' employeur l‘x lʼx l′x lemployeur",
    "pre-departure pre departure predeparture pre--departure pre - departure pre-\ndeparture",
    "co-operation cooperation co operation",
    "Ελληνικά κείμενο σύμβαση, Русский текст договора, 中文劳动合同 工资, العمل عقد",
    "Der gesetzliche Mindestlohn, der Lohn, die Lohnkosten und lohn-",
    "salaire salaires salarié salariée SALÁRIO salário salario Salaries",
    "e\u0301te\u0301 cafe\u0301 n\u0303 a\u20d7",
    "ＦＵＬＬＷＩＤＴＨ ｔｅｘｔ ①②③ ½ ™ Ⅻ K Å Ω",
    "Feedback on coffee was welcome; the fee, the fees, _fee, fee_, 2fee and fee2.",
    "the weekly\n   rest of the worker",
    "(salary) [wages] «salaire» „Lohn“ salary.",
    "The employer's expense; the employers' organisations; medical examinations",
    "Het loon wordt betaald; het minimumloon ook.",
    "Les travailleurs n’ont pas droit à l’indemnité de maison.",
    "x" * 3000,
    "The employer shall pay the wage. " * 50,
]

_CHARS = (
    "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 _-'`´’‘ʼ.,;:()\n\t\x00\x1c\u2028\u00a0"
    "éèêëàâäîïôöùûüçñãõøœæłđßİıÉÀÇÑØŒÆŁ\u0301\u0308\u20d7ﬁﬂＡｂ①½αβγкир中文😀\ud800"
)


def _random_texts(count: int, seed: int) -> list[str]:
    """Random strings over letters, separators and the characters the fast paths treat specially, with
    cue words mixed in so that cues are found."""
    rng = random.Random(seed)
    words = [p.replace("*", "") for phrases in load_cues().values() for p in phrases]
    texts = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(0, 30)):
            if rng.random() < 0.3:
                parts.append(rng.choice(words))
            else:
                parts.append("".join(rng.choice(_CHARS) for _ in range(rng.randint(0, 8))))
        texts.append(rng.choice(["", " ", "\n", "-", "'"]).join(parts))
    return texts


def _annotated(count: int) -> list[str]:
    lines = (ROOT / "annotations" / "clauses.jsonl").read_text(encoding="utf-8").splitlines()
    texts = [json.loads(line)["text"] for line in lines if line.strip()]
    return random.Random(0).sample(texts, min(count, len(texts)))


# --- the plain definitions (the first versions) ----------------------------------------------------

_REFERENCE_PRE_FOLD = str.maketrans(
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
_REFERENCE_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")


def reference_fold(text: str) -> str:
    text = text.translate(_REFERENCE_PRE_FOLD)
    if text.isascii():
        return text.casefold()
    return _REFERENCE_COMBINING.sub("", unicodedata.normalize("NFKD", text).casefold())


def reference_word_tokens(text: str) -> list[str]:
    words = re.findall(r"\w\w+", reference_fold(text))
    tokens = words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    tokens += [f"p4:{w[:4]}" for w in words if len(w) > 4]
    tokens += [f"p6:{w[:6]}" for w in words if len(w) > 6]
    tokens += [f"s4:{w[-4:]}" for w in words if len(w) > 5]
    return tokens


def reference_char_tokens(text: str) -> list[str]:
    return re.findall(r"(?=(.{4}))", " " + " ".join(reference_fold(text).split()) + " ")


def _all_cues() -> list[tuple[int, int, int, re.Pattern[str]]]:
    """Every cue as ``(label index, cue index, tie rank, regex)``, numbered as the index numbers them.

    On equally long matches of one label at one position, the first scan kept the cue it tried first:
    shorter leading-letters key (at most four letters) first, then the earlier cue.
    """
    out = []
    for li, phrases in enumerate(load_cues().values()):
        patterns: dict[str, str] = {}
        for phrase in phrases:
            patterns.setdefault(cue_pattern(phrase), phrase)
        for ci, (pattern, phrase) in enumerate(patterns.items()):
            key = _bucket_key(" ".join(fold(phrase).split()))
            assert 0 < len(key) <= _BUCKET_CHARS
            out.append((li, ci, len(key) * 1000 + ci, re.compile("(?=(" + pattern + "))")))
    return out


def reference_scan(folded: str) -> set[tuple[int, int]]:
    """Every cue regex tried at every position; per position and label, the longest match counts."""
    best: dict[tuple[int, int], tuple[int, int, int]] = {}
    for li, ci, rank, regex in _ALL_CUES:
        for m in regex.finditer(folded):
            key, end = (m.start(), li), m.end(1)
            kept = best.get(key)
            if kept is None or end > kept[0] or (end == kept[0] and rank < kept[1]):
                best[key] = (end, rank, ci)
    return {(li, ci) for (_, li), (_, _, ci) in best.items()}


_ALL_CUES = _all_cues()


# --- fold and the analyzers ------------------------------------------------------------------------


@pytest.mark.parametrize("text", TRICKY)
def test_fold_and_analyzers_match_their_definitions_on_tricky_text(text):
    assert fold(text) == reference_fold(text)
    assert word_tokens(text) == reference_word_tokens(text)
    assert char_tokens(text) == reference_char_tokens(text)


def test_fold_and_analyzers_match_their_definitions_on_random_text():
    for text in _random_texts(1500, seed=1):
        assert fold(text) == reference_fold(text), repr(text)
        assert word_tokens(text) == reference_word_tokens(text), repr(text)
        assert char_tokens(text) == reference_char_tokens(text), repr(text)


def test_fold_and_analyzers_match_their_definitions_on_annotated_clauses():
    for text in _annotated(400):
        assert fold(text) == reference_fold(text)
        assert word_tokens(text) == reference_word_tokens(text)
        assert char_tokens(text) == reference_char_tokens(text)


@pytest.mark.parametrize(
    ("ours", "analyzer", "min_df"),
    [
        (LookupTfidfVectorizer, word_tokens, 1),
        (LookupTfidfVectorizer, char_tokens, 2),
        (CharGramTfidfVectorizer, char_tokens, 1),
    ],
)
def test_our_vectorizers_transform_exactly_like_scikit_learn(ours, analyzer, min_df):
    """Non-ASCII, NUL-holding and empty texts are mixed among the ASCII ones, in and out of the fit."""
    texts = _annotated(400) + TRICKY + _random_texts(100, seed=5)
    fitted = [
        cls(analyzer=analyzer, max_features=3000, sublinear_tf=True, min_df=min_df).fit(texts[:300])
        for cls in (TfidfVectorizer, ours)
    ]
    unseen = texts[300:] + ["", "qqqq zzzz", "é"] + [text + " (7)" for text in texts[:50]]
    theirs, ours = (vectorizer.transform(unseen) for vectorizer in fitted)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    assert ours.has_sorted_indices
    assert np.array_equal(ours.indptr, theirs.indptr)
    assert np.array_equal(ours.indices, theirs.indices)
    assert np.array_equal(ours.data, theirs.data)


def test_char_gram_vectorizer_fitted_by_fit_or_fit_transform_gives_the_same_matrix():
    texts = _annotated(200) + TRICKY
    by_fit = CharGramTfidfVectorizer(analyzer=char_tokens).fit(texts)
    by_fit_transform = CharGramTfidfVectorizer(analyzer=char_tokens)
    by_fit_transform.fit_transform(texts)
    assert (by_fit.transform(texts) != by_fit_transform.transform(texts)).nnz == 0


@pytest.mark.parametrize("cls", [LookupTfidfVectorizer, CharGramTfidfVectorizer])
def test_vectorizer_saved_with_skops_keeps_its_vocabulary_as_one_array_and_transforms_alike(tmp_path, cls):
    """The vocabulary travels as one term array (one ``.npy`` entry, not a node per term: loading the
    shipped model took 1.5 s longer with the dict); a NUL-holding vocabulary keeps the dict."""
    import zipfile

    import skops.io as sio

    from pipeline.classify import trusted_types

    texts = [text for text in _annotated(200) + TRICKY if "\x00" not in text]
    for vocabulary_texts, as_array in ((texts, True), ([*texts, "wage\x00s are paid"], False)):
        fitted = cls(analyzer=char_tokens).fit(vocabulary_texts)
        path = tmp_path / f"{cls.__name__}-{as_array}.skops"
        sio.dump(fitted, path)
        assert ("vocabulary_terms_" in zipfile.ZipFile(path).read("schema.json").decode()) is as_array
        loaded = sio.load(path, trusted=trusted_types())
        assert loaded.vocabulary_ == fitted.vocabulary_ and hasattr(fitted, "vocabulary_")
        assert (loaded.transform(texts) != fitted.transform(texts)).nnz == 0


def test_vectorizer_state_saved_with_the_vocabulary_dict_still_loads():
    """Model files written before the term array hold ``vocabulary_`` itself."""
    fitted = LookupTfidfVectorizer(analyzer=word_tokens).fit(_annotated(50))
    older_state = {**fitted.__dict__}
    restored = LookupTfidfVectorizer.__new__(LookupTfidfVectorizer)
    restored.__setstate__(older_state)
    assert restored.vocabulary_ == fitted.vocabulary_


def test_char_gram_vectorizer_refuses_another_analyzer():
    with pytest.raises(ValueError, match="char_tokens"):
        CharGramTfidfVectorizer(analyzer=word_tokens).fit(["wages are paid monthly"])


def test_lookup_vectorizer_refuses_binary_counts():
    vectorizer = LookupTfidfVectorizer(analyzer=word_tokens, binary=True).fit(["wages are paid monthly"])
    with pytest.raises(ValueError, match="binary"):
        vectorizer.transform(["wages"])


@pytest.mark.parametrize(
    "folded",
    [
        "",
        "a",
        "a b",
        "_a __init__ a_b",
        "x2 2x 22 2",
        "it's a co-op, (ok)",
        "tab\there\x1cand\x1fthere",
        "é ça",
    ],
)
def test_word_runs_fast_path_matches_the_regex(folded):
    assert _words(folded) == re.findall(r"\w\w+", folded)


def test_char_tokens_keep_nul_and_lone_surrogates():
    assert char_tokens("ab\x00") == [" ab\x00", "ab\x00 "]
    assert char_tokens("a\ud800b") == reference_char_tokens("a\ud800b")
    assert char_tokens("ab") == [" ab "]
    assert char_tokens("a") == char_tokens("") == []


# --- the cue scan ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", TRICKY)
def test_cue_scan_matches_every_cue_regex_tried_everywhere_on_tricky_text(text):
    folded = fold(text)
    assert _scan(folded) == reference_scan(folded)


def test_cue_scan_matches_every_cue_regex_tried_everywhere_on_random_text():
    for text in _random_texts(120, seed=2):
        folded = fold(text)
        assert _scan(folded) == reference_scan(folded), repr(text)


def test_cue_scan_matches_every_cue_regex_tried_everywhere_on_annotated_clauses():
    for text in _annotated(80):
        folded = fold(text)
        assert _scan(folded) == reference_scan(folded)


@pytest.mark.parametrize(
    ("text", "label", "expected"),
    [
        ("salaire", "wage_protection", True),  # one-word cue: a dictionary lookup
        ("salaires", "wage_protection", True),  # salaire*: leading letters and *
        ("predeparture", "information_orientation", True),  # pre-departure: hyphen optional
        ("pre-\ndeparture", "information_orientation", True),
        ("fee", "recruitment_fees_costs", True),
        ("coffee", "recruitment_fees_costs", False),  # not at a word start
        ("_fee", "recruitment_fees_costs", False),  # "_" is a word character
        ("fee2", "recruitment_fees_costs", False),  # nor at a word end
        ("mindestlohn", "wage_protection", True),  # *lohn: inside a word
    ],
)
def test_cue_lookups_respect_word_boundaries(text, label, expected):
    assert (label in cues.cue_hits(text)) is expected


def test_one_word_and_trailing_star_cues_need_no_regex():
    labels = list(load_cues())

    def regexes(word: str, label: str) -> list[object]:
        return [regex for li, _, _, regex in _word_cues(word) if li == labels.index(label)]

    assert regexes("salaire", "wage_protection")
    assert all(regex is None for regex in regexes("salaire", "wage_protection"))
    assert regexes("salaires", "wage_protection")
    assert any(regex is not None for regex in regexes("predeparture", "information_orientation"))
    assert _word_cues.cache_info().maxsize is not None  # bounded


def test_a_cue_that_cannot_start_at_a_letter_is_refused(monkeypatch):
    monkeypatch.setattr(cues, "load_cues", lambda: {"wage_protection": ["-wage"]})
    _index.cache_clear()
    try:
        with pytest.raises(ValueError, match="must start with a letter"):
            _index()
    finally:
        monkeypatch.undo()
        _index.cache_clear()
        _word_cues.cache_clear()
    assert cues.cue_hits("salaire") == {"wage_protection": 1}
