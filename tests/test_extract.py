"""Extraction on the bundled PDFs (written and rendered by us) and on refused inputs."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest
from reportlab.pdfgen import canvas

from pipeline import ocr
from pipeline.errors import E_DAMAGED, E_EMPTY, E_ENCRYPTED, E_NOT_FOUND, E_NOT_PDF, BlamineError
from pipeline.extract import doc_id_for, extract, file_sha256
from tests.conftest import CORPUS_INDEX, corpus_index, corpus_pdf

CORPUS_SRC = CORPUS_INDEX.parent


def test_source_facts_and_doc_id_come_from_the_file():
    path = corpus_pdf("bd_mv_joint_committee_2011")
    doc = extract(path)
    assert doc.source.sha256 == file_sha256(path)
    assert doc.doc_id == doc_id_for(doc.source.sha256) == doc.source.sha256[:16]
    assert doc.source.pages == len(doc.pages) >= 2
    assert doc.source.bytes == path.stat().st_size


def test_page_offsets_tile_the_document_text():
    doc = extract(corpus_pdf("ph_kw_domestic_workers_2016"))
    for page in doc.pages:
        assert page.chars == page.char_end - page.char_start
        assert page.method == "text"
    assert doc.pages[-1].char_end == len(doc.text)


def test_running_headers_and_page_numbers_are_removed():
    for entry in corpus_index():
        doc = extract(corpus_pdf(entry["file"].removesuffix(".txt")))
        lines = [line.strip() for line in doc.text.splitlines()]
        assert not any(re.fullmatch(r"(Page \d+|- \d+ -|\d+)", line) for line in lines), entry["file"]
        # The renderer prints the title (cut at 95 characters) as the running header of every page; only the
        # title itself, on page 1 in a larger size, may remain.
        title = entry["title"]
        header = title if len(title) <= 95 else title[:95].rsplit(" ", 1)[0] + " …"
        assert " ".join(doc.text.split()).count(header) <= 1, entry["file"]
        assert "…" not in doc.text


def test_two_column_pages_read_left_column_before_right_column():
    twocol = [e for e in corpus_index() if e["layout"] == "twocol"]
    assert twocol
    for entry in twocol:
        source = (CORPUS_SRC / entry["file"]).read_text(encoding="utf-8")
        doc = extract(corpus_pdf(entry["file"].removesuffix(".txt")))
        words = doc.text.split()
        expected = source.split()
        # Whole word sequence in order: columns interleaved line by line would break this badly.
        ratio = difflib.SequenceMatcher(None, words, expected, autojunk=False).ratio()
        assert ratio > 0.97, (entry["file"], ratio)


@pytest.mark.skipif(not ocr.available(), reason="tesseract not installed (scripts/install-system-deps.sh)")
def test_image_only_page_is_ocred_with_a_confidence():
    entry = next(e for e in corpus_index() if e["image_pages"])
    doc = extract(corpus_pdf(entry["file"].removesuffix(".txt")))
    for page in doc.pages:
        if page.number in entry["image_pages"]:
            assert page.method == "ocr"
            assert page.ocr_confidence is not None and page.ocr_confidence > 80
            assert page.chars > 500
        else:
            assert page.method == "text"


def test_image_only_page_without_tesseract_is_left_empty_with_a_warning(monkeypatch):
    monkeypatch.setattr(ocr, "available", lambda: False)
    entry = next(e for e in corpus_index() if e["image_pages"])
    doc = extract(corpus_pdf(entry["file"].removesuffix(".txt")))
    assert [p.method for p in doc.pages if p.number in entry["image_pages"]] == ["empty"]
    assert any("tesseract is not installed" in w for w in doc.warnings)


def _encrypted_pdf(path: Path) -> Path:
    pdf = canvas.Canvas(str(path), encrypt="secret")
    pdf.drawString(72, 720, "Article 1 The employer shall pay wages.")
    pdf.save()
    return path


def test_encrypted_pdf_needs_its_password(tmp_path):
    path = _encrypted_pdf(tmp_path / "locked.pdf")
    with pytest.raises(BlamineError) as refused:
        extract(path)
    assert refused.value.code == E_ENCRYPTED
    assert "locked.pdf" in refused.value.one_line()
    assert "Article 1" in extract(path, password="secret").text


@pytest.mark.parametrize(
    "content, code",
    [
        (b"", E_EMPTY),
        (b"<html>not a pdf</html>", E_NOT_PDF),
        (b"%PDF-1.4\n%garbage that is not a PDF body\n" * 3, E_DAMAGED),
    ],
)
def test_bad_files_are_refused_with_a_code(tmp_path, content, code):
    path = tmp_path / "bad.pdf"
    path.write_bytes(content)
    with pytest.raises(BlamineError) as refused:
        extract(path)
    assert refused.value.code == code
    assert refused.value.one_line().startswith(f"ERROR {path}: ")


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(BlamineError) as refused:
        extract(tmp_path / "nope.pdf")
    assert refused.value.code == E_NOT_FOUND


def test_ocr_failure_leaves_the_page_empty_with_a_warning(monkeypatch):
    def failing(*args, **kwargs):
        raise ocr.OcrError("tesseract failed (simulated)")

    monkeypatch.setattr(ocr, "available", lambda: True)
    monkeypatch.setattr(ocr, "ocr_image", failing)
    entry = next(e for e in corpus_index() if e["image_pages"])
    doc = extract(corpus_pdf(entry["file"].removesuffix(".txt")))
    assert [p.method for p in doc.pages if p.number in entry["image_pages"]] == ["empty"]
    assert any("OCR failed" in w and "simulated" in w for w in doc.warnings)


def test_huge_pages_are_rendered_for_ocr_within_the_pixel_budget():
    a4 = ocr.render_scale(595, 842)
    assert a4 == pytest.approx(300 / 72)
    huge = ocr.render_scale(35000, 35000)
    assert (35000 * huge) ** 2 <= ocr.MAX_PIXELS * 1.0001
