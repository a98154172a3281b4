"""Tests for the bundled sample corpus (corpus/src, corpus/pdfs) and its renderer corpus/render.py.

The pipeline's own tests rely on these PDFs having specific properties (a scanned page with no text
layer, genuinely two-column pages, titles present in the text layer), so those properties are
checked here rather than assumed.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pdfplumber
import pypdfium2 as pdfium
import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"


def _load_render() -> ModuleType:
    """Import corpus/render.py by path: corpus/ is data plus a script, not a package."""
    spec = importlib.util.spec_from_file_location("blamine_corpus_render", CORPUS / "render.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


render = _load_render()
ENTRIES = render.load_index()
IMAGE_DOCS = [e for e in ENTRIES if e.image_pages]
TWOCOL_DOCS = [e for e in ENTRIES if e.layout == "twocol"]


def _page_texts(path: Path) -> list[str]:
    pdf = pdfium.PdfDocument(path)
    try:
        texts = []
        for page in pdf:
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return texts
    finally:
        pdf.close()


def _words(text: str) -> set[str]:
    return {w.casefold() for w in re.findall(r"\w+", text)}


# --- the index -------------------------------------------------------------------------------------


def test_index_describes_the_required_mix() -> None:
    assert len(ENTRIES) >= 7
    assert {e.language for e in ENTRIES} >= {"en", "fr", "nl", "de"}
    assert {e.type for e in ENTRIES} <= {"MOU", "BLA"}
    assert len(TWOCOL_DOCS) >= 2
    assert any(e.language in ("fr", "nl") for e in TWOCOL_DOCS)
    assert len(IMAGE_DOCS) == 1
    assert IMAGE_DOCS[0].layout == "onecol" and IMAGE_DOCS[0].image_pages == [2]
    for e in ENTRIES:
        assert all(re.fullmatch(r"[A-Z]{2}", c) for c in e.countries), e.file
        assert len(e.countries) == len(e.parties) == 2, e.file
        assert 1965 <= e.year <= 2024, e.file
        assert e.layout in ("onecol", "twocol"), e.file
        first_line = (render.SRC_DIR / e.file).read_text(encoding="utf-8").splitlines()[0]
        assert first_line.strip() == e.title, e.file


# --- (a) committed PDFs ------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.stem)
def test_every_indexed_text_has_a_pdf(entry) -> None:
    assert (render.SRC_DIR / entry.file).is_file()
    pdf_path = render.PDF_DIR / f"{entry.stem}.pdf"
    assert pdf_path.is_file(), f"run: python corpus/render.py {entry.stem}"
    assert pdf_path.stat().st_size < 300 * 1024
    assert 1 <= len(_page_texts(pdf_path)) <= 3


# --- (b) rendering ---------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.stem)
def test_render_into_tmp_dir_keeps_title_text(entry, tmp_path: Path) -> None:
    out = render.render_document(entry, render.SRC_DIR, tmp_path)
    assert out == tmp_path / f"{entry.stem}.pdf"
    texts = _page_texts(out)
    assert len(texts) >= 1
    missing = _words(entry.title) - _words("\n".join(texts))
    assert not missing, f"title words missing from text layer: {sorted(missing)}"


def test_render_is_deterministic(tmp_path: Path) -> None:
    entry = TWOCOL_DOCS[0]
    first = render.render_document(entry, render.SRC_DIR, tmp_path / "a").read_bytes()
    second = render.render_document(entry, render.SRC_DIR, tmp_path / "b").read_bytes()
    assert first == second


def test_onecol_pages_carry_running_header_and_page_number() -> None:
    entry = next(e for e in ENTRIES if e.layout == "onecol" and not e.image_pages)
    header = render.running_header(entry)
    for number, text in enumerate(_page_texts(render.PDF_DIR / f"{entry.stem}.pdf"), start=1):
        assert header in text
        assert f"Page {number}" in text


def test_parse_blocks_recognises_headings_items_and_signatures() -> None:
    text = (
        "A Title\n\nRecognising things;\n\nArticle 5\nWages\n\nArtikel 12bis — Terugkeer\n\n"
        "(a) an item;\n\nb) another item;\n\nGemäß Art. 5 Abs. 2 gilt dies.\n\n"
        "For the Government of X\n(signed)\n\nAnnex — Standard Employment Contract"
    )
    kinds = [b.kind for b in render.parse_blocks(text)]
    assert kinds == ["title", "para", "heading", "heading", "item", "item", "para", "lines", "annex"]


def test_characters_outside_cp1252_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("Title\n\nArticle 1\n\nAn ogonek: ą.\n", encoding="utf-8")
    with pytest.raises(ValueError, match="cp1252"):
        render.load_text(bad)


# --- (c) the scanned page --------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["committed", "fresh"])
def test_image_page_has_no_text_layer(where: str, tmp_path: Path) -> None:
    entry = IMAGE_DOCS[0]
    if where == "committed":
        path = render.PDF_DIR / f"{entry.stem}.pdf"
    else:
        path = render.render_document(entry, render.SRC_DIR, tmp_path)
    texts = _page_texts(path)
    assert len(texts) >= 2
    for number, text in enumerate(texts, start=1):
        if number in entry.image_pages:
            assert text.strip() == "", f"page {number} should be image-only"
        else:
            assert len(text.split()) > 20, f"page {number} should be born-digital"
    with pdfplumber.open(path) as pdf:
        for number in entry.image_pages:
            page = pdf.pages[number - 1]
            try:
                assert page.chars == []
                assert len(page.images) == 1
                image = page.images[0]
                assert image["width"] == pytest.approx(float(page.width), abs=1)
                assert image["srcsize"][0] >= 1500  # ~200 dpi across A4's 8.27 in
            finally:
                page.close()


# --- (d) gazette pages -----------------------------------------------------------------------------


@pytest.mark.parametrize("entry", TWOCOL_DOCS, ids=lambda e: e.stem)
def test_twocol_pages_have_text_in_both_halves(entry) -> None:
    band_top, band_bottom = 2.0 * render.cm, 1.8 * render.cm  # skip running header and footer
    with pdfplumber.open(render.PDF_DIR / f"{entry.stem}.pdf") as pdf:
        assert len(pdf.pages) >= 1
        for page in pdf.pages:
            try:
                width, height = float(page.width), float(page.height)
                top, bottom = band_top, height - band_bottom
                halves = {
                    "left": page.crop((0, top, width / 2, bottom)),
                    "right": page.crop((width / 2, top, width, bottom)),
                }
                for side, region in halves.items():
                    # body text only: the full-width title is set in a larger size
                    body = [c for c in region.chars if c["size"] < 10 and c["text"].strip()]
                    assert len(body) > 50, f"page {page.page_number}: no body text in {side} half"
                body_chars = [c for c in page.crop((0, top, width, bottom)).chars if c["size"] < 10]
                straddling = [c for c in body_chars if c["x0"] < width / 2 < c["x1"]]
                assert not straddling, f"page {page.page_number}: body text crosses the gutter"
            finally:
                page.close()
