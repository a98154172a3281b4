"""Page geometry → clean reading-order text.

Both the text layer (pypdfium2 text rectangles) and OCR (tesseract line boxes) give positioned lines; this
module turns them into text the segmenter can trust: two-column pages read left column then right column,
running headers, footers and page numbers are dropped, and a vertical gap larger than the usual line pitch
becomes a blank line (a paragraph break). Coordinates are PDF points with y growing upwards.
"""

from __future__ import annotations

import itertools
import re
import statistics
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

MARGIN_BAND = 0.12
"""Share of the page height at the top and at the bottom where running headers and footers live."""

MERGE_GAP = 0.9
"""Pieces on one baseline closer than this many text heights are one line; farther apart (a column gutter
of a three-column gazette can be as narrow as 1.3 heights) they stay separate lines."""

PARAGRAPH_GAP = 1.45
"""A line pitch this many times the page's usual pitch marks a paragraph break."""

_HYPHENATED = re.compile(r"[^\W\d_]{2}-$")
_PAGE_NUMBER = re.compile(
    r"^[\W_]*(?:(?:page|p\.|seite|pagina|página|bladzijde|blz\.)\s*)?"
    r"(?:\d{1,4}|[ivxlc]{1,7})(?:\s*(?:/|of|sur|de|van|von|di)\s*\d{1,4})?[\W_]*$",
    re.IGNORECASE,
)


@dataclass
class Line:
    """A run of text on one baseline; ``column`` is 0 (left or only column), 1 (right) or -1 (spanning)."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    column: int = 0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def center(self) -> float:
        return (self.y0 + self.y1) / 2


def merge_pieces(pieces: list[Line]) -> list[Line]:
    """Join text pieces on the same baseline that sit close together into one line.

    PDF producers split a line into several runs (font changes, justified spacing); pieces far apart on
    the same baseline (two columns, a header's left and right parts) stay separate lines.
    """
    lines: list[Line] = []
    for piece in sorted(pieces, key=lambda p: (-round(p.center), p.x0)):
        last = lines[-1] if lines else None
        if (
            last is not None
            and abs(last.center - piece.center) < 0.5 * max(last.height, piece.height, 1.0)
            and 0 <= piece.x0 - last.x1 < MERGE_GAP * max(piece.height, 1.0)
        ):
            gap = "" if last.text.endswith(" ") or piece.text.startswith(" ") else " "
            lines[-1] = Line(
                last.x0,
                min(last.y0, piece.y0),
                piece.x1,
                max(last.y1, piece.y1),
                last.text + gap + piece.text,
            )
        else:
            lines.append(piece)
    return [Line(ln.x0, ln.y0, ln.x1, ln.y1, normalise_text(ln.text)) for ln in lines if ln.text.strip()]


_MARKER = re.compile(
    r"^(?:\(?\d{1,3}[a-z]?[.)]?|\(?(?:[a-z]{1,4}|[A-Z])[.)]|\((?:[a-z]{1,4}|[A-Z])\)|[-–—•·*])$"
)
MARKER_GAP = 6.0
"""How far (in line heights) a hanging paragraph number may sit left of its text and still be joined."""


def attach_markers(lines: list[Line]) -> list[Line]:
    """Join a paragraph marker standing alone ("11.", "(b)", "•") to the text line level with it on its right.

    A hanging indent leaves a wide gap between the number and its text; OCR engines then report the
    number as a line of its own, often a little lower than the text, so it would be read after it.
    """
    markers = [ln for ln in lines if _MARKER.match(ln.text.strip())]
    if not markers:
        return lines
    joined: dict[int, Line] = {}
    used: set[int] = set()
    for marker in markers:
        level = [
            (ln.x0 - marker.x1, k)
            for k, ln in enumerate(lines)
            if ln is not marker
            and not _MARKER.match(ln.text.strip())
            and 0 <= ln.x0 - marker.x1 < MARKER_GAP * max(marker.height, 1.0)
            and abs(ln.center - marker.center) < 0.6 * max(ln.height, marker.height, 1.0)
        ]
        if not level:
            continue
        _, k = min(level)
        if k in joined:
            continue
        target = lines[k]
        joined[k] = Line(
            marker.x0,
            min(marker.y0, target.y0),
            target.x1,
            max(marker.y1, target.y1),
            f"{marker.text.strip()} {target.text}",
        )
        used.add(id(marker))
    return [joined.get(k, ln) for k, ln in enumerate(lines) if id(ln) not in used]


def normalise_text(text: str) -> str:
    """NFKC (ligatures such as "ﬁ", full-width and presentation forms), collapsed spaces, and doubled
    fake-bold glyphs ("AArrttiiccllee" → "Article") undone when most words of the line show them."""
    text = " ".join(unicodedata.normalize("NFKC", text).split())
    words = text.split(" ")
    doubled = [w for w in words if len(w) % 2 == 0 and w[0::2] == w[1::2]]
    if words and len(doubled) >= 0.6 * len(words) and any(len(w) >= 6 for w in doubled):
        text = " ".join(w[0::2] if w in doubled else w for w in words)
    return text


def in_margin(line: Line, page_height: float) -> bool:
    """Whether a line lies in the top or bottom band where running headers and footers are printed."""
    band = MARGIN_BAND * page_height
    return line.y0 >= page_height - band or line.y1 <= band


def _margin_key(line: Line) -> tuple[str, int, int]:
    """What makes two margin lines 'the same' header: text with digits masked, font size and position.

    Running headers sit at the same height on every page; the position keeps an article heading that
    happens to fall at the foot of several pages ("Article #") from being taken for one.
    """
    text = re.sub(r"\d+", "#", line.text.lower())
    return (re.sub(r"\s+", " ", text).strip(), round(line.height), round(line.y0 / 4))


def _numbers_run_with_pages(numbers_by_page: dict[int, tuple[int, ...]]) -> bool:
    """Whether the numbers in a repeated margin line behave like a running header's: each number stays the
    same on every page ("No. 1178") or moves with the page ("Page 3", "- 4 -"). "Article 3" at the foot of
    page 1 and "Article 6" at the foot of page 2 are two headings, not one header."""
    pages = sorted(numbers_by_page)
    if len({len(numbers_by_page[p]) for p in pages}) != 1:
        return False
    for values in zip(*(numbers_by_page[p] for p in pages), strict=True):
        constant = len(set(values)) == 1
        with_page = len({value - page for value, page in zip(values, pages, strict=True)}) == 1
        if not (constant or with_page):
            return False
    return True


def drop_running_lines(
    pages: list[list[Line]], heights: list[float]
) -> tuple[list[list[Line]], list[list[str]]]:
    """Remove page numbers and headers/footers repeated on at least half of the pages (and at least two).

    Returns the kept lines per page and, for provenance, the removed lines' texts per page. A title on
    page 1 survives even when the running header repeats its words, because the header is printed in a
    different size.
    """
    numbers: dict[tuple[str, int, int], dict[int, tuple[int, ...]]] = {}
    for page, (lines, height) in enumerate(zip(pages, heights, strict=True)):
        if any(not in_margin(ln, height) for ln in lines):  # a page of nothing but one line has no header
            for ln in lines:
                if in_margin(ln, height):
                    numbers.setdefault(_margin_key(ln), {})[page] = tuple(
                        map(int, re.findall(r"\d+", ln.text))
                    )
    threshold = max(2, (len(pages) + 1) // 2)
    repeated = {
        key for key, seen in numbers.items() if len(seen) >= threshold and _numbers_run_with_pages(seen)
    }
    kept: list[list[Line]] = []
    removed: list[list[str]] = []
    for lines, height in zip(pages, heights, strict=True):
        page_kept, page_removed = [], []
        has_body = any(not in_margin(ln, height) for ln in lines)
        for ln in lines:
            running = (
                has_body
                and in_margin(ln, height)
                and (_PAGE_NUMBER.match(ln.text) is not None or _margin_key(ln) in repeated)
            )
            (page_removed if running else page_kept).append(ln.text if running else ln)
        kept.append(page_kept)
        removed.append(page_removed)
    return kept, removed


def find_gutter(lines: list[Line], x_from: float, x_to: float) -> float | None:
    """The x of a gap between text columns within ``[x_from, x_to]``, or ``None`` for a single column.

    A gutter is an x in the middle 60 % of the span that almost no line crosses while enough lines sit
    entirely on each side of it.
    """
    if len(lines) < 8:
        return None
    span = x_to - x_from
    x0 = np.array([ln.x0 for ln in lines])[:, None]
    x1 = np.array([ln.x1 for ln in lines])[:, None]
    candidates = np.arange(x_from + 0.2 * span, x_to - 0.2 * span + 1e-9, 2.0)
    if not len(candidates):
        return None
    crossings = ((x0 < candidates) & (candidates < x1)).sum(axis=0)
    best = int(np.argmin(crossings))
    crossing, gutter = int(crossings[best]), float(candidates[best])
    left = sum(1 for ln in lines if ln.x1 <= gutter)
    right = sum(1 for ln in lines if ln.x0 >= gutter)
    if crossing <= 0.1 * len(lines) and min(left, right) >= max(3, 0.15 * len(lines)):
        return gutter
    return None


def reading_order(lines: list[Line], page_width: float) -> list[Line]:
    """Lines in reading order: top to bottom, and where the page is set in columns (two, three …),
    column by column from the left. A line that spans a gutter (a title, a heading across the columns)
    closes the columns above it. Sets each line's ``column`` (-1 for spanning lines)."""
    return _order(lines, 0.0, page_width, itertools.count())


def _order(lines: list[Line], x_from: float, x_to: float, columns: Iterator[int]) -> list[Line]:
    top_down = sorted(lines, key=lambda ln: (-ln.y1, ln.x0))
    gutter = find_gutter(lines, x_from, x_to)
    if gutter is None:
        column = next(columns)
        for ln in top_down:
            ln.column = column
        return top_down
    ordered: list[Line] = []
    left: list[Line] = []
    right: list[Line] = []
    margin = 0.1 * (x_to - x_from)  # a line reaching this little over the gutter still belongs to one column
    for ln in top_down:
        if ln.x1 <= gutter + margin and gutter - ln.x0 >= ln.x1 - gutter:
            left.append(ln)
        elif ln.x0 >= gutter - margin and ln.x1 - gutter > gutter - ln.x0:
            right.append(ln)
        else:
            ordered += _order(left, x_from, gutter, columns) + _order(right, gutter, x_to, columns)
            left, right = [], []
            ln.column = -1
            ordered.append(ln)
    return ordered + _order(left, x_from, gutter, columns) + _order(right, gutter, x_to, columns)


def lines_to_text(lines: list[Line]) -> str:
    """Join ordered lines with newlines, and with a blank line where the vertical gap says 'new paragraph'.

    A word hyphenated across a line break inside a paragraph is rejoined ("recruit-" + "ment" →
    "recruitment"); a compound broken at its own hyphen keeps it ("main-" + "d'oeuvre" → "main-d'oeuvre").
    """
    if not lines:
        return ""
    pitches = [
        prev.center - cur.center
        for prev, cur in zip(lines, lines[1:], strict=False)
        if prev.column == cur.column and prev.center - cur.center > 0.5 * max(cur.height, 1.0)
    ]
    usual = statistics.median(pitches) if pitches else None
    parts = [lines[0].text]
    for prev, cur in zip(lines, lines[1:], strict=False):
        pitch = prev.center - cur.center
        new_paragraph = prev.column != cur.column and -1 in (prev.column, cur.column)
        if usual is not None and prev.column == cur.column and pitch > PARAGRAPH_GAP * usual:
            new_paragraph = True
        text = cur.text
        if not new_paragraph and _HYPHENATED.search(parts[-1]) and text[:1].islower():
            first, _, rest = text.partition(" ")
            parts[-1] = parts[-1][:-1] + first if not re.search(r"['’\-]", first) else parts[-1] + first
            if not rest:
                continue
            text = rest
        parts.append("\n\n" if new_paragraph else "\n")
        parts.append(text)
    return "".join(parts)


def join_pages(texts: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """Concatenate page texts; returns the text and each page's (start, end) offsets in it.

    A page break inside a sentence (previous page ends without closing punctuation, or the next starts in
    lower case) is joined with a newline so the paragraph stays whole; otherwise with a blank line.
    """
    text = ""
    spans: list[tuple[int, int]] = []
    for page_text in texts:
        if text and page_text:
            continues = not re.search(r"[.:;!?)\]]\s*$", text) or page_text[:1].islower()
            text += "\n" if continues else "\n\n"
        start = len(text)
        text += page_text
        spans.append((start, len(text)))
    return text, spans
