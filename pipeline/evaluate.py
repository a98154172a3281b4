"""Quality figures: extracted text against reference texts, and segmentation against gold annotations.

``extraction_quality``: word-sequence similarity (after NFKC, lower-casing and dropping punctuation) of each
PDF's extracted text with the text it was typeset from; editorial ``[[...]]`` lines are excluded.

``article_recall``: of the article numbers the gold marks (articles, their paragraphs, annex articles), the
share that came out as article clauses of the ingested document, matched by number and by being inside an
annex or not. Gold documents are matched to stored ones by file stem (``X.txt`` ↔ ``X.<layout>.pdf``).
"""

from __future__ import annotations

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
