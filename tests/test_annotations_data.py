"""Checks on the blamine-authored labelled clauses in ``annotations/clauses.jsonl``.

The format is documented in ``annotations/README.md``.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
CLAUSES_PATH = REPO_ROOT / "annotations" / "clauses.jsonl"
LABELS_CSV = REPO_ROOT / "pipeline" / "data" / "labels.csv"
SHARED_DIR = REPO_ROOT.parent / "shared"
CORPUS_TEXTS = SHARED_DIR / "corpus" / "texts"

REQUIRED_FIELDS: dict[str, type] = {
    "id": str,
    "group": str,
    "language": str,
    "text": str,
    "labels": list,
    "kind": str,
    "preamble": bool,
    "in_annex": bool,
}
ALLOWED_KINDS = {
    "title",
    "preamble",
    "heading",
    "article",
    "paragraph",
    "item",
    "annex",
    "signature",
    "other",
}
ALLOWED_LANGUAGES = {"en", "fr", "nl", "de", "es", "pt"}
ID_PATTERN = re.compile(r"^blm-\d{4}$")

MIN_POSITIVES_PER_LABEL = 15
MIN_LANGUAGES_PER_LABEL = 3
MIN_GROUPS_PER_LABEL = 5
MIN_EMPTY_LABEL_EXAMPLES = 80
MIN_LANGUAGE_SHARE = 0.08
OVERLAP_RUN = 12

WORD_RE = re.compile(r"\w+")


def _load_clauses() -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    with CLAUSES_PATH.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            assert line.strip(), f"line {lineno}: blank line"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:  # pragma: no cover - reported as failure
                pytest.fail(f"line {lineno}: invalid JSON: {exc}")
            assert isinstance(record, dict), f"line {lineno}: not a JSON object"
            records.append(record)
    return records


@pytest.fixture(scope="module")
def clauses() -> list[dict[str, Any]]:
    assert CLAUSES_PATH.is_file(), f"missing {CLAUSES_PATH}"
    return _load_clauses()


@pytest.fixture(scope="module")
def clause_label_ids() -> list[str]:
    """The clause-level label ids from pipeline/data/labels.csv (column ``id``)."""
    if not LABELS_CSV.is_file():
        pytest.skip(f"{LABELS_CSV.relative_to(REPO_ROOT)} not present yet; cannot check label ids")
    with LABELS_CSV.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows or "id" not in rows[0]:
        pytest.fail(f"{LABELS_CSV} has no 'id' column")
    if "level" in rows[0]:
        rows = [row for row in rows if row["level"].strip() == "clause"]
    ids = [row["id"].strip() for row in rows if row["id"].strip()]
    assert ids, f"{LABELS_CSV} lists no clause-level ids"
    return ids


def test_fields_and_allowed_values(clauses: list[dict[str, Any]]) -> None:
    assert clauses, "no annotations"
    for rec in clauses:
        where = rec.get("id", "<no id>")
        missing = set(REQUIRED_FIELDS) - set(rec)
        assert not missing, f"{where}: missing fields {sorted(missing)}"
        extra = set(rec) - set(REQUIRED_FIELDS)
        assert not extra, f"{where}: unexpected fields {sorted(extra)}"
        for field, ftype in REQUIRED_FIELDS.items():
            assert isinstance(rec[field], ftype), f"{where}: {field} should be {ftype.__name__}"
        assert ID_PATTERN.match(rec["id"]), f"{where}: id does not match blm-NNNN"
        assert rec["kind"] in ALLOWED_KINDS, f"{where}: kind {rec['kind']!r}"
        assert rec["language"] in ALLOWED_LANGUAGES, f"{where}: language {rec['language']!r}"
        assert rec["text"].strip() == rec["text"] and rec["text"], f"{where}: empty or unstripped text"
        assert rec["group"].startswith(rec["language"] + "-"), f"{where}: group should start with language"
        assert all(isinstance(lab, str) and lab for lab in rec["labels"]), f"{where}: bad label value"
        assert len(set(rec["labels"])) == len(rec["labels"]), f"{where}: duplicate labels"
        if rec["kind"] in {"title", "preamble"}:
            assert rec["preamble"], f"{where}: {rec['kind']} unit should have preamble=true"
        if rec["kind"] == "annex":
            assert rec["in_annex"], f"{where}: annex unit should have in_annex=true"


def test_ids_unique(clauses: list[dict[str, Any]]) -> None:
    counts = Counter(rec["id"] for rec in clauses)
    dupes = sorted(i for i, n in counts.items() if n > 1)
    assert not dupes, f"duplicate ids: {dupes}"


def test_texts_unique(clauses: list[dict[str, Any]]) -> None:
    counts = Counter(rec["text"] for rec in clauses)
    dupes = [t[:60] for t, n in counts.items() if n > 1]
    assert not dupes, f"duplicate texts: {dupes}"


def test_each_group_has_one_language(clauses: list[dict[str, Any]]) -> None:
    langs: dict[str, set[str]] = defaultdict(set)
    for rec in clauses:
        langs[rec["group"]].add(rec["language"])
    mixed = {g: sorted(ls) for g, ls in langs.items() if len(ls) > 1}
    assert not mixed, f"groups with several languages: {mixed}"


def test_group_clauses_are_contiguous(clauses: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    previous: str | None = None
    for rec in clauses:
        group = rec["group"]
        if group != previous:
            assert group not in seen, f"{rec['id']}: group {group} is split into several runs"
            seen.add(group)
            previous = group


def test_language_shares(clauses: list[dict[str, Any]]) -> None:
    counts = Counter(rec["language"] for rec in clauses)
    assert set(counts) == ALLOWED_LANGUAGES, f"languages present: {sorted(counts)}"
    total = len(clauses)
    for lang, n in counts.items():
        assert n / total >= MIN_LANGUAGE_SHARE, f"{lang}: only {n}/{total} examples"


def test_enough_empty_label_examples(clauses: list[dict[str, Any]]) -> None:
    empty = sum(1 for rec in clauses if not rec["labels"])
    assert empty >= MIN_EMPTY_LABEL_EXAMPLES, f"only {empty} examples with no label"


def test_labels_are_known_ids(clauses: list[dict[str, Any]], clause_label_ids: list[str]) -> None:
    known = set(clause_label_ids)
    unknown = sorted({lab for rec in clauses for lab in rec["labels"]} - known)
    assert not unknown, f"labels not in labels.csv: {unknown}"


def test_label_coverage(clauses: list[dict[str, Any]], clause_label_ids: list[str]) -> None:
    positives: Counter[str] = Counter()
    languages: dict[str, set[str]] = defaultdict(set)
    groups: dict[str, set[str]] = defaultdict(set)
    for rec in clauses:
        for lab in rec["labels"]:
            positives[lab] += 1
            languages[lab].add(rec["language"])
            groups[lab].add(rec["group"])
    problems = [
        f"{lab}: {positives[lab]} positives, {len(languages[lab])} languages, {len(groups[lab])} groups"
        for lab in clause_label_ids
        if positives[lab] < MIN_POSITIVES_PER_LABEL
        or len(languages[lab]) < MIN_LANGUAGES_PER_LABEL
        or len(groups[lab]) < MIN_GROUPS_PER_LABEL
    ]
    assert not problems, "under-covered labels:\n" + "\n".join(problems)


def _words(text: str) -> list[str]:
    return WORD_RE.findall(text.lower())


def test_no_long_runs_shared_with_real_texts(clauses: list[dict[str, Any]]) -> None:
    if not CORPUS_TEXTS.is_dir():
        pytest.skip(f"{CORPUS_TEXTS} not present; cannot check overlap with the real texts")
    sources = sorted(CORPUS_TEXTS.glob("*.txt"))
    if not sources:
        pytest.skip(f"no *.txt files in {CORPUS_TEXTS}")
    runs: set[tuple[str, ...]] = set()
    for path in sources:
        words = _words(path.read_text(encoding="utf-8"))
        runs.update(tuple(words[i : i + OVERLAP_RUN]) for i in range(len(words) - OVERLAP_RUN + 1))
    hits: list[str] = []
    for rec in clauses:
        words = _words(rec["text"])
        for i in range(len(words) - OVERLAP_RUN + 1):
            run = tuple(words[i : i + OVERLAP_RUN])
            if run in runs:
                hits.append(f"{rec['id']}: {' '.join(run)}")
                break
    assert not hits, f"{OVERLAP_RUN}-word runs shared with real texts:\n" + "\n".join(hits)
