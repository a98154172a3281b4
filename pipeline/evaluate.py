"""Quality figures for segmentation against gold clause annotations (format of ``../shared/labels``).

``article_recall``: of the article numbers the gold marks (articles, their paragraphs, annex articles), the
share that came out as article clauses of the ingested document, matched by number and by being inside an
annex or not. Gold documents are matched to stored ones by file stem (``X.txt`` ↔ ``X.<layout>.pdf``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
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
