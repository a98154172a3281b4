"""End to end on the real agreement PDFs of ../shared (skipped where ../shared is absent)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from pipeline import store as store_module
from pipeline.cli import app
from pipeline.evaluate import article_recall


def test_official_pdfs_ingest_with_articles_and_labels(shared, store):
    pdfs = sorted((shared / "corpus" / "pdfs").glob("*.official.pdf"))
    result = CliRunner().invoke(app, ["ingest", *map(str, pdfs), "--store", str(store)])
    assert result.exit_code == 0, result.output
    docs = list(store_module.iter_documents(store))
    assert len(docs) == len(pdfs)
    for doc in docs:
        store_module.validate(doc.to_dict())
        assert any(c.article for c in doc.clauses), doc.source.filename
        assert any(c.labels for c in doc.clauses), doc.source.filename
    report = article_recall(docs, shared / "labels" / "dev.jsonl")
    assert report.share >= 0.85, report.rows
    assert json.loads(json.dumps(report.rows))
