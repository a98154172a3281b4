"""PDF → :class:`Document` with clean text and per-page provenance.

The fast path reads pypdfium2's text rectangles: PDFium is ~50× faster than pdfplumber and keeps
geometry (one rectangle per printed line run), which is all that column ordering and running-header
removal need (see :mod:`pipeline.layout`). Pages without a usable text layer are rendered and OCRed
(:mod:`pipeline.ocr`). Every refusal is a :class:`BlamineError` naming the file and the reason.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from joblib.externals.loky import ProcessPoolExecutor

from . import ocr
from .errors import (
    E_DAMAGED,
    E_EMPTY,
    E_ENCRYPTED,
    E_NO_PAGES,
    E_NO_TEXT,
    E_NOT_FOUND,
    E_NOT_PDF,
    BlamineError,
)
from .layout import (
    Line,
    attach_markers,
    drop_running_lines,
    join_pages,
    lines_to_text,
    merge_pieces,
    reading_order,
)
from .metadata import detect_language
from .model import Document, Page, PageMethod, Source
from .repair import RepairFailed, RepairNeedsPassword, password_variants, pdfplumber_pages, repaired_copy

DEFAULT_OCR_LANGUAGES = ("en", "fr", "de", "nl")
"""Tesseract languages for a document with no text layer at all, when none are given."""

MIN_TEXT_CHARS = 20
"""A page whose text layer has fewer visible characters than this counts as having no text layer."""

MAX_UNREADABLE_SHARE = 0.3
"""A text layer with more unreadable characters than this (see :func:`unreadable_share`) is OCRed."""


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


def _check_file(path: Path) -> None:
    if not path.is_file():
        raise BlamineError(path, "no such file", E_NOT_FOUND)
    if path.stat().st_size == 0:
        raise BlamineError(path, "file is empty (0 bytes)", E_EMPTY)


def _pdfium_error(path: Path, password: str | None) -> str | None:
    """Why PDFium cannot open the file, or ``None`` when it can."""
    try:
        pdfium.PdfDocument(str(path), password=password).close()
    except pdfium.PdfiumError as exc:
        return str(exc)
    return None


def readable_source(
    path: Path, password: str | None, workdir: Path, warnings: list[str]
) -> tuple[Path, str | None] | list[tuple[list[Line], float, float]]:
    """A file and password PDFium opens — the original, or a copy repaired by qpdf — or, as a last resort,
    the text lines pdfplumber reads (see :mod:`pipeline.repair`). Raises the refusal otherwise."""
    error = _pdfium_error(path, password)
    if error is None:
        return path, password
    if "password" in error.lower() and password is not None:
        for variant in password_variants(password):
            if _pdfium_error(path, variant) is None:
                warnings.append("password accepted in its normalised form (SASLprep / 127-byte limit)")
                return path, variant
    try:
        repaired = repaired_copy(path, password, workdir)
    except RepairNeedsPassword:
        reason = "encrypted; a password is required" if password is None else "encrypted; wrong password"
        raise BlamineError(path, reason, E_ENCRYPTED) from None
    except RepairFailed:
        repaired = None
    if repaired is not None and _pdfium_error(repaired, None) is None:
        warnings.append(f"file structure repaired by qpdf before reading (PDFium: {error})")
        return repaired, None
    try:
        pages = pdfplumber_pages(path, password)
    except RepairFailed:
        pages = []
    if pages:
        warnings.append(f"read by pdfplumber: PDFium could not open the file ({error})")
        return pages
    with path.open("rb") as handle:
        if b"%PDF" not in handle.read(1 << 20):
            raise BlamineError(path, "not a PDF (no %PDF header)", E_NOT_PDF)
    if "password" in error.lower():
        raise BlamineError(path, "encrypted; a password is required", E_ENCRYPTED)
    raise BlamineError(path, f"damaged PDF, not repairable ({error})", E_DAMAGED)


def text_layer_lines(page: pdfium.PdfPage) -> list[Line]:
    """The page's text layer as positioned lines, from PDFium's text rectangles.

    PDFium builds its rectangles walking the characters in order, so the text of rectangle *i* runs from
    the character at its left edge to the first character of rectangle *i + 1*: one position lookup per
    rectangle and one slice of the page text, ~5× faster than asking for each rectangle's bounded text.
    Where the lookup fails (characters out of order), each rectangle's bounded text is read instead.
    """
    textpage = page.get_textpage()
    try:
        rects = [textpage.get_rect(index) for index in range(textpage.count_rects())]
        texts = _rect_texts_by_index(textpage, rects)
        if texts is None:
            # The box is shrunk from the top so a tall neighbour on the line above is not captured.
            texts = [
                textpage.get_text_bounded(left, bottom, right, top - 0.25 * (top - bottom))
                for left, bottom, right, top in rects
            ]
        pieces = [
            Line(left, bottom, right, top, text.replace("\x00", ""))
            for (left, bottom, right, top), text in zip(rects, texts, strict=True)
            if text.strip()
        ]
        return attach_markers(merge_pieces(pieces))
    finally:
        textpage.close()


def _rect_texts_by_index(textpage: pdfium.PdfTextPage, rects: list[tuple[float, ...]]) -> list[str] | None:
    if not rects:
        return []
    count = textpage.count_chars()
    starts = [
        pdfium_c.FPDFText_GetCharIndexAtPos(textpage.raw, left + 0.3, (bottom + top) / 2, 2.0, 2.0)
        for left, bottom, _, top in rects
    ]
    if any(b <= a for a, b in zip(starts, starts[1:], strict=False)) or (starts and starts[0] < 0):
        return None
    full = textpage.get_text_range(0, count)
    if len(full) != count:
        return None  # characters outside the Basic Multilingual Plane: indices and offsets differ
    return [full[a:b] for a, b in zip(starts, [*starts[1:], count], strict=True)]


def has_visible_content(page: pdfium.PdfPage) -> bool:
    """Whether the page shows images, vector paths or annotations (a scan, text drawn as curves, a form)."""
    kinds = [pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_PATH]
    if any(True for _ in page.get_objects(filter=kinds, max_depth=2)):
        return True
    return pdfium_c.FPDFPage_GetAnnotCount(page) > 0


_UNREADABLE = re.compile(
    "[\ufffd\uffff\ue000-\uf8ff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u0180-\u02af\ud800-\udfff]"
)
_LATIN1_SYMBOLS = re.compile("[\x80-\xbf\xc0-\xde]")


def unreadable_share(text: str) -> float:
    """Share of a text layer's characters that cannot be real text.

    Fonts without a Unicode map come out as replacement or private-use characters, control codes, or
    Latin Extended-B/IPA letters where the glyph codes were shifted; a font whose bytes are another
    encoding (GBK read as Latin-1) comes out as a wall of Latin-1 symbols and accented capitals, which
    count half (a few are normal). Such a layer is read by OCR instead.
    """
    text = "".join(text.split())
    if not text:
        return 0.0
    bad = len(_UNREADABLE.findall(text)) + 0.5 * len(_LATIN1_SYMBOLS.findall(text))
    return min(1.0, bad / len(text))


@dataclass(frozen=True)
class ExtractOptions:
    """How to read PDFs: the arguments of :func:`extract`, bundled for callers that pass them along."""

    password: str | None = None
    ocr_languages: tuple[str, ...] | None = None
    ocr_jobs: int = 1
    max_ocr_pages: int | None = None


@dataclass
class _PageScan:
    """What the text layer of one page gave, and whether the page must be OCRed instead."""

    lines: list[Line]
    width: float
    height: float
    method: PageMethod
    needs_ocr: bool = False
    reason: str = ""


def _scan_page(page: pdfium.PdfPage) -> _PageScan:
    """Route one page: keep a usable text layer, send a missing or unreadable one to OCR.

    A short text layer on a page that shows more (a scan with a stamped page number, a form) is kept as
    the fallback should OCR find nothing.
    """
    width, height = page.get_size()
    lines = text_layer_lines(page)
    text = " ".join(ln.text for ln in lines)
    if text.strip() and unreadable_share(text) > MAX_UNREADABLE_SHARE:
        return _PageScan(
            [], width, height, "empty", True, "text layer unreadable (fonts without Unicode map)"
        )
    if len("".join(text.split())) >= MIN_TEXT_CHARS:
        return _PageScan(lines, width, height, "text")
    if has_visible_content(page):
        return _PageScan(lines, width, height, "text" if lines else "empty", True, "no text layer")
    return _PageScan(lines, width, height, "text" if lines else "empty")


def extract(
    path: str | Path,
    *,
    password: str | None = None,
    ocr_languages: Sequence[str] | None = None,
    ocr_jobs: int = 1,
    max_ocr_pages: int | None = None,
) -> Document:
    """Read a PDF into a :class:`Document`: source facts, pages with their method, and the clean text.

    Pages whose text layer is missing or unreadable are OCRed (``ocr_jobs`` pages at a time, at most
    ``max_ocr_pages`` per document; the rest are left empty with a warning). ``ocr_languages`` (ISO 639-1
    codes) choose tesseract's language packs; by default the language of the document's text pages, or
    else the language detected on the first OCRed page.
    """
    path = Path(path)
    _check_file(path)
    warnings: list[str] = []
    with tempfile.TemporaryDirectory(prefix="blamine-") as workdir:
        source = readable_source(path, password, Path(workdir), warnings)
        if isinstance(source, list):
            scans = [
                _PageScan(lines, width, height, "text" if lines else "empty")
                for lines, width, height in source
            ]
            confidences: list[float | None] = [None] * len(scans)
        else:
            readable, password = source
            scans = _scan_pages(path, readable, password)
            confidences = _ocr_scanned_pages(
                readable, password, scans, ocr_languages, ocr_jobs, max_ocr_pages, warnings
            )
    if not scans:
        raise BlamineError(path, "PDF has no pages", E_NO_PAGES)

    kept, removed = drop_running_lines([s.lines for s in scans], [s.height for s in scans])
    ordered = [reading_order(lines, s.width) for lines, s in zip(kept, scans, strict=True)]
    halves = _language_halves(ordered, [s.width for s in scans])
    if halves is None:
        texts = [lines_to_text(lines) for lines in ordered]
        text, spans = join_pages(texts)
        parallel_spans: list[tuple[int, int] | None] = [None] * len(texts)
    else:
        (first, second), (left_texts, right_texts) = halves
        warnings.append(
            f"side-by-side bilingual layout ({first} | {second}): the left columns are read first, then the "
            "right columns"
        )
        text, spans = join_pages(left_texts)
        right, right_spans = join_pages(right_texts)
        offset = len(text) + 2
        text = f"{text}\n\n{right}"
        parallel_spans = [(start + offset, end + offset) for start, end in right_spans]
        texts = [left + right for left, right in zip(left_texts, right_texts, strict=True)]
    pages = [
        Page(
            number=number,
            method=scan.method,
            chars=len(page_text),
            char_start=start,
            char_end=end,
            ocr_confidence=confidence,
            removed=page_removed,
            parallel_start=parallel[0] if parallel else None,
            parallel_end=parallel[1] if parallel else None,
        )
        for number, (scan, confidence, page_text, (start, end), page_removed, parallel) in enumerate(
            zip(scans, confidences, texts, spans, removed, parallel_spans, strict=True), start=1
        )
    ]
    sha = file_sha256(path)
    source = Source(
        path=str(path.resolve()), filename=path.name, sha256=sha, bytes=path.stat().st_size, pages=len(pages)
    )
    if not text.strip():
        ocred = sum(1 for scan in scans if scan.needs_ocr)
        detail = f"; {ocred} page(s) needed OCR and gave no text" if ocred else ""
        detail += f" ({warnings[-1]})" if ocred and warnings else ""
        raise BlamineError(path, f"no text on any page{detail}", E_NO_TEXT)
    return Document(doc_id=doc_id_for(sha), source=source, text=text, pages=pages, warnings=warnings)


SIDE_BY_SIDE_MIN_WORDS = 30
"""Words a page half needs before its language is compared with the other half's."""


def _language_halves(
    pages: list[list[Line]], widths: list[float]
) -> tuple[tuple[str, str], tuple[list[str], list[str]]] | None:
    """For a bilingual instrument printed side by side (one language per column), the two languages and
    each page's left and right texts; ``None`` for any other layout.

    Reading such a page column by column would interleave the two versions page after page; read as two
    texts, each version is whole and the segmenter finds its articles in order. Decided on the pages whose
    halves both hold enough words: all of them must show the same two different languages.
    """
    halves: list[tuple[list[Line], list[Line]]] = []
    pairs: set[tuple[str | None, str | None]] = set()
    for lines, width in zip(pages, widths, strict=True):
        left = [ln for ln in lines if ln.column == -1 or (ln.x0 + ln.x1) / 2 < width / 2]
        right = [ln for ln in lines if ln.column != -1 and (ln.x0 + ln.x1) / 2 >= width / 2]
        halves.append((left, right))
        left_text, right_text = (" ".join(ln.text for ln in half) for half in (left, right))
        if min(len(left_text.split()), len(right_text.split())) >= SIDE_BY_SIDE_MIN_WORDS:
            pairs.add((detect_language(left_text), detect_language(right_text)))
    if len(pairs) != 1:
        return None
    first, second = pairs.pop()
    if first is None or second is None or first == second:
        return None
    return (first, second), (
        [lines_to_text(left) for left, _ in halves],
        [lines_to_text(right) for _, right in halves],
    )


def _scan_pages(path: Path, readable: Path, password: str | None) -> list[_PageScan]:
    """Read every page's text layer and decide its route (forms are initialised so they render for OCR)."""
    pdf = pdfium.PdfDocument(str(readable), password=password)
    try:
        scans = []
        for index in range(len(pdf)):
            page = _page(pdf, index, path)
            try:
                scans.append(_scan_page(page))
            finally:
                page.close()
        return scans
    finally:
        pdf.close()


def _ocr_scanned_pages(
    path: Path,
    password: str | None,
    scans: list[_PageScan],
    ocr_languages: Sequence[str] | None,
    jobs: int,
    max_pages: int | None,
    warnings: list[str],
) -> list[float | None]:
    """OCR the pages routed to OCR, in place; returns each page's OCR confidence (None if not OCRed)."""
    confidences: list[float | None] = [None] * len(scans)
    todo = [i for i, scan in enumerate(scans) if scan.needs_ocr]
    if not todo:
        return confidences
    for index in todo:
        if scans[index].reason != "no text layer":
            warnings.append(f"page {index + 1}: {scans[index].reason}; read by OCR instead")
    if not ocr.available():
        warnings.append(
            f"pages {_page_list(todo)}: need OCR but tesseract is not installed (run"
            " scripts/install-system-deps.sh, or apt-get install tesseract-ocr); left empty"
        )
        return confidences
    if max_pages is not None and len(todo) > max_pages:
        if max_pages == 0:
            warnings.append(f"pages {_page_list(todo)}: need OCR, but OCR is turned off; left empty")
            return confidences
        warnings.append(
            f"pages {_page_list(todo[max_pages:])}: over the OCR limit of {max_pages} pages; left empty"
        )
        todo = todo[:max_pages]
    languages = list(ocr_languages or _languages_of("\n".join(ln.text for s in scans for ln in s.lines)))
    if not languages:
        # Nothing to detect the language from: read the first page with the common languages, then the
        # rest in the language that page turns out to be in.
        first = _ocr_one(path, password, todo[0], ocr.tesseract_languages(list(DEFAULT_OCR_LANGUAGES)))
        _apply_ocr(scans, confidences, todo[0], first, warnings)
        languages = _languages_of(" ".join(ln.text for ln in scans[todo[0]].lines)) or list(
            DEFAULT_OCR_LANGUAGES
        )
        todo = todo[1:]
    lang = ocr.tesseract_languages(languages)
    if jobs > 1 and len(todo) > 1:
        # joblib's process pool (loky): PDFium is not thread-safe, so pages go to processes. The pool
        # lives for this document only: ingest extracts each file in a fresh process, where a pool kept
        # for reuse would have to be shut down after every file, scanned or not, at about 70 ms a file.
        count = len(todo)
        with ProcessPoolExecutor(max_workers=min(jobs, count)) as pool:
            results = list(pool.map(_ocr_one, [path] * count, [password] * count, todo, [lang] * count))
    else:
        results = [_ocr_one(path, password, index, lang) for index in todo]
    for index, result in zip(todo, results, strict=True):
        _apply_ocr(scans, confidences, index, result, warnings)
    return confidences


def _apply_ocr(
    scans: list[_PageScan],
    confidences: list[float | None],
    index: int,
    result: ocr.OcrResult | str,
    warnings: list[str],
) -> None:
    if isinstance(result, str):
        warnings.append(f"page {index + 1}: OCR failed, page left empty: {result}")
        return
    scan = scans[index]
    if not result.lines:
        return  # OCR found nothing: the page keeps whatever its text layer had
    scan.lines, scan.width, scan.height = result.lines, result.width, result.height
    scan.method = "ocr"
    confidences[index] = result.confidence
    if result.rotation:
        warnings.append(f"page {index + 1}: scanned turned by {result.rotation}°; read upright")


def _ocr_one(path: Path, password: str | None, index: int, lang: str) -> ocr.OcrResult | str:
    """OCR page ``index`` (opens the PDF itself, so it can run in a worker process); an error message on
    failure."""
    pdf = pdfium.PdfDocument(str(path), password=password)
    try:
        pdf.init_forms()  # filled-in form fields are drawn, so OCR reads them too
        page = pdf[index]
        try:
            width, height = page.get_size()
            scale = ocr.render_scale(width, height, _largest_image_pixels(page))
            bitmap = page.render(scale=scale, grayscale=True, may_draw_forms=True)
            try:
                image = bitmap.to_pil()
            finally:
                bitmap.close()
        finally:
            page.close()
    finally:
        pdf.close()
    try:
        return ocr.ocr_image(image, scale=scale, lang=lang)
    except ocr.OcrError as exc:
        return str(exc)


def _largest_image_pixels(page: pdfium.PdfPage) -> tuple[int, int] | None:
    """Pixel size of the page's largest image: a scan's own resolution, whatever the page size says."""
    sizes = []
    for image in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2):
        try:
            sizes.append(tuple(image.get_px_size()))
        except pdfium.PdfiumError:
            continue
    return max(sizes, key=lambda wh: wh[0] * wh[1]) if sizes else None


def _page_list(indices: list[int]) -> str:
    return ", ".join(str(i + 1) for i in indices)


def _page(pdf: pdfium.PdfDocument, index: int, path: Path) -> pdfium.PdfPage:
    try:
        return pdf[index]
    except pdfium.PdfiumError as exc:
        raise BlamineError(path, f"damaged page {index + 1} ({exc})", E_DAMAGED) from None


def _languages_of(text: str) -> list[str]:
    language = detect_language(text)
    return [language] if language else []
