"""Render the bundled sample corpus (``corpus/src/*.txt``) into PDFs under ``corpus/pdfs/``.

Why this script exists
----------------------
blamine has to cope with the PDFs that governments actually publish, and those are rarely plain
one-column text. The sample agreements are fictional (written for this project), but the PDFs we
build from them deliberately reproduce the layout problems the pipeline must solve:

* ``onecol`` -- an A4 page with a running header (the agreement's short name) and a ``Page N``
  footer. The header and footer repeat on every page, so the extractor's running-header/footer
  removal has something to remove, and justified wrapped paragraphs test line re-joining.
* ``twocol`` -- a gazette-style page: full-width title, a running header with a rule under it, the
  body set in two balanced columns, and a ``- N -`` footer. A naive left-to-right text dump
  interleaves the two columns; this layout checks that reading order is recovered column by column.
* ``image_pages`` -- selected pages are rasterised (grayscale, 200 dpi) and put back as a
  picture with no text layer, like a scanned page inside an otherwise born-digital file. Those
  pages must be routed to OCR while the rest of the document is read from its text layer.

Output is deterministic (reportlab ``invariant=1``, fixed metadata, zlib-compressed bitmaps), so
re-running ``python corpus/render.py`` on unchanged sources gives byte-identical PDFs and the
committed files only change when the texts or this script do.

Source format (one ``.txt`` per agreement, UTF-8): the first line is the title; blocks are separated
by blank lines; a block whose first line starts with Article/Artikel/Section/Annex... is an article
heading (optionally followed by a heading line); a block with several lines (e.g. a signature block)
keeps its line breaks; every other block is one paragraph. ``src/index.jsonl`` holds the metadata.

Font note: the standard PDF fonts (Times, Helvetica) are used with reportlab's WinAnsi (cp1252)
encoding, which covers the accents we need (é è ç ü ö ß œ « » „ —). Characters outside cp1252 would
not render, so the sources are restricted to cp1252; ``load_text`` enforces this.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import pypdfium2 as pdfium
from PIL import Image
from reportlab import rl_config
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
)
from reportlab.platypus.flowables import BalancedColumns

CORPUS_DIR = Path(__file__).resolve().parent
SRC_DIR = CORPUS_DIR / "src"
PDF_DIR = CORPUS_DIR / "pdfs"
INDEX_NAME = "index.jsonl"

#: Resolution of rasterised ("scanned") pages: a typical office-scanner setting. The grayscale
#: bitmap is stored Flate-compressed (lossless, PNG-like): for a text page that is about half the
#: size of a JPEG of comparable quality (~140 KB instead of ~290 KB) and has no ringing artefacts.
IMAGE_DPI = 200

PAGE_W, PAGE_H = A4
MARGIN_X = 2.2 * cm
MARGIN_TOP = 2.4 * cm  # body starts below the running header
MARGIN_BOTTOM = 2.2 * cm  # body ends above the page-number footer
HEADER_Y = PAGE_H - 1.3 * cm
FOOTER_Y = 1.1 * cm
COLUMN_GAP = 0.8 * cm

# Block starts that mark an article/annex heading in any of the corpus languages.
HEADING_RE = re.compile(r"^(Article|Artikel|Section|Annex|Annexe|Anlage|Bijlage)\b")
ANNEX_RE = re.compile(r"^(Annex|Annexe|Anlage|Bijlage)\b")
# "(a) ..." or "a) ..." list items are indented like in printed treaties.
LETTERED_RE = re.compile(r"^\(?[a-z]\)\s")

rl_config.invariant = 1  # no timestamps / random IDs: identical bytes on every run
rl_config.useA85 = 0  # binary streams: ASCII85 would inflate the raster page by a quarter


@dataclass(frozen=True)
class DocEntry:
    """One line of ``src/index.jsonl`` (the metadata the pipeline's tests compare against)."""

    file: str
    title: str
    parties: list[str]
    countries: list[str]
    year: int
    type: str
    language: str
    layout: str
    image_pages: list[int] = field(default_factory=list)

    @property
    def stem(self) -> str:
        return Path(self.file).stem


@dataclass(frozen=True)
class Block:
    """A blank-line separated chunk of source text and how it should be typeset."""

    kind: str  # "title" | "heading" | "annex" | "item" | "lines" | "para"
    lines: tuple[str, ...]


def load_index(src_dir: Path = SRC_DIR) -> list[DocEntry]:
    """Read ``index.jsonl``; the index, not a directory glob, decides what gets rendered."""
    entries = []
    for raw in (src_dir / INDEX_NAME).read_text(encoding="utf-8").splitlines():
        if raw.strip():
            entries.append(DocEntry(**json.loads(raw)))
    return entries


def load_text(path: Path) -> str:
    """Read a source text, refusing characters the standard PDF fonts cannot show (see module doc)."""
    text = path.read_text(encoding="utf-8")
    try:
        text.encode("cp1252")
    except UnicodeEncodeError as exc:
        bad = text[exc.start : exc.end]
        raise ValueError(f"{path.name}: {bad!r} is outside cp1252 and would not render") from exc
    return text


def parse_blocks(text: str) -> list[Block]:
    """Split a source text into typed blocks (title, headings, list items, line blocks, paragraphs)."""
    chunks = [c.strip("\n") for c in re.split(r"\n\s*\n", text.strip())]
    blocks: list[Block] = []
    for i, chunk in enumerate(chunks):
        lines = tuple(line.strip() for line in chunk.splitlines() if line.strip())
        if not lines:
            continue
        first = lines[0]
        if i == 0:
            kind = "title"
        elif HEADING_RE.match(first) and len(first) <= 80 and len(lines) <= 2 and not first.endswith("."):
            kind = "annex" if ANNEX_RE.match(first) else "heading"
        elif len(lines) > 1:
            kind = "lines"
        elif LETTERED_RE.match(first):
            kind = "item"
        else:
            kind = "para"
        blocks.append(Block(kind, lines))
    return blocks


def _styles(layout: str) -> dict[str, ParagraphStyle]:
    """Paragraph styles; the gazette layout uses a smaller face to fit two columns."""
    size, lead = (10.5, 13.5) if layout == "onecol" else (9.0, 11.2)
    body = ParagraphStyle(
        "body",
        fontName="Times-Roman",
        fontSize=size,
        leading=lead,
        alignment=TA_JUSTIFY,
        spaceAfter=lead * 0.5,
    )
    heading = ParagraphStyle(
        "heading",
        parent=body,
        fontName="Times-Bold",
        alignment=TA_CENTER,
        spaceBefore=lead * 0.6,
        spaceAfter=lead * 0.4,
        keepWithNext=1,
    )
    return {
        "title": ParagraphStyle(
            "title",
            parent=body,
            fontName="Times-Bold",
            fontSize=size + 3,
            leading=lead + 4,
            alignment=TA_CENTER,
            spaceAfter=lead * 1.2,
        ),
        "heading": heading,
        # an annex reads as a new part of the document, so it gets more air above it
        "annex": ParagraphStyle("annex", parent=heading, spaceBefore=lead * 2),
        "para": body,
        "item": ParagraphStyle("item", parent=body, leftIndent=size * 2),
        "lines": ParagraphStyle("lines", parent=body, alignment=TA_LEFT, spaceBefore=lead * 0.3),
    }


def build_flowables(blocks: Sequence[Block], layout: str) -> tuple[Paragraph, list[Flowable]]:
    """Turn blocks into (title, body flowables); the title is separate so twocol can span it."""
    styles = _styles(layout)
    title: Paragraph | None = None
    body: list[Flowable] = []
    for block in blocks:
        markup = "<br/>".join(escape(line) for line in block.lines)
        if block.kind == "title":
            title = Paragraph(markup, styles["title"])
        else:
            body.append(Paragraph(markup, styles[block.kind]))
    if title is None:
        raise ValueError("document has no title block")
    return title, body


class HeadingAwareColumns(BalancedColumns):
    """Balanced gazette columns that never leave an article heading stranded at a column foot.

    reportlab's BalancedColumns ignores ``keepWithNext`` (and wrapping heading + paragraph in
    KeepTogether makes it paginate wildly), so after each column split we push trailing headings
    over to the next column, as a typesetter would.
    """

    def _findSplit(
        self,
        canv: Canvas,
        availWidth: float,
        availHeight: float,
        mergeSpace: int = 1,
        obj: object = None,
        content: list[Flowable] | None = None,
        paraFix: bool = True,
    ) -> tuple[float, float, list[Flowable], list[Flowable]]:
        width, height, first, rest = super()._findSplit(
            canv, availWidth, availHeight, mergeSpace=mergeSpace, obj=obj, content=content, paraFix=paraFix
        )
        if rest:
            first, rest = list(first), list(rest)
            while len(first) > 1 and getattr(getattr(first[-1], "style", None), "keepWithNext", 0):
                rest.insert(0, first.pop())
        return width, height, first, rest


def running_header(entry: DocEntry, limit: int = 95) -> str:
    """Short agreement name for the running header: the title cut at a word boundary."""
    if len(entry.title) <= limit:
        return entry.title
    return entry.title[:limit].rsplit(" ", 1)[0] + " …"


def _page_decorator(entry: DocEntry) -> Callable[[Canvas, BaseDocTemplate], None]:
    """Draw the running header and page-number footer that the extractor is expected to strip."""
    header = running_header(entry)

    def decorate(canv: Canvas, doc: BaseDocTemplate) -> None:
        canv.saveState()
        canv.setFont("Helvetica-Oblique", 7.5)
        if entry.layout == "twocol":
            canv.drawString(MARGIN_X, HEADER_Y, header)
            canv.drawRightString(PAGE_W - MARGIN_X, HEADER_Y, str(entry.year))
            canv.setLineWidth(0.6)
            canv.line(MARGIN_X, HEADER_Y - 4, PAGE_W - MARGIN_X, HEADER_Y - 4)
            footer = f"- {doc.page} -"
        else:
            canv.drawCentredString(PAGE_W / 2, HEADER_Y, header)
            footer = f"Page {doc.page}"
        canv.setFont("Helvetica", 8.5)
        canv.drawCentredString(PAGE_W / 2, FOOTER_Y, footer)
        canv.restoreState()

    return decorate


def _raster_canvas(images: dict[int, Image.Image]) -> type[Canvas]:
    """A Canvas that swaps the given pages' content for a full-page picture (the "scanned" pages).

    Replacing the page's drawing operators just before it is emitted keeps the layout of all other
    pages identical to the born-digital render and leaves no text objects on the replaced page.
    """

    class RasterPageCanvas(Canvas):
        def showPage(self) -> None:
            picture = images.get(self._pageNumber)
            if picture is not None:
                del self._code[:]
                self.drawImage(ImageReader(picture), 0, 0, width=PAGE_W, height=PAGE_H)
            super().showPage()

    return RasterPageCanvas


def _build_pdf(entry: DocEntry, blocks: Sequence[Block], canvasmaker: type[Canvas] = Canvas) -> bytes:
    """Lay out one document with platypus and return the PDF bytes."""
    title, body = build_flowables(blocks, entry.layout)
    out = io.BytesIO()
    doc = BaseDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=entry.title,
        author="blamine sample corpus (fictional text)",
        subject=f"{entry.type} {'-'.join(entry.countries)} {entry.year}",
        creator="blamine corpus/render.py",
        invariant=1,
    )
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body", showBoundary=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=_page_decorator(entry))])
    story: list[Flowable] = [title]
    if entry.layout == "twocol":
        story.append(Spacer(1, 4))
        story.append(HeadingAwareColumns(body, nCols=2, innerPadding=COLUMN_GAP, endSlack=0.1))
    elif entry.layout == "onecol":
        story.extend(body)
    else:
        raise ValueError(f"{entry.file}: unknown layout {entry.layout!r}")
    doc.build(story, canvasmaker=canvasmaker)
    return out.getvalue()


def rasterise_pages(pdf_bytes: bytes, pages: Sequence[int], dpi: int = IMAGE_DPI) -> dict[int, Image.Image]:
    """Render the given 1-based pages to grayscale bitmaps, as a scanner would produce them."""
    pdf = pdfium.PdfDocument(pdf_bytes)
    try:
        images: dict[int, Image.Image] = {}
        for number in pages:
            if not 1 <= number <= len(pdf):
                raise ValueError(f"image page {number} outside 1..{len(pdf)}")
            page = pdf[number - 1]
            bitmap = page.render(scale=dpi / 72, grayscale=True)
            images[number] = bitmap.to_pil().convert("L")
            bitmap.close()
            page.close()
        return images
    finally:
        pdf.close()


def render_document(entry: DocEntry, src_dir: Path = SRC_DIR, out_dir: Path = PDF_DIR) -> Path:
    """Render one indexed document to ``out_dir/<stem>.pdf`` and return the path."""
    blocks = parse_blocks(load_text(src_dir / entry.file))
    pdf_bytes = _build_pdf(entry, blocks)
    if entry.image_pages:
        # Second pass with the same story, so pagination is identical, but the listed pages are
        # replaced by pictures of their first-pass rendering.
        images = rasterise_pages(pdf_bytes, entry.image_pages)
        pdf_bytes = _build_pdf(entry, blocks, canvasmaker=_raster_canvas(images))
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{entry.stem}.pdf"
    target.write_bytes(pdf_bytes)
    return target


def render_all(src_dir: Path = SRC_DIR, out_dir: Path = PDF_DIR, stems: Sequence[str] = ()) -> list[Path]:
    """Render every indexed document (or only ``stems``) and return the written paths."""
    entries = load_index(src_dir)
    if stems:
        known = {e.stem for e in entries}
        missing = sorted(set(stems) - known)
        if missing:
            raise SystemExit(f"not in {INDEX_NAME}: {', '.join(missing)}")
        entries = [e for e in entries if e.stem in stems]
    return [render_document(e, src_dir, out_dir) for e in entries]


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: ``python corpus/render.py [--src DIR] [--out DIR] [STEM ...]``."""
    parser = argparse.ArgumentParser(description="Render corpus/src/*.txt to corpus/pdfs/*.pdf")
    parser.add_argument("stems", nargs="*", help="only these document stems (default: all in the index)")
    parser.add_argument("--src", type=Path, default=SRC_DIR, help="directory with index.jsonl and texts")
    parser.add_argument("--out", type=Path, default=PDF_DIR, help="output directory for the PDFs")
    args = parser.parse_args(argv)
    for path in render_all(args.src, args.out, args.stems):
        pdf = pdfium.PdfDocument(path)
        pages = len(pdf)
        pdf.close()
        print(f"{path.name}: {pages} page(s), {path.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
