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
from dataclasses import dataclass, field

from .model import Clause, ClauseKind, Document

_ARTICLE_WORDS = (
    r"(?:Article|ARTICLE|Art\.|ART\.|Artikel|ARTIKEL|Artículo|ARTÍCULO|Articulo|"
    r"Artigo|ARTIGO|Articolo|ARTICOLO)"
)
_NUMBER = (
    r"(?:premier|PREMIER|primero|primeiro|erster|"
    r"\d{1,3}(?:\.?\s?[º°ª]|\s?(?:er|e|st))?(?:\s?(?:bis|ter|quater))?[a-z]?|[IVXLC]{1,7})"
)
ARTICLE_RE = re.compile(rf"^{_ARTICLE_WORDS}\s*(?P<num>{_NUMBER})(?![\w])\s*(?P<rest>.*)$")
SECTION_RE = re.compile(rf"^(?:Section|SECTION|Clause|CLAUSE)\s+(?P<num>{_NUMBER})(?![\w])\s*(?P<rest>.*)$")
CHAPTER_RE = re.compile(
    r"^(?:CHAPTER|Chapter|PART|Part|TITLE|Title|Chapitre|CHAPITRE|Titre|TITRE|Partie|PARTIE|Hoofdstuk|"
    r"HOOFDSTUK|Afdeling|AFDELING|Titel|TITEL|Kapitel|KAPITEL|Abschnitt|ABSCHNITT|Teil|TEIL|Capítulo|CAPÍTULO|"
    r"Capitulo|Capitolo|Section|SECTION)\s+(?:[IVXLC]{1,7}|\d{1,3}|premier|première|one|two|three|four|five)\b"
)
ANNEX_RE = re.compile(
    r"^(?:ANNEX|Annex|ANNEXE|Annexe|ANEXO|Anexo|ALLEGATO|Allegato|BIJLAGE|Bijlage|ANLAGE|Anlage|ANHANG|Anhang|"
    r"APPENDIX|Appendix|APPENDICE|Appendice|SCHEDULE|Schedule|PROTOCOL|Protocol|PROTOCOLE|Protocole|"
    r"PROTOKOLL|Protokoll|PROTOCOLO|Protocolo|ECHANGE DE NOTES|EXCHANGE OF NOTES|Exchange of Notes|"
    r"NOTAWISSELING|Notawisseling|NOTENWECHSEL|Notenwechsel)\b"
)
PARAGRAPH_RE = re.compile(
    r"^(?:\((?P<paren>\d{1,3})\)\.?|(?P<num>\d{1,3})(?P<suffix>[a-z]?)[.)](?!\d)|§\s*(?P<sect>\d{1,3})[.)]?)"
    r"(?:\s*[—–-](?=\s))?(?:\s+|$)"
)
ITEM_RE = re.compile(r"^(?:\((?P<paren>[a-z]{1,4})\)|(?P<bare>[a-z]{1,4})[.)])\s*(?=\S)")
SIGNATURE_RE = re.compile(
    r"^(?:Done|DONE|Signed|SIGNED|In witness|IN WITNESS|In faith|IN FAITH|"
    r"For the Government|FOR THE GOVERNMENT|"
    r"Fait|FAIT|En foi de quoi|EN FOI DE QUOI|Pour le Gouvernement|POUR LE GOUVERNEMENT|Gedaan|GEDAAN|"
    r"Ten blijke|TEN BLIJKE|Voor de Regering|VOOR DE REGERING|Geschehen|GESCHEHEN|Zu Urkund|ZU URKUND|"
    r"Urkund dessen|Für die Regierung|FÜR DIE REGIERUNG|Hecho|HECHO|En fe de lo cual|EN FE DE LO CUAL|"
    r"Por el Gobierno|POR EL GOBIERNO|Feito|FEITO|Em fé do que|Pelo Governo|PELO GOVERNO|Fatto|FATTO|"
    r"In fede|IN FEDE|Per il Governo|Name of Employer|Signatures?:)\b"
)
ROMAN_ITEMS = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"]
TITLE_MAX_WORDS = 40
HEADING_MAX_WORDS = 10


@dataclass
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
    children: list[int] = field(default_factory=list)


def _lines(text: str) -> list[_Line]:
    """Non-blank lines with offsets (stripped of surrounding spaces) and whether a blank line precedes."""
    lines: list[_Line] = []
    blank = True
    offset = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            start = offset + len(raw) - len(raw.lstrip())
            lines.append(_Line(start, start + len(stripped), stripped, blank))
        blank = not stripped
        offset += len(raw) + 1
    return lines


def _paragraph_number(match: re.Match[str]) -> int:
    return int(match.group("paren") or match.group("num") or match.group("sect"))


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
        self.has_articles = any(ARTICLE_RE.match(ln.text) for ln in self.lines)
        self.sections_are_articles = not self.has_articles and any(
            SECTION_RE.match(ln.text) for ln in self.lines
        )
        widths = sorted(len(ln.text) for ln in self.lines)
        self.usual_width = widths[len(widths) * 3 // 4] if widths else 80

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
        unit = _Unit(
            kind, line.start, line.end, parent, article, number, heading, in_annex=self.annex is not None
        )
        self.units.append(unit)
        index = len(self.units) - 1
        if parent is not None:
            self.units[parent].children.append(index)
        self.current = index
        return index

    def _extend(self, line: _Line) -> None:
        if self.current is not None:
            self.units[self.current].end = line.end

    def _is_short_heading(self, line: _Line) -> bool:
        words = line.text.split()
        return (
            0 < len(words) <= HEADING_MAX_WORDS
            and len(line.text) < 0.7 * self.usual_width
            and not re.search(r"[,;.:]$", line.text)
            and not line.text[0].islower()
        )

    def _is_annex_heading(self, line: _Line) -> bool:
        """ "ANNEX I", "Annexe — Contrat type", "PROTOCOL": short, or printed in capitals; not a sentence that
        merely starts with the word ("Annex I applies to …")."""
        words = line.text.split()
        if words[0].isupper() and len(words) <= 4:
            return True
        return line.after_blank and len(words) <= 12 and (words[0].isupper() or self._is_short_heading(line))

    def _next_starts_article(self, index: int) -> bool:
        following = self.lines[index + 1] if index + 1 < len(self.lines) else None
        return following is not None and bool(
            ARTICLE_RE.match(following.text) or CHAPTER_RE.match(following.text)
        )

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
        if self.pending_heading is not None:
            owner_index, self.pending_heading = self.pending_heading, None
            owner = self.units[owner_index]
            in_annex_title = owner.kind == "annex"
            if (
                (not line.after_blank or in_annex_title)
                and self._is_short_heading(line)
                and not self._marker(text)
            ):
                # "Article 5" / "Wages": the short line under an article marker is its heading; an annex
                # title may run over several such lines.
                owner.heading = f"{owner.heading} {text}" if in_annex_title else text
                if in_annex_title:
                    self.pending_heading = owner_index
                self._extend(line)
                return
        if ANNEX_RE.match(text) and self._is_annex_heading(line):
            self._start_annex(line)
        elif article := self._article_match(text):
            self._start_article(line, article)
        elif CHAPTER_RE.match(text) and len(text.split()) <= 14:
            self._start_heading(line)
        elif SIGNATURE_RE.match(text) and self.zone != "front" and (line.after_blank or self.item is None):
            self._start_signature(line)
        elif (paragraph := PARAGRAPH_RE.match(text)) and self._start_paragraph(line, paragraph):
            pass
        elif (item := ITEM_RE.match(text)) and self._start_item(
            line, item.group("paren") or item.group("bare")
        ):
            pass
        elif (
            self.units
            and (line.after_blank or re.search(r"[.:;]$", self.lines[index - 1].text))
            and self._is_short_heading(line)
            and self._next_starts_article(index)
        ):
            self._start_heading(line)
        else:
            self._continue(line)

    def _article_match(self, text: str) -> re.Match[str] | None:
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
        return match

    @staticmethod
    def _marker(text: str) -> bool:
        return bool(ARTICLE_RE.match(text) or PARAGRAPH_RE.match(text) or ANNEX_RE.match(text))

    def _start_annex(self, line: _Line) -> None:
        self._reset_structure()
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
            len(heading.split()) > HEADING_MAX_WORDS or heading.endswith(".")
        )
        number = " ".join(match.group("num").split())
        self.article = self._open(
            "article",
            line,
            self.annex,
            article=number,
            heading=None if body_on_same_line else heading,
        )
        if heading is None:
            self.pending_heading = self.article

    def _start_signature(self, line: _Line) -> None:
        """Open the signature block; its later lines ("For the Government of …") stay in the same block."""
        current = self.units[self.current] if self.current is not None else None
        if current is not None and current.kind == "signature":
            self._extend(line)
            return
        self._reset_structure()
        self._open("signature", line, self.annex)
        if self.annex is None:
            self.zone = "signature"

    def _start_heading(self, line: _Line) -> None:
        if self.zone == "front":
            self.zone = "body"
        self._reset_structure()
        self._open("heading", line, self.annex, heading=line.text)

    def _start_paragraph(self, line: _Line, match: re.Match[str]) -> bool:
        """A numbered paragraph inside an article, or a numbered point acting as an article where none exist.

        Numbers must run in sequence (1, 2, 3 …; "3b" may follow 3), which keeps a wrapped line that happens
        to start with a number from opening a paragraph.
        """
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
        if self.has_articles and self.annex is None:
            return False
        # Numbered points are the top-level structure (standard contracts, notes, annexes without articles).
        scope = self.units[self.annex] if self.annex is not None else None
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
        self.article = self._open("article", line, self.annex, article=f"{number}{suffix}", number=label)
        self.article_is_point = True
        rest = PARAGRAPH_RE.sub("", line.text, count=1).strip()
        if self._is_short_heading(_Line(line.start, line.end, rest or "x", False)) and rest:
            self.units[self.article].heading = rest.rstrip(":")
        return True

    def _start_item(self, line: _Line, label: str) -> bool:
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

    def _continue(self, line: _Line) -> None:
        if self.zone == "front":
            title = self.units[0] if self.units and self.units[0].kind == "title" else None
            if not self.units and len(line.text.split()) <= TITLE_MAX_WORDS:
                self._open("title", line, None)
            elif title is not None and self.current == 0 and (not line.after_blank or self._title_like(line)):
                self._extend(line)
            elif line.after_blank or self.current is None:
                self._open("preamble", line, None)
            else:
                self._extend(line)
            return
        if line.after_blank and self.item is not None:
            # Text after a list closes the list and continues the paragraph (or article) that owns it.
            self.current = self.units[self.item].parent
            self.item = None
        if self.current is None:
            self._open("other", line, self.annex)
        else:
            self._extend(line)

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


def _clause_ids(units: list[_Unit]) -> list[str]:
    """Stable, readable ids from the structure: ``art-7``, ``art-7.2``, ``art-7.2.b``, ``annex-1.art-3``."""
    ids: list[str] = []
    counters: dict[str, int] = {}
    seen: set[str] = set()
    for unit in units:
        parent = ids[unit.parent] if unit.parent is not None else None
        own_number = _id_safe(unit.number)
        if unit.kind in ("title", "preamble", "heading", "signature", "other", "annex"):
            key = {
                "title": "title",
                "preamble": "pre",
                "heading": "head",
                "signature": "sig",
                "other": "other",
                "annex": "annex",
            }[unit.kind]
            scoped = f"{parent}.{key}" if parent else key
            counters[scoped] = counters.get(scoped, 0) + 1
            local = key if key == "title" else f"{key}-{counters[scoped]}"
        elif unit.kind == "article":
            local = f"art-{_id_safe(unit.article)}"
        else:
            local = own_number or f"{unit.kind}-{len(ids)}"
        clause_id = f"{parent}.{local}" if parent else local
        base, suffix = clause_id, 2
        while clause_id in seen:
            clause_id = f"{base}~{suffix}"
            suffix += 1
        seen.add(clause_id)
        ids.append(clause_id)
    return ids


def segment(doc: Document) -> Document:
    """Fill ``doc.clauses`` from ``doc.text`` (replacing any previous clauses)."""
    units = _Segmenter(doc.text).run()
    ids = _clause_ids(units)
    clauses = []
    for unit, clause_id in zip(units, ids, strict=True):
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
        if c.kind in ("preamble", "article", "paragraph") and c.id not in has_paragraphs
    ]
