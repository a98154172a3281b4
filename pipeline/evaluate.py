"""Quality figures: extracted text against reference texts, and segmentation against gold annotations.

``extraction_quality``: word-sequence similarity (after NFKC, lower-casing and dropping punctuation) of each
PDF's extracted text with the text it was typeset from; editorial ``[[...]]`` lines are excluded.

``segmentation_quality``: paragraph-level boundary precision/recall/F1 against gold unit spans (both texts
aligned word by word), and article-number recall, per PDF layout.

``metadata_accuracy``: share of metadata fields (countries, year, type, language, origin, destination) that
match an index of known metadata, per field and overall.

``article_recall``: of the article numbers the gold marks (articles, their paragraphs, annex articles), the
share that came out as article clauses of the ingested document, matched by number and by being inside an
annex or not. Gold documents are matched to stored ones by file stem (``X.txt`` ↔ ``X.<layout>.pdf``).
"""

from __future__ import annotations

import bisect
import difflib
import json
import re
import statistics
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .model import Document

GOLD_ARTICLE_KINDS = ("article_body", "paragraph", "annex")


def _normalise_article(number: str) -> str:
    return number.replace(" ", "").lower()


@dataclass
class ArticleRecall:
    rows: list[dict[str, object]] = field(default_factory=list)
    found: int = 0
    total: int = 0

    @property
    def share(self) -> float:
        return self.found / self.total if self.total else 0.0


def gold_articles(gold_path: Path) -> dict[str, set[tuple[str, bool]]]:
    """Gold article numbers per document stem."""
    articles: dict[str, set[tuple[str, bool]]] = {}
    for line in gold_path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        stem = row["doc"].removesuffix(".txt")
        articles.setdefault(stem, set())
        if row["article"] and row["kind"] in GOLD_ARTICLE_KINDS:
            articles[stem].add((_normalise_article(row["article"]), bool(row["in_annex"])))
    return articles


def article_recall(docs: Iterable[Document], gold_path: Path) -> ArticleRecall:
    """Per matched document: clause count, gold articles found / total; and the overall share."""
    gold = gold_articles(gold_path)
    report = ArticleRecall()
    for doc in sorted(docs, key=lambda d: d.source.filename):
        stem = doc.source.filename.split(".")[0]
        if stem not in gold:
            continue
        ours = {(_normalise_article(c.article or ""), c.in_annex) for c in doc.clauses if c.kind == "article"}
        found = len(gold[stem] & ours)
        report.found += found
        report.total += len(gold[stem])
        report.rows.append(
            {
                "document": doc.source.filename,
                "clauses": len(doc.clauses),
                "gold_articles": len(gold[stem]),
                "found": found,
                "missing": sorted(f"{a}{' (annex)' if annex else ''}" for a, annex in gold[stem] - ours),
            }
        )
    return report


EDITORIAL_LINE = re.compile(r"(?m)^\[\[.*\]\]$")


def words(text: str) -> list[str]:
    """Normalised word sequence for comparing texts: NFKC, lower case, word characters only."""
    return re.findall(r"\w+", unicodedata.normalize("NFKC", text).lower())


def similarity(extracted: str, reference: str) -> float:
    """Word-sequence similarity in [0, 1] (difflib ratio over normalised words)."""
    a, b = words(extracted), words(EDITORIAL_LINE.sub("", reference))
    if not a and not b:
        return 1.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


@dataclass
class ExtractionQuality:
    rows: list[dict[str, object]] = field(default_factory=list)

    def median(self, layout: str) -> float | None:
        scores = [float(r["similarity"]) for r in self.rows if r["layout"] == layout]  # type: ignore[arg-type]
        return statistics.median(scores) if scores else None


def extraction_quality(
    manifest: Path, extract_text: Callable[[Path], str], *, layouts: Iterable[str] | None = None
) -> ExtractionQuality:
    """Similarity of ``extract_text(pdf)`` to the reference text for every PDF listed in ``manifest``
    (JSONL with ``pdf``, ``text``, ``layout``; texts in ``../texts`` beside the PDFs' folder)."""
    wanted = set(layouts) if layouts else None
    texts_dir = manifest.parent.parent / "texts"
    report = ExtractionQuality()
    for line in manifest.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if wanted is not None and entry["layout"] not in wanted:
            continue
        reference = (texts_dir / entry["text"]).read_text(encoding="utf-8")
        started = time.perf_counter()
        extracted = extract_text(manifest.parent / entry["pdf"])
        report.rows.append(
            {
                "pdf": entry["pdf"],
                "layout": entry["layout"],
                "similarity": round(similarity(extracted, reference), 4),
                "seconds": round(time.perf_counter() - started, 2),
            }
        )
    return report


BOUNDARY_KINDS = (
    "title",
    "preamble",
    "heading",
    "article",
    "paragraph",
    "annex",
    "note",
    "signature",
    "other",
)


def _token_starts(text: str) -> list[int]:
    """Character offset of every normalised word of ``text`` (see :func:`words`)."""
    return [m.start() for m in re.finditer(r"\w+", unicodedata.normalize("NFKC", text))]


def _token_at(starts: list[int], offset: int) -> int:
    """Index of the first word starting at or after ``offset``."""
    return bisect.bisect_left(starts, offset)


def predicted_boundaries(doc: Document) -> list[int]:
    """Character offsets where our paragraph-level units start, in the gold's convention: lettered items
    stay inside their paragraph, and an article's first paragraph starts at the article heading."""
    articles = {c.id for c in doc.clauses if c.kind == "article"}
    first_paragraph = {}
    for clause in doc.clauses:
        if clause.kind == "paragraph" and clause.parent in articles and clause.parent not in first_paragraph:
            first_paragraph[clause.parent] = clause.id
    skip = set(first_paragraph.values())
    return sorted({c.char_start for c in doc.clauses if c.kind in BOUNDARY_KINDS and c.id not in skip})


def gold_boundaries(rows: list[dict], source: str) -> list[int]:
    """Character offsets in the source text where gold units start (editorial gap markers left out)."""
    return sorted({row["start"] for row in rows if not source[row["start"] : row["end"]].startswith("[[")})


def boundary_matches(doc: Document, source: str, gold: list[int]) -> tuple[int, int, int, int]:
    """(predicted boundaries that hit a gold one, predicted, gold boundaries found, gold).

    The extracted text and the source differ in layout (line breaks, removed headers, OCR errors), so
    both are compared as word sequences aligned with difflib: a predicted boundary hits when its first word
    aligns with the first word of a gold unit.
    """
    ours, theirs = words(doc.text), words(source)
    matcher = difflib.SequenceMatcher(None, ours, theirs, autojunk=False)
    to_source: dict[int, int] = {}
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            to_source[block.a + k] = block.b + k
    our_starts, source_starts = _token_starts(doc.text), _token_starts(source)
    predicted = {to_source.get(_token_at(our_starts, offset), -1) for offset in predicted_boundaries(doc)}
    n_predicted = len(predicted_boundaries(doc))
    gold_tokens = {_token_at(source_starts, offset) for offset in gold}
    hits = predicted & gold_tokens
    return len(hits), n_predicted, len(hits), len(gold_tokens)


@dataclass
class SegmentationQuality:
    rows: list[dict[str, object]] = field(default_factory=list)

    def summary(self, layout: str) -> dict[str, float]:
        rows = [r for r in self.rows if r["layout"] == layout]
        tp_p = sum(int(r["hits"]) for r in rows)  # type: ignore[call-overload]
        n_p = sum(int(r["predicted"]) for r in rows)  # type: ignore[call-overload]
        n_g = sum(int(r["gold"]) for r in rows)  # type: ignore[call-overload]
        precision = tp_p / n_p if n_p else 0.0
        recall = tp_p / n_g if n_g else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        found = sum(int(r["articles_found"]) for r in rows)  # type: ignore[call-overload]
        total = sum(int(r["articles"]) for r in rows)  # type: ignore[call-overload]
        return {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "article_recall": found / total if total else 0.0,
        }


def segmentation_quality(
    gold_path: Path,
    manifest: Path,
    document_for: Callable[[Path], Document],
    *,
    layouts: Iterable[str] | None = None,
) -> SegmentationQuality:
    """Boundary precision/recall and article recall of ``document_for(pdf)`` (a segmented document) for
    every PDF of ``manifest`` whose text has gold units; layout ``text`` segments the source text itself."""
    wanted = set(layouts) if layouts else None
    texts_dir = manifest.parent.parent / "texts"
    gold_rows: dict[str, list[dict]] = {}
    for line in gold_path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        gold_rows.setdefault(row["doc"], []).append(row)
    articles = gold_articles(gold_path)
    report = SegmentationQuality()
    for line in manifest.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry["text"] not in gold_rows or (wanted is not None and entry["layout"] not in wanted):
            continue
        with (texts_dir / entry["text"]).open(encoding="utf-8", newline="") as handle:
            source = handle.read()
        doc = document_for(manifest.parent / entry["pdf"])
        hits, predicted, _, gold = boundary_matches(
            doc, source, gold_boundaries(gold_rows[entry["text"]], source)
        )
        expected = articles[entry["text"].removesuffix(".txt")]
        ours = {(_normalise_article(c.article or ""), c.in_annex) for c in doc.clauses if c.kind == "article"}
        report.rows.append(
            {
                "pdf": entry["pdf"],
                "layout": entry["layout"],
                "hits": hits,
                "predicted": predicted,
                "gold": gold,
                "articles": len(expected),
                "articles_found": len(expected & ours),
            }
        )
    return report


# ----------------------------------------------------------------------------------------------- metadata

METADATA_FIELDS = ("countries", "year", "type", "language", "origin", "destination")

INDEX_TYPES = {
    "exchange_of_notes": "BLA",
    "protocol": "BLA",
    "multilateral": "other",
    "convention": "other",
    None: "other",
}
"""Our instrument types on the coarser vocabulary of ``../shared/corpus/texts/index.jsonl`` (BLA, MOU,
standard_contract, model_agreement, other): an exchange of notes or a protocol between two States is a
bilateral agreement there; a multilateral treaty, an ILO convention or an instrument we cannot type is
'other'."""


@dataclass
class MetadataAccuracy:
    """Per document and field: (expected, found, right)."""

    rows: list[dict[str, object]] = field(default_factory=list)

    def share(self, name: str | None = None) -> float:
        """Share of fields right, over every field or only ``name``."""
        cells = [r for r in self.rows if name is None or r["field"] == name]
        return sum(1 for r in cells if r["right"]) / len(cells) if cells else 0.0


def expected_metadata(entry: dict, country_codes: Callable[[str], list[str]]) -> dict[str, object]:
    """The index entry's fields in our form: party names become ISO codes, codes upper-case."""
    codes = sorted({code for name in entry.get("parties") or [] for code in country_codes(name)})
    return {
        "countries": codes,
        "year": entry.get("year"),
        "type": entry.get("type"),
        "language": entry.get("language"),
        "origin": (entry.get("origin") or "").upper() or None,
        "destination": (entry.get("destination") or "").upper() or None,
    }


def metadata_accuracy(
    index: Path,
    manifest: Path,
    document_for: Callable[[Path], Document],
    country_codes: Callable[[str], list[str]],
    *,
    layouts: Iterable[str] = ("official",),
) -> MetadataAccuracy:
    """Fields of ``document_for(pdf).metadata`` against the index entry of its text, for each PDF of
    ``manifest`` in ``layouts``."""
    wanted = set(layouts)
    entries = {
        e["file"]: e
        for e in (json.loads(line) for line in index.read_text(encoding="utf-8").splitlines() if line.strip())
    }
    report = MetadataAccuracy()
    for line in manifest.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if item["layout"] not in wanted or item["text"] not in entries:
            continue
        meta = document_for(manifest.parent / item["pdf"]).metadata
        found: dict[str, object] = {
            "countries": sorted(meta.countries),
            "year": meta.year,
            "type": INDEX_TYPES.get(meta.type, meta.type),
            "language": meta.language,
            "origin": meta.origin,
            "destination": meta.destination,
        }
        expected = expected_metadata(entries[item["text"]], country_codes)
        for name in METADATA_FIELDS:
            report.rows.append(
                {
                    "pdf": item["pdf"],
                    "field": name,
                    "expected": expected[name],
                    "found": found[name],
                    "right": expected[name] == found[name],
                }
            )
    return report
