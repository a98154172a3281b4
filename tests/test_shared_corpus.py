"""End to end on the real agreement PDFs of ../shared (skipped where ../shared is absent)."""

from __future__ import annotations

import json
import re

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


def _printed_margin_lines(pdf_path) -> set[str]:
    """Text printed in the top and bottom 6 % of pages 2+: the running header and the folio."""
    import pypdfium2 as pdfium

    lines: set[str] = set()
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        for index in range(1, len(pdf)):
            page = pdf[index]
            width, height = page.get_size()
            textpage = page.get_textpage()
            for bottom, top in ((0.94 * height, height), (0, 0.06 * height)):
                band = textpage.get_text_bounded(0, bottom, width, top)
                lines.update(ln.strip() for ln in band.splitlines() if ln.strip())
            textpage.close()
            page.close()
    finally:
        pdf.close()
    return lines


def test_clause_texts_carry_no_running_headers_or_page_numbers(shared, shipped_model):
    """Headers and folios printed in the margins do not leak into clauses: a header string occurs in the
    clauses no more often than in the source text the PDF was typeset from."""
    from pipeline.ingest import process

    manifest = [
        json.loads(line) for line in (shared / "corpus" / "pdfs" / "manifest.jsonl").read_text().splitlines()
    ]
    for entry in [e for e in manifest if e["layout"] == "official"][:8]:
        pdf_path = shared / "corpus" / "pdfs" / entry["pdf"]
        doc = process(pdf_path, shipped_model)
        source = " ".join((shared / "corpus" / "texts" / entry["text"]).read_text(encoding="utf-8").split())
        margins = _printed_margin_lines(pdf_path)
        assert margins, pdf_path
        for clause in doc.clauses:
            for margin in margins:
                if re.fullmatch(r"[-–\s]*\d+[-–\s]*", margin):
                    assert not re.search(rf"(^| ){re.escape(margin)}$", clause.text), (clause.id, margin)
        clause_text = " ".join(c.text for c in doc.clauses if c.parent is None)
        for margin in margins:
            if len(margin) > 20:
                assert clause_text.count(margin) <= source.count(margin), (pdf_path.name, margin)


def test_evaluation_commands_print_figures_per_layout(shared, tmp_path):
    """evaluate-segmentation and evaluate-extraction run end to end on a two-PDF manifest."""
    pdfs = shared / "corpus" / "pdfs"
    lines = [
        line
        for line in (pdfs / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
        if json.loads(line)["pdf"].startswith("nl-fr-1948") and json.loads(line)["layout"] != "scan"
    ]
    (tmp_path / "pdfs").mkdir()
    (tmp_path / "texts").symlink_to(shared / "corpus" / "texts")
    for line in lines:
        (tmp_path / "pdfs" / json.loads(line)["pdf"]).symlink_to(pdfs / json.loads(line)["pdf"])
    manifest = tmp_path / "pdfs" / "manifest.jsonl"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    runner = CliRunner()
    seg = runner.invoke(
        app,
        [
            "evaluate-segmentation",
            "--gold",
            str(shared / "labels" / "dev.jsonl"),
            "--manifest",
            str(manifest),
        ],
    )
    assert seg.exit_code == 0, seg.output
    summary = re.search(
        r"official: boundary P ([\d.]+)  R ([\d.]+)  F1 ([\d.]+)  article recall ([\d.]+)", seg.output
    )
    assert summary and float(summary.group(3)) > 0.8 and float(summary.group(4)) == 1.0, seg.output
    ext = runner.invoke(app, ["evaluate-extraction", "--manifest", str(manifest)])
    assert ext.exit_code == 0, ext.output
    assert re.search(r"median twocol: (0\.99\d\d|1\.0000)", ext.output), ext.output
    index = shared / "corpus" / "texts" / "index.jsonl"
    meta = runner.invoke(app, ["evaluate-metadata", "--index", str(index), "--manifest", str(manifest)])
    assert meta.exit_code == 0, meta.output
    assert "1 documents; countries 1.00  year 1.00" in meta.output, meta.output
    assert re.search(r"fields right: (0\.8|0\.9|1\.0)", meta.output), meta.output
