"""Document text → clause tree: title, preamble, headings, articles, paragraphs, items, annexes, signature.

A line-based grammar rather than a learned model: agreement structure is signalled by a small set of
printed markers ("Article 5", "Artikel 12bis", "Article premier", "1.", "(a)", "ANNEX") that are stable across
eras and languages, and every decision stays explainable. Each clause spans its whole extent (an article
includes its paragraphs, a paragraph its items), with character offsets into ``Document.text`` and pages.

The *units* a classifier should label mirror how agreements are cited and annotated: an article without
numbered paragraphs, each numbered paragraph (with its lettered items), each preamble recital, and the
articles of annexes (:func:`classification_units`).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from .markers import (
    ANNEX_DESIGNATOR_RE,
    ANNEX_RE,
    ARTICLE_RE,
    CHAPTER_RE,
    CLOSING_RE,
    CONTENTS_ENTRY_RE,
    CONTENTS_HEADING_RE,
    DECIMAL_RE,
    INLINE_BREAK_RES,
    INSTRUMENT_RE,
    ITEM_RE,
    LETTER_NUMBER_RE,
    LETTER_POINT_RE,
    PAGE_NUMBER_AT_END_RE,
    PARAGRAPH_RE,
    PLACE_DATE_SIGNATURE_RE,
    RECITAL_RE,
    ROMAN_ITEMS,
    SALUTATION_ANYWHERE_RE,
    SALUTATION_RE,
    SECTION_RE,
    SIGNATURE_RE,
    SIGNED_RE,
    YEAR_AT_END_RE,
)
from .metadata import detect_language
from .model import Clause, ClauseKind, Document

TITLE_MAX_WORDS = 40
HEADING_MAX_WORDS = 10


@dataclass(slots=True)
class _Line:
    start: int
    end: int
    text: str
    after_blank: bool


@dataclass
class _Unit:
    kind: ClauseKind
    start: int
    end: int
    parent: int | None = None
    article: str | None = None
    number: str | None = None
    heading: str | None = None
    in_annex: bool = False
    last_child_number: int | None = None
    last_item: str | None = None
    last_letter: str | None = None
    has_body: bool = False
    lettered_paragraphs: bool = False
    children: list[int] = field(default_factory=list)


def _lines(text: str) -> list[_Line]:
    """Non-blank lines with offsets (stripped of surrounding spaces) and whether a blank line precedes.

    A line that holds the end of one unit and the start of the next (a note's courtesy formula run on
    after its last point, see :data:`~pipeline.markers.INLINE_BREAK_RES`) is cut in two there.
    """
    breaks = sorted({m.end() for pattern in INLINE_BREAK_RES for m in pattern.finditer(text)})
    lines: list[_Line] = []
    blank = True
    offset = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            start = offset + len(raw) - len(raw.lstrip())
            end = start + len(stripped)
            cuts = breaks[bisect_right(breaks, start) : bisect_left(breaks, end)]
            for piece_start, piece_end in zip([start, *cuts], [*cuts, end], strict=True):
                piece = text[piece_start:piece_end].rstrip()
                lines.append(
                    _Line(piece_start, piece_start + len(piece), piece, blank and piece_start == start)
                )
        blank = not stripped
        offset += len(raw) + 1
    return lines


def _is_letterhead(line: _Line) -> bool:
    """A ministry or embassy letterhead line ("MINISTÈRE DES AFFAIRES ÉTRANGÈRES") or a reference code."""
    letters = [c for c in line.text if c.isalpha()]
    capitals = bool(letters) and sum(c.isupper() for c in letters) >= 0.8 * len(letters)
    code = any(c.isdigit() for c in line.text) and not any(c.islower() for c in line.text)
    structural = any(
        pattern.match(line.text)
        for pattern in (LETTER_NUMBER_RE, ANNEX_RE, CHAPTER_RE, ARTICLE_RE, SIGNATURE_RE)
    )
    short = len(line.text.split()) <= 8 and not re.search(r"[,;:]$", line.text)
    return short and (capitals or code) and not structural


def _contents_lines(lines: list[_Line]) -> set[int]:
    """Indices of a table of contents: its heading and entries ending in a page number ("Article 5 ..... 3").

    Entries with dot leaders count anywhere; after a "Contents" heading, any line ending in a page number
    does, up to the first line that does not.
    """
    found: set[int] = set()
    in_contents = False
    for k, line in enumerate(lines):
        if CONTENTS_HEADING_RE.match(line.text):
            in_contents = True
            found.add(k)
            continue
        # Both patterns end in a digit (``\d``: a decimal), and searching for an end-anchored pattern tries
        # every position of the line: most lines are ruled out by their last character.
        ends_in_digit = line.text[-1:].isdecimal()
        entry = ends_in_digit and CONTENTS_ENTRY_RE.search(line.text) is not None
        numbered = (
            ends_in_digit
            and PAGE_NUMBER_AT_END_RE.search(line.text) is not None
            and len(line.text.split()) >= 3
        )
        if entry or (in_contents and numbered):
            found.add(k)
        else:
            in_contents = False
    return found


def _form_numbers(lines: list[_Line]) -> set[int]:
    """Starts of bare numbers stacked on consecutive lines ("1." / "2." / "3."): the blank rows of a form to
    fill in, not numbered points."""
    bare = [bool(PARAGRAPH_RE.fullmatch(line.text.strip() + " ")) for line in lines]
    return {
        line.start
        for k, line in enumerate(lines)
        if bare[k] and ((k > 0 and bare[k - 1]) or (k + 1 < len(lines) and bare[k + 1]))
    }


def _is_sender(line: _Line) -> bool:
    """A short unpunctuated line naming the sender above a note's date ("Légation des Pays-Bas No. 1277")."""
    words = line.text.split()
    structural = (
        LETTER_NUMBER_RE.match(line.text) or ANNEX_RE.match(line.text) or SIGNATURE_RE.match(line.text)
    )
    return (
        len(words) <= 8 and words[0][0].isupper() and not re.search(r"[.,;:]$", line.text) and not structural
    )


def _note_starts(lines: list[_Line], text: str) -> tuple[dict[int, int], set[int]]:
    """Where diplomatic notes start: {first line: line holding the salutation}, and the "Nr. I" lines above.

    A note starts with a salutation ("Monsieur le Ministre,", "Excellency,") at the start of a line or right
    after a date ("Luxembourg, le 25 août 1950. Monsieur le Ministre,"); letterhead lines and a date line
    just above belong to it. The salutation may wrap onto the next line.

    Searching every line's window costs more than the rest of the segmenter, and most texts hold no
    salutation: one scan of ``text`` gives the spans where any salutation stands, and only windows that
    overlap one of them are searched. (The lines are stripped slices of ``text`` and a window joins two
    lines with a space where ``text`` has a run of whitespace; the pattern takes either in ``\\s+``.)
    """
    spans = [(m.start(), m.end()) for m in SALUTATION_ANYWHERE_RE.finditer(text)]
    span_ends = [end for _, end in spans]
    starts: dict[int, int] = {}
    letter_numbers: set[int] = set()
    index = 0
    while index < len(lines):
        line = lines[index]
        following = lines[index + 1] if index + 1 < len(lines) else None
        wrapped = following if following is not None and not following.after_blank else None
        nearest = bisect_right(span_ends, line.start)  # the first span ending after the line starts
        if nearest == len(spans) or spans[nearest][0] >= (wrapped or line).end:
            index += 1
            continue
        window = line.text if wrapped is None else f"{line.text} {wrapped.text}"
        match = SALUTATION_RE.search(window)
        if match is None or match.start() > len(line.text) + 1:
            index += 1
            continue
        prefix = window[: match.start()]
        above = lines[index - 1] if index > 0 else None
        if prefix.strip():
            dated = YEAR_AT_END_RE.search(prefix) is not None and len(prefix.split()) <= 20
        else:  # the line starts with the salutation: it must not be a word wrapped from running text
            dated = above is None or line.after_blank or re.search(r"[.;:!?]$|\d", above.text) is not None
        if not dated:
            index += 1
            continue
        first = index
        if not prefix.strip() and above is not None and YEAR_AT_END_RE.search(above.text):
            first -= 1  # "London, 5 March 1960" on its own line above "Sir,"
        while first > 0 and index - first < 6 and _is_letterhead(lines[first - 1]):
            first -= 1
        if first > 0 and _is_sender(lines[first - 1]):
            first -= 1
        if first > 0 and LETTER_NUMBER_RE.match(lines[first - 1].text):
            letter_numbers.add(first - 1)
        salutation_line = index + 1 if match.end() > len(line.text) + 1 else index
        if lines[salutation_line].text.strip() == match.group().strip():
            # "Sir," alone on its line: the opening formula is the paragraph that follows it.
            salutation_line += 1
            while salutation_line + 1 < len(lines) and not lines[salutation_line + 1].after_blank:
                salutation_line += 1
        starts[first] = min(salutation_line, len(lines) - 1)
        index = starts[first] + 1
    return starts, letter_numbers


def _paragraph_number(match: re.Match[str]) -> int:
    return int(match.group("paren") or match.group("num") or match.group("sect"))


def _article_value(number: str) -> int | None:
    """The numeric value of a printed article number ("12", "XII", "premier"), None if it has none."""
    number = number.strip()
    if number.lower() in ("premier", "primero", "primeiro", "erster"):
        return 1
    if digits := re.match(r"\d+", number):
        return int(digits.group())
    if re.fullmatch(r"[IVXLC]+", number):
        values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
        total = 0
        for current, following in zip(number, [*number[1:], ""], strict=True):
            value = values[current]
            total += -value if following and values[following] > value else value
        return total
    return None


def _item_follows(previous: str | None, label: str) -> bool:
    """Whether lettered/roman item ``label`` can follow ``previous`` in the same list."""
    if previous is None:
        return label in ("a", "i")
    if label in ROMAN_ITEMS and previous in ROMAN_ITEMS:
        if ROMAN_ITEMS.index(label) == ROMAN_ITEMS.index(previous) + 1:
            return True
    return len(label) == 1 and len(previous) == 1 and ord(label) == ord(previous) + 1


class _Segmenter:
    """State machine over lines; see the module docstring for the grammar."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = _lines(text)
        self.units: list[_Unit] = []
        self.zone = "front"  # front → body → signature; "annex" after an annex heading
        self.annex: int | None = None
        self.article: int | None = None
        self.paragraph: int | None = None
        self.item: int | None = None
        self.current: int | None = None
        self.pending_heading: int | None = None
        self.last_point: int | None = None
        self.article_is_point = False
        self.note_starts, self.letter_numbers = _note_starts(self.lines, text)
        self.last_article_value: dict[int | None, int] = {}  # per container
        self.last_front_letter: str | None = None
        self.form_numbers = _form_numbers(self.lines)
        self.contents = _contents_lines(self.lines)
        self.title_unit: int | None = None
        self.note: int | None = None
        self.note_phase = ""  # "opening" → "content" → "closing"
        self.opening_until = -1
        self.has_articles = any(ARTICLE_RE.match(ln.text) for ln in self.lines)
        self.sections_are_articles = not self.has_articles and any(
            SECTION_RE.match(ln.text) for ln in self.lines
        )
        widths = sorted(len(ln.text) for ln in self.lines)
        self.usual_width = widths[len(widths) * 3 // 4] if widths else 80
        self.headed_articles = self._headed_articles()

    def _headed_articles(self) -> set[int]:
        """Lines that head unnumbered articles ("Wages" over its text), in a text with no other structure.

        Some contracts and MOUs have no article numbers at all: each provision sits under a short heading.
        Only when neither article headings nor numbered points exist, and at least three such headings do.
        """
        numbered = sum(1 for ln in self.lines if PARAGRAPH_RE.match(ln.text) or DECIMAL_RE.match(ln.text))
        if self.has_articles or self.sections_are_articles or numbered >= 2 or self.note_starts:
            return set()
        found = set()
        for k in range(1, len(self.lines) - 1):
            line, following = self.lines[k], self.lines[k + 1]
            body = len(following.text.split()) > HEADING_MAX_WORDS or re.search(r"[.;:]$", following.text)
            if (
                line.after_blank
                and self._is_short_heading(line)
                and body
                and not SIGNATURE_RE.match(line.text)
            ):
                found.add(k)
        return found if len(found) >= 3 else set()

    # -- building blocks -------------------------------------------------------------------------
    def _open(
        self,
        kind: ClauseKind,
        line: _Line,
        parent: int | None,
        *,
        article: str | None = None,
        number: str | None = None,
        heading: str | None = None,
    ) -> int:
        """Start a unit at ``line`` and make it the one later lines extend."""
        in_annex = self.annex is not None or self.note is not None
        unit = _Unit(kind, line.start, line.end, parent, article, number, heading, in_annex=in_annex)
        self.units.append(unit)
        index = len(self.units) - 1
        if parent is not None:
            self.units[parent].children.append(index)
        self.current = index
        return index

    def _extend(self, line: _Line) -> None:
        if self.current is not None:
            self.units[self.current].end = line.end

    def _is_short_heading(self, line: _Line, *, any_width: bool = False) -> bool:
        """A few capitalised words without closing punctuation, on a line shorter than running text (unless
        ``any_width``: a heading fills a narrow column)."""
        words = line.text.split()
        return (
            0 < len(words) <= HEADING_MAX_WORDS
            and (any_width or len(line.text) < 0.7 * self.usual_width)
            and not line.text.endswith((",", ";", ".", ":", "—", "–", "-"))
            and not line.text[0].islower()
        )

    def _continues_heading(self, index: int, line: _Line, owner: _Unit) -> bool:
        """Whether ``line`` is (more of) the heading of the article or annex just opened.

        Under "Article 5" one short line is the article's heading ("Wages"). An annex title may run over
        several lines: a first line of any length when the title ends where the first article starts, then
        lines in capitals or the wrapped rest of a long line."""
        if self._marker(line.text):
            return False
        if owner.kind != "annex":
            return not line.after_blank and self._is_short_heading(line)
        previous = self.lines[index - 1]
        if previous.start == owner.start:
            return self._is_short_heading(line) or self._title_runs_to_article(index)
        wrapped = len(previous.text) >= 0.8 * self.usual_width and not re.search(r"[.;:]$", previous.text)
        return self._title_like(line) or wrapped or self._title_runs_to_article(index)

    def _title_runs_to_article(self, index: int, max_lines: int = 6) -> bool:
        """Whether the lines from ``index`` are unpunctuated title lines up to an article or chapter."""
        for offset, line in enumerate(self.lines[index : index + max_lines + 1]):
            if ARTICLE_RE.match(line.text) or CHAPTER_RE.match(line.text):
                return offset > 0
            if re.search(r"[.;:]$", line.text):
                return False
        return False

    def _is_annex_heading(self, index: int, line: _Line) -> bool:
        """ "ANNEX I", "Annexe — Contrat type", "PROTOCOL": short, or printed in capitals; not a sentence that
        merely starts with the word ("Annex I applies to …")."""
        words = line.text.split()
        if words[0].isupper() and len(words) <= 4:
            return True
        previous = self.lines[index - 1].text if index > 0 else ""
        if words[0].isupper() and ANNEX_DESIGNATOR_RE.match(line.text) and re.search(r"[.;:]$", previous):
            return True
        return line.after_blank and len(words) <= 12 and (words[0].isupper() or self._is_short_heading(line))

    def _next_starts_article(self, index: int) -> bool:
        following = self.lines[index + 1] if index + 1 < len(self.lines) else None
        return following is not None and bool(
            ARTICLE_RE.match(following.text) or CHAPTER_RE.match(following.text)
        )

    def _container(self) -> int | None:
        """The unit that holds top-level structure here: the current note, else the current annex."""
        return self.note if self.note is not None else self.annex

    def _reset_structure(self) -> None:
        self.article = self.paragraph = self.item = None
        self.article_is_point = False

    # -- the grammar -----------------------------------------------------------------------------
    def run(self) -> list[_Unit]:
        for index, line in enumerate(self.lines):
            self._feed(index, line)
        self._close_extents()
        return self.units

    def _feed(self, index: int, line: _Line) -> None:
        text = line.text
        if index in self.note_starts:
            self._start_note(line, self.note_starts[index])
            return
        if index in self.letter_numbers:
            self._start_annex(line)
            self.pending_heading = None
            return
        if index in self.contents:
            current = self.units[self.current] if self.current is not None else None
            if (
                current is not None
                and current.heading == "Contents"
                and not line.after_blank
                or index - 1 in self.contents
            ):
                self._extend(line)
            else:
                self._open("other", line, self._container(), heading="Contents")
            return
        if self.pending_heading is not None:
            owner_index, self.pending_heading = self.pending_heading, None
            owner = self.units[owner_index]
            if self._continues_heading(index, line, owner):
                in_annex_title = owner.kind == "annex"
                owner.heading = f"{owner.heading} {text}" if in_annex_title else text
                if in_annex_title:
                    self.pending_heading = owner_index
                self._extend(line)
                return
        if ANNEX_RE.match(text) and self._is_annex_heading(index, line):
            self._start_annex(line)
        elif article := self._article_match(index, line):
            self._start_article(line, article)
        elif CHAPTER_RE.match(text) and len(text.split()) <= 14:
            self._start_heading(line)
        elif self.note is not None and self._feed_note(index, line):
            pass
        elif self.zone == "signature" and self.annex is None and self._starts_next_instrument(line):
            self._start_next_part(line)
        elif index in self.headed_articles and self.zone != "signature":
            self._reset_structure()
            self.zone = "body" if self.annex is None else self.zone
            self.article = self._open("article", line, self._container(), heading=text)
        elif PLACE_DATE_SIGNATURE_RE.match(text) or (
            SIGNATURE_RE.match(text) and self.zone != "front" and (line.after_blank or self.item is None)
        ):
            self._start_signature(line)
        elif (decimal := DECIMAL_RE.match(text)) and self._start_subclause(line, decimal):
            pass
        elif (paragraph := PARAGRAPH_RE.match(text)) and self._start_paragraph(line, paragraph):
            pass
        elif (item := ITEM_RE.match(text)) and self._start_item(
            line, item.group("paren") or item.group("bare")
        ):
            pass
        elif (
            self.units
            and (line.after_blank or self.lines[index - 1].text.endswith((".", ":", ";")))
            and self._is_short_heading(line, any_width=True)
            and self._next_starts_article(index)
        ):
            self._start_heading(line)
        else:
            self._continue(line, index)

    def _article_match(self, index: int, line: _Line) -> re.Match[str] | None:
        text = line.text
        match = ARTICLE_RE.match(text)
        if match is None and self.sections_are_articles:
            match = SECTION_RE.match(text)
        if match is None:
            return None
        # A reference in running text that a line break put at the start of a line ("Article 5 of the
        # Convention applies…", "Article 2, shall regulate…") is not a heading: after the number a heading
        # line has nothing, a separator, or a capitalised title.
        after = re.sub(r"^[—–\-:.)]+\s*", "", match.group("rest"))
        if after and not (after[0].isupper() or after[0].isdigit() or after[0] in "(«\"'“„"):
            return None
        # "… in virtue of the provisions of / Article 8." ends a sentence: the line before runs on and the
        # number is not the next article's.
        previous = self.lines[index - 1].text if index > 0 else ""
        value = _article_value(match.group("num"))
        last = self.last_article_value.get(self._container())
        runs_on = not line.after_blank and re.search(r"[a-zà-ÿ,]$", previous) is not None
        if runs_on and value is not None and last is not None and value != last + 1:
            return None
        return match

    @staticmethod
    def _marker(text: str) -> bool:
        return bool(ARTICLE_RE.match(text) or PARAGRAPH_RE.match(text) or ANNEX_RE.match(text))

    def _start_annex(self, line: _Line) -> None:
        self._reset_structure()
        self.note = None
        self.annex = self._open("annex", line, None, heading=line.text)
        self.units[self.annex].in_annex = True  # opened before self.annex pointed at it
        self.zone = "annex"
        self.pending_heading = self.annex

    def _start_article(self, line: _Line, match: re.Match[str]) -> None:
        if self.zone in ("front", "body", "signature"):
            self.zone = "body" if self.annex is None else "annex"
        self._reset_structure()
        rest = match.group("rest").strip()
        heading = re.sub(r"^[—–\-:.)\s]+", "", rest) or None
        body_on_same_line = heading is not None and (
            len(heading.split()) > HEADING_MAX_WORDS or heading.endswith((".", ":"))
        )
        number = " ".join(match.group("num").split())
        value = _article_value(number)
        if value is not None:
            self.last_article_value[self._container()] = value
        self.article = self._open(
            "article",
            line,
            self._container(),
            article=number,
            heading=None if body_on_same_line else heading,
        )
        self.units[self.article].has_body = body_on_same_line
        if heading is None:
            self.pending_heading = self.article

    def _start_signature(self, line: _Line) -> None:
        """Open the signature block; its later lines ("For the Government of …") stay in the same block."""
        current = self.units[self.current] if self.current is not None else None
        if current is not None and current.kind == "signature":
            self._extend(line)
            return
        self._reset_structure()
        self._open("signature", line, self._container())
        if self.annex is None:
            self.zone = "signature"

    def _start_heading(self, line: _Line) -> None:
        if self.zone == "front":
            self.zone = "body"
        self._reset_structure()
        self._open("heading", line, self._container(), heading=line.text)

    def _start_subclause(self, line: _Line, match: re.Match[str]) -> bool:
        """ "2.1", "2.2" under article or point 2: its numbered paragraphs, in sequence."""
        if self.article is None:
            return False
        owner = self.units[self.article]
        minor = int(match.group("minor"))
        if _article_value(owner.article or "") != int(match.group("major")):
            return False
        if minor != (owner.last_child_number or 0) + 1:
            return False
        owner.last_child_number = minor
        self.item = None
        number = line.text.split()[0]
        self.paragraph = self._open("paragraph", line, self.article, article=owner.article, number=number)
        return True

    def _start_paragraph(self, line: _Line, match: re.Match[str]) -> bool:
        """A numbered paragraph inside an article, or a numbered point acting as an article where none exist.

        Numbers must run in sequence (1, 2, 3 …; "3b" may follow 3), which keeps a wrapped line that happens
        to start with a number from opening a paragraph.
        """
        if line.start in self.form_numbers:
            return False
        number = _paragraph_number(match)
        suffix = match.group("suffix") or ""
        label = line.text.split()[0]
        if self.article is not None and not self.article_is_point:
            owner = self.units[self.article]
            if suffix or number != (owner.last_child_number or 0) + 1:
                return False
            owner.last_child_number = number
            self.item = None
            self.paragraph = self._open("paragraph", line, self.article, article=owner.article, number=label)
            return True
        container = self._container()
        if self.has_articles and container is None:
            return False
        # Numbered points are the top-level structure (standard contracts, notes, annexes without articles).
        scope = self.units[container] if container is not None else None
        last = scope.last_child_number if scope is not None else self.last_point
        if not (number == (last or 0) + 1 and not suffix or number == last and suffix):
            return False
        if scope is not None:
            scope.last_child_number = number
        else:
            self.last_point = number
        if self.zone in ("front", "signature"):
            self.zone = "body"
        self.paragraph = self.item = None
        self.article = self._open("article", line, container, article=f"{number}{suffix}", number=label)
        self.article_is_point = True
        rest = PARAGRAPH_RE.sub("", line.text, count=1).strip()
        if self._is_short_heading(_Line(line.start, line.end, rest or "x", False)) and rest:
            self.units[self.article].heading = rest.rstrip(":")
        return True

    def _start_note(self, line: _Line, salutation_line: int) -> None:
        """Open a diplomatic note: its opening formula runs at least to the salutation."""
        annex = self.units[self.annex] if self.annex is not None else None
        if annex is not None and any(self.units[child].kind != "note" for child in annex.children):
            self.annex = None  # a note after an annex's articles stands on its own
        self._reset_structure()
        self.note = None
        self.note = self._open("note", line, self.annex)
        self.units[self.note].in_annex = True
        self.note_phase = "opening"
        self.opening_until = salutation_line
        if self.zone in ("front", "body", "signature"):
            self.zone = "annex"

    def _feed_note(self, index: int, line: _Line) -> bool:
        """The grammar inside a note: opening formula, then the agreed points (numbered, lettered or plain
        paragraphs), then the closing courtesy formula. Returns False for lines the general grammar handles
        (lettered items, continuation lines)."""
        note = self.note
        assert note is not None
        if self.note_phase == "closing" or index <= self.opening_until:
            self._extend(line)
            return True
        if self._start_note_point(line):
            self.note_phase = "content"
            return True
        signed = SIGNED_RE.match(line.text) is not None
        if self.note_phase == "opening":
            if signed:
                self._extend(line)  # a note without points: its signature ends the one formula
            elif line.after_blank or self.lines[index - 1].text.endswith(":"):
                self.note_phase = "content"
                self._open("paragraph", line, note)
            else:
                self._extend(line)
            return True
        if signed or CLOSING_RE.match(self.text, line.start):
            self._reset_structure()
            self._open("note", line, note, number="closing")
            self.note_phase = "closing"
            return True
        if line.after_blank and self.article is None and self.item is None:
            self._open("paragraph", line, note)
            return True
        return False

    def _start_note_point(self, line: _Line) -> bool:
        """A numbered ("1.", "2)—") or capital-lettered ("A.", "B.") point of a note."""
        if (numbered := PARAGRAPH_RE.match(line.text)) and self._start_paragraph(line, numbered):
            return True
        lettered = LETTER_POINT_RE.match(line.text)
        if lettered is None or self.note is None:
            return False
        note = self.units[self.note]
        letter = lettered.group("paren") or lettered.group("bare")
        previous = note.last_letter
        if not (letter == "A" if previous is None else ord(letter) == ord(previous) + 1):
            return False
        note.last_letter = letter
        self.paragraph = self.item = None
        self.article = self._open("article", line, self.note, article=letter, number=line.text.split()[0])
        self.article_is_point = True
        return True

    def _start_item(self, line: _Line, label: str) -> bool:
        """A lettered or roman item of the open paragraph (or article); or, when the letters come right under
        an article heading with no lead-in ("Article 12 / (a). … / (b). …"), the article's paragraphs."""
        article = self.units[self.article] if self.article is not None and not self.article_is_point else None
        if article is not None and (
            article.lettered_paragraphs
            or (self.paragraph is None and not article.has_body and not article.children)
        ):
            if not _item_follows(article.last_item, label):
                return False
            article.lettered_paragraphs = True
            article.last_item = label
            self.item = None
            number = line.text.split()[0]
            self.paragraph = self._open(
                "paragraph", line, self.article, article=article.article, number=number
            )
            return True
        owner_index = self._nested_list_owner(label)
        if owner_index is None:
            owner_index = self.paragraph if self.paragraph is not None else self.article
        if owner_index is None:
            return False
        owner = self.units[owner_index]
        if not _item_follows(owner.last_item, label):
            return False
        owner.last_item = label
        number = line.text.split()[0]
        self.item = self._open("item", line, owner_index, article=owner.article, number=number)
        return True

    def _nested_list_owner(self, label: str) -> int | None:
        """The lettered item owning a roman sub-list: "(i)" right under "(a) …:", then "(ii)" after "(i)"."""
        if self.item is None:
            return None
        current = self.units[self.item]
        parent = current.parent
        if parent is not None and self.units[parent].kind == "item":
            return parent if _item_follows(self.units[parent].last_item, label) else None
        own_label = re.sub(r"\W", "", current.number or "")
        starts_roman = label == "i" and current.last_item is None and own_label != "h"
        return self.item if starts_roman else None

    def _start_next_part(self, line: _Line) -> None:
        """After the signatures, a title starts the next part: the text in its other language, or a second
        instrument printed after the first. Its front matter and articles follow as for the first."""
        self._reset_structure()
        self.zone = "front"
        self.last_article_value.pop(None, None)
        self.title_unit = self._open("title", line, None)

    def _continue(self, line: _Line, index: int) -> None:
        if self.zone == "front":
            title = self.title_unit
            if title is None and self.current is None and len(line.text.split()) <= TITLE_MAX_WORDS:
                self.title_unit = self._open("title", line, None)
            elif (
                title is not None
                and self.current == title
                and (not line.after_blank or self._title_like(line))
                and not RECITAL_RE.match(line.text)
            ):
                self._extend(line)
            elif (
                line.after_blank
                or self.current is None
                or self._front_letter_point(line)
                or self._recital_starts(index, line)
            ):
                self._open("preamble", line, None)
            else:
                self._extend(line)
            return
        if line.after_blank and self.item is not None:
            # Text after a list closes the list and continues the paragraph (or article) that owns it.
            self.current = self.units[self.item].parent
            self.item = None
        container = self._container()
        current = self.units[self.current] if self.current is not None else None
        if container is not None and self.note is None and current is not None:
            # An annex's text without markers: its first paragraph under the title, then each paragraph.
            unnumbered = (
                current.kind == "paragraph" and current.number is None and current.parent == container
            )
            if self.current == container or (line.after_blank and unnumbered):
                self._open("paragraph", line, container)
                return
        if current is None:
            self._open("other", line, self.annex)
        else:
            if self.current == self.article:
                current.has_body = True
            self._extend(line)

    def _recital_starts(self, index: int, line: _Line) -> bool:
        """ "Considering …", "Overwegende …", "Have agreed as follows:" after an ended line: a new recital."""
        if RECITAL_RE.match(line.text) is None or not line.text[0].isupper() or index == 0:
            return False
        previous = self.lines[index - 1].text
        # A comma ends a recital only on a line that stops short; a full line wraps a run-in preamble.
        short = len(previous) < 0.8 * self.usual_width
        return re.search(r"[;:.]$", previous) is not None or (previous.endswith(",") and short)

    def _starts_next_instrument(self, line: _Line) -> bool:
        """A title line after the signatures: names an instrument early, reads as a title, not a sentence."""
        words = line.text.split()
        early = " ".join(words[:12])
        return (
            line.after_blank
            and not SIGNATURE_RE.match(line.text)
            and len(words) <= TITLE_MAX_WORDS
            and INSTRUMENT_RE.search(early) is not None
            and line.text[0].isupper()
            and not line.text.endswith((".", ";", ","))
        )

    def _front_letter_point(self, line: _Line) -> bool:
        """ "A. Employer:", "B. Worker:": the lettered parts of a contract's front page, each its own unit."""
        match = LETTER_POINT_RE.match(line.text)
        if match is None:
            return False
        letter = match.group("paren") or match.group("bare")
        previous = self.last_front_letter
        if not (letter == "A" if previous is None else ord(letter) == ord(previous) + 1):
            return False
        self.last_front_letter = letter
        return True

    def _title_like(self, line: _Line) -> bool:
        letters = [c for c in line.text if c.isalpha()]
        upper = bool(letters) and sum(c.isupper() for c in letters) > 0.8 * len(letters)
        return upper and len(line.text.split()) <= TITLE_MAX_WORDS

    def _close_extents(self) -> None:
        """A parent spans at least to the end of its last descendant."""
        for index in range(len(self.units) - 1, -1, -1):
            unit = self.units[index]
            for child in unit.children:
                unit.end = max(unit.end, self.units[child].end)


def _id_safe(number: str | None) -> str | None:
    """A printed number as an id fragment: ``"5(2)"`` → ``"52"``, ``"12 bis"`` → ``"12bis"``."""
    return re.sub(r"[^\w]", "", number or "") or None


def _slug(heading: str | None) -> str:
    """An id fragment from an unnumbered article's heading: "Hours of Work" → "hours-of-work"."""
    words = re.findall(
        r"[a-z0-9]+", unicodedata.normalize("NFKD", heading or "").encode("ascii", "ignore").decode().lower()
    )
    return "-".join(words[:4]) or "x"


def _clause_ids(units: list[_Unit], prefixes: dict[int, str]) -> list[str]:
    """Stable, readable ids from the structure: ``art-7``, ``art-7.2``, ``art-7.2.b``, ``annex-1.art-3``;
    top-level units of a later part carry its prefix (``de.art-7`` in a Dutch–German instrument)."""
    ids: list[str] = []
    counters: dict[str, int] = {}
    seen: set[str] = set()
    for index, unit in enumerate(units):
        parent = ids[unit.parent] if unit.parent is not None else prefixes.get(index)
        own_number = _id_safe(unit.number)
        if unit.kind == "note" and unit.number:
            local = unit.number
        elif unit.kind in ("title", "preamble", "heading", "signature", "other", "annex", "note"):
            key = {
                "title": "title",
                "preamble": "pre",
                "heading": "head",
                "signature": "sig",
                "other": "other",
                "annex": "annex",
                "note": "note",
            }[unit.kind]
            scoped = f"{parent}.{key}" if parent else key
            counters[scoped] = counters.get(scoped, 0) + 1
            local = key if key == "title" else f"{key}-{counters[scoped]}"
        elif unit.kind == "article":
            local = f"art-{_id_safe(unit.article) or _slug(unit.heading)}"
        elif own_number:
            local = own_number
        else:  # an unnumbered paragraph or item
            key = "para" if unit.kind == "paragraph" else unit.kind
            scoped = f"{parent}.{key}" if parent else key
            counters[scoped] = counters.get(scoped, 0) + 1
            local = f"{key}-{counters[scoped]}"
        clause_id = f"{parent}.{local}" if parent else local
        base, suffix = clause_id, 2
        while clause_id in seen:
            clause_id = f"{base}~{suffix}"
            suffix += 1
        seen.add(clause_id)
        ids.append(clause_id)
    return ids


@dataclass
class _Part:
    """A run of top-level units: the whole text, or one language version of a bilingual instrument."""

    first: int
    last: int
    language: str | None = None


def _parts(units: list[_Unit], text: str) -> tuple[list[int], list[_Part]]:
    """Split the units into parts, one per version of the text, and find each part's language.

    A part starts at every title after the first (the segmenter opens one after the signatures), and where
    top-level article numbering starts again at 1. Returns each unit's part and the parts.
    """
    part_of: list[int] = []
    parts: list[_Part] = []
    highest = 0
    for index, unit in enumerate(units):
        if unit.parent is not None:
            part_of.append(part_of[unit.parent])
            continue
        value = _article_value(unit.article or "") if unit.kind == "article" else None
        restart = value == 1 and highest >= 2
        if not parts or (unit.kind == "title" and index > 0) or restart:
            parts.append(_Part(index, index))
            highest = 0
        if value is not None:
            highest = max(highest, value)
        parts[-1].last = index
        part_of.append(len(parts) - 1)
    for number, part in enumerate(parts):
        members = [u for u, p in zip(units, part_of, strict=True) if p == number]
        start, end = min(u.start for u in members), max(u.end for u in members)
        part.language = detect_language(text[start:end])
    return part_of, parts


def _parallel_keys(units: list[_Unit]) -> list[tuple[str, ...]]:
    """What identifies each unit across language versions: its kind and printed numbers, up to the root.

    Built top-down (a parent precedes its children), so each unit adds its own part to its parent's key.
    """
    keys: list[tuple[str, ...]] = []
    for unit in units:
        value = _article_value(unit.article or "")
        number = re.sub(r"\W", "", (unit.number or "").lower())
        own = f"{unit.kind}:{value if value is not None else unit.article}:{number}"
        keys.append((*keys[unit.parent], own) if unit.parent is not None else (own,))
    return keys


def _parallels(units: list[_Unit], part_of: list[int], parts: list[_Part]) -> dict[int, int]:
    """{unit of a later part: the same provision in the first part}, for parts in another language.

    Units are matched by kind and printed numbers; units without numbers (recitals, headings) by their
    order among units with the same key.
    """
    first_language = parts[0].language if parts else None
    translated = {
        number
        for number, part in enumerate(parts)
        if number > 0 and first_language is not None and part.language not in (None, first_language)
    }
    if not translated:
        return {}  # the usual one-language text: no keys worth building
    by_key: dict[tuple[str, ...], int] = {}
    seen: dict[tuple[tuple[str, ...], int], int] = {}
    pairs: dict[int, int] = {}
    keys = _parallel_keys(units)
    for index in range(len(units)):
        part = part_of[index]
        if part > 0 and part not in translated:
            continue
        key = keys[index]
        order = seen[(key, part)] = seen.get((key, part), 0) + 1
        keyed = (*key, str(order))
        if part == 0:
            by_key[keyed] = index
        elif keyed in by_key:
            pairs[index] = by_key[keyed]
    return pairs


def _part_prefixes(part_of: list[int], parts: list[_Part], units: list[_Unit]) -> dict[int, str]:
    """Id prefix for the top-level units of later parts: the language code, or ``part-N``."""
    languages = [part.language for part in parts]
    prefixes: dict[int, str] = {}
    for index, unit in enumerate(units):
        part = part_of[index]
        if part == 0 or unit.parent is not None:
            continue
        language = languages[part]
        unique = language is not None and languages.count(language) == 1
        prefixes[index] = language if unique and language else f"part-{part + 1}"
    return prefixes


def segment(doc: Document) -> Document:
    """Fill ``doc.clauses`` from ``doc.text`` (replacing any previous clauses)."""
    units = _Segmenter(doc.text).run()
    part_of, parts = _parts(units, doc.text)
    ids = _clause_ids(units, _part_prefixes(part_of, parts, units))
    parallels = _parallels(units, part_of, parts)
    clauses = []
    for index, (unit, clause_id) in enumerate(zip(units, ids, strict=True)):
        raw = doc.text[unit.start : unit.end]
        clauses.append(
            Clause(
                id=clause_id,
                kind=unit.kind,
                text=" ".join(raw.split()),
                char_start=unit.start,
                char_end=unit.end,
                page_start=doc.page_at(unit.start),
                page_end=doc.page_at(max(unit.start, unit.end - 1)),
                parent=ids[unit.parent] if unit.parent is not None else None,
                article=unit.article,
                number=unit.number,
                heading=unit.heading,
                in_annex=unit.in_annex,
                language=parts[part_of[index]].language,
                parallel_of=ids[parallels[index]] if index in parallels else None,
            )
        )
    doc.clauses = clauses
    return doc


def classification_units(doc: Document) -> list[Clause]:
    """The clauses a provision classifier labels: recitals, articles without numbered paragraphs, paragraphs.

    Lettered items stay inside their paragraph (they need its lead-in to make sense); an article that has
    numbered paragraphs is labelled through them.
    """
    has_paragraphs = {c.parent for c in doc.clauses if c.kind == "paragraph"}
    return [
        c
        for c in doc.clauses
        if c.kind in ("preamble", "article", "paragraph")
        and c.id not in has_paragraphs
        and c.parallel_of is None
    ]
