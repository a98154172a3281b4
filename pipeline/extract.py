"""PDF → :class:`Document` with clean text and per-page provenance.

The fast path reads pypdfium2's text rectangles: PDFium is ~50× faster than pdfplumber and keeps
geometry (one rectangle per printed line run), which is all that column ordering and running-header
removal need (see :mod:`pipeline.layout`). Pages without a usable text layer are rendered and OCRed
(:mod:`pipeline.ocr`). Every refusal is a :class:`BlamineError` naming the file and the reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from . import ocr
from .errors import E_DAMAGED, E_EMPTY, E_ENCRYPTED, E_NO_PAGES, E_NOT_FOUND, E_NOT_PDF, BlamineError
from .layout import Line, drop_running_lines, join_pages, lines_to_text, merge_pieces, reading_order
from .metadata import detect_language
from .model import Document, Page, PageMethod, Source

DEFAULT_OCR_LANGUAGES = ("en", "fr", "de", "nl")
"""Tesseract languages for a document with no text layer at all, when none are given."""

MIN_TEXT_CHARS = 20
"""A page whose text layer has fewer visible characters than this counts as having no text layer."""


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def doc_id_for(sha256: str) -> str:
    """The stable document id: the first 16 hex digits of the file's SHA-256."""
    return sha256[:16]


def open_pdf(path: Path, password: str | None = None) -> pdfium.PdfDocument:
    """Open a PDF or raise a :class:`BlamineError` that says why it cannot be read."""
    if not path.is_file():
        raise BlamineError(path, "no such file", E_NOT_FOUND)
    size = path.stat().st_size
    if size == 0:
        raise BlamineError(path, "file is empty (0 bytes)", E_EMPTY)
    with path.open("rb") as handle:
        head = handle.read(1024)
    if b"%PDF" not in head:
        raise BlamineError(path, "not a PDF (no %PDF header)", E_NOT_PDF)
    try:
        pdf = pdfium.PdfDocument(str(path), password=password)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            reason = "encrypted; a password is required" if password is None else "encrypted; wrong password"
            raise BlamineError(path, reason, E_ENCRYPTED) from None
        raise BlamineError(path, f"damaged PDF ({exc})", E_DAMAGED) from None
    if len(pdf) == 0:
        pdf.close()
        raise BlamineError(path, "PDF has no pages", E_NO_PAGES)
    return pdf


def text_layer_lines(page: pdfium.PdfPage) -> list[Line]:
    """The page's text layer as positioned lines, from PDFium's text rectangles."""
    textpage = page.get_textpage()
    try:
        pieces = []
        for index in range(textpage.count_rects()):
            left, bottom, right, top = textpage.get_rect(index)
            # Shrink the box vertically so a tall neighbour on the next line is not captured too.
            inset = 0.25 * (top - bottom)
            text = textpage.get_text_bounded(left, bottom, right, top - inset)
            text = text.replace("\r", " ").replace("\n", " ").replace("\x00", "")
            if text.strip():
                pieces.append(Line(left, bottom, right, top, text))
        return merge_pieces(pieces)
    finally:
        textpage.close()


def has_images(page: pdfium.PdfPage) -> bool:
    """Whether the page draws at least one image (a scan, or a rendered page)."""
    return any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2))


def extract(
    path: str | Path,
    *,
    password: str | None = None,
    ocr_languages: Sequence[str] | None = None,
) -> Document:
    """Read a PDF into a :class:`Document`: source facts, pages with their method, and the clean text.

    Pages whose text layer is (nearly) empty but which show an image are OCRed. ``ocr_languages`` (ISO
    639-1 codes) choose tesseract's language packs; by default the language of the document's text pages
    when there are any, else :data:`DEFAULT_OCR_LANGUAGES`.
    """
    path = Path(path)
    pdf = open_pdf(path, password)
    warnings: list[str] = []
    try:
        page_lines: list[list[Line]] = []
        methods: list[PageMethod] = []
        widths: list[float] = []
        heights: list[float] = []
        scanned: list[int] = []
        for index in range(len(pdf)):
            page = _page(pdf, index, path)
            try:
                width, height = page.get_size()
                lines = text_layer_lines(page)
                if sum(len(ln.text.replace(" ", "")) for ln in lines) >= MIN_TEXT_CHARS:
                    methods.append("text")
                elif has_images(page):
                    methods.append("empty")
                    scanned.append(index)
                    lines = []
                else:
                    methods.append("text" if lines else "empty")
            finally:
                page.close()
            page_lines.append(lines)
            widths.append(width)
            heights.append(height)
        confidences: list[float | None] = [None] * len(page_lines)
        if scanned and not ocr.available():
            warnings.append(
                f"pages {', '.join(str(i + 1) for i in scanned)}: no text layer and tesseract is not"
                " installed (scripts/install-system-deps.sh); left empty"
            )
        elif scanned:
            known_text = "\n".join(ln.text for lines in page_lines for ln in lines)
            languages = list(ocr_languages or _languages_of(known_text) or DEFAULT_OCR_LANGUAGES)
            lang = ocr.tesseract_languages(languages)
            for index in scanned:
                page = _page(pdf, index, path)
                try:
                    result = _ocr_page(page, widths[index], heights[index], lang)
                except ocr.OcrError as exc:
                    warnings.append(f"page {index + 1}: OCR failed, page left empty: {exc}")
                    continue
                finally:
                    page.close()
                page_lines[index] = result.lines
                methods[index] = "ocr" if result.lines else "empty"
                confidences[index] = result.confidence
    finally:
        pdf.close()

    cleaned = drop_running_lines(page_lines, heights)
    texts = [lines_to_text(reading_order(lines, width)) for lines, width in zip(cleaned, widths, strict=True)]
    text, spans = join_pages(texts)
    pages = [
        Page(
            number=number,
            method=method,
            chars=len(page_text),
            char_start=start,
            char_end=end,
            ocr_confidence=confidence,
        )
        for number, (method, confidence, page_text, (start, end)) in enumerate(
            zip(methods, confidences, texts, spans, strict=True), start=1
        )
    ]
    sha = file_sha256(path)
    source = Source(
        path=str(path.resolve()), filename=path.name, sha256=sha, bytes=path.stat().st_size, pages=len(pages)
    )
    if not text.strip():
        warnings.append("no text could be extracted from any page")
    return Document(doc_id=doc_id_for(sha), source=source, text=text, pages=pages, warnings=warnings)


def _page(pdf: pdfium.PdfDocument, index: int, path: Path) -> pdfium.PdfPage:
    try:
        return pdf[index]
    except pdfium.PdfiumError as exc:
        raise BlamineError(path, f"damaged page {index + 1} ({exc})", E_DAMAGED) from None


def _languages_of(text: str) -> list[str]:
    language = detect_language(text)
    return [language] if language else []


def _ocr_page(page: pdfium.PdfPage, width: float, height: float, lang: str) -> ocr.OcrResult:
    scale = ocr.render_scale(width, height)
    bitmap = page.render(scale=scale, grayscale=True)
    try:
        image = bitmap.to_pil()
    finally:
        bitmap.close()
    return ocr.ocr_image(image, height, scale=scale, lang=lang)
