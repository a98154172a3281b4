"""Clause search over the index of :mod:`pipeline.index`: a small query language, filters, BM25 ranking,
highlighted snippets and facet counts. The CLI and the web page are thin layers over :func:`search`.

Query language (parsed here, never handed to FTS5 as typed): words are ANDed; ``"a phrase"``; ``OR``;
``NOT`` (``wage NOT domestic``); ``prefix*``; parentheses. Operators are written in capitals, so the
French "or" or the Dutch "not" are ordinary words. ``OR`` binds tighter than the implicit ``AND``, as in
web search engines: ``wage OR salary housing`` is ``(wage OR salary) AND housing``. The parser turns the
input into a tree and writes a fully parenthesised FTS5 expression in which every term is a quoted string,
so no input can reach FTS5's own syntax (column filters, ``NEAR``, ``^``) or the SQL around it. Input it
cannot read (an unclosed quote or parenthesis, an operator with nothing on one side, only ``NOT`` terms)
raises :class:`QueryError` with a message that says what to change; stray punctuation is dropped.

Filters are words too: every clause carries tags (``countryph``, ``labelwageprotection``, ``year1993``,
see :func:`pipeline.index.tag`) in a second full-text column, so the query and the filters are one FTS5
expression (``text : (…) AND tags : "countryph"``) whose posting lists FTS5 intersects, however selective
either side is. BM25 gives the tags column weight 0, so filters never change the ranking.

Speed at a million clauses: FTS5's BM25 scores every match it ranks and first counts, for each term, every
clause that holds it (its document frequency), which is what made a very common term cost 276 ms in the
engineering notes. So a search first reads at most :data:`RANK_CAP` + 1 matches, without scores. With no
more than :data:`RANK_CAP` of them, they are ranked by BM25 and the total and the facets are exact. With
more, the query is too common to rank usefully or quickly: the first :data:`RANK_CAP` in rowid order — the
newest agreements, see :func:`pipeline.index.clause_rowid` — are listed in that order and faceted, and the
result says so (``total_exact`` false: the total is a lower bound; ``sampled``; ``ranking``). A narrower
query or a filter makes it exact again. Measured trade-offs are in ``bench/bench_search.py``.

Prefixes (``recruit*``): without a prefix index, FTS5 sets up a prefix term by merging the posting lists of
every word it begins into one list, in full, before it returns a first row, and again in every query that
uses the term. At a million clauses that merge costs 5-15 ms for a 4-letter stem that begins a common word
(``kato*``: 77 words, 81,000 postings, 10 ms). A search paid it 22 times (the matches, then one snippet
lookup per hit on the page): prefix p95 291 ms. Snippets now come from one query (:func:`_snippets`), so a
prefix search pays the merge twice: p95 40-47 ms, results unchanged. Measured and left out (figures in
``bench/bench_search.py``): a prefix index, which slows the build more than it speeds these queries; and
rewriting a prefix as the OR of the words it begins, listed by ``fts5vocab``, which FTS5 reads lazily but
whose word list costs nearly as much as the merge it saves.
"""

from __future__ import annotations

import csv
import functools
import json
import re
import sqlite3
import unicodedata
from collections import Counter
from contextlib import closing, nullcontext
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TextIO, get_args

from . import taxonomy
from .index import ALL, open_index, tag
from .model import LabelScore, Strength

RANK_CAP = 3_000
"""Most matches a search ranks by BM25 and counts facets over (see the module text for why): at a million
clauses, reading 3,000 matching rows and their tags costs about 15 ms."""

MARK_START = "\x02"
MARK_END = "\x03"
"""Snippets mark matched words with these control characters, which never occur in extracted text: a web
page escapes the snippet first and then turns them into ``<mark>`` (see :func:`render_snippet`)."""

SNIPPET_TOKENS = 24

MIN_PREFIX = 3
"""Letters a prefix needs: FTS5 gathers every word a prefix begins before the first match, so ``a*``
would read most of the index. Three letters can still begin thousands of words: at a million synthetic
clauses ``kon*`` (1,981 words, 690,000 postings) costs about 110 ms per merge, twice per search."""


class QueryError(ValueError):
    """A query or filter blamine cannot read; the message says what to change."""


# --- the query language ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A word or a phrase (``phrase``: written in quotes); ``prefix`` matches any word it begins."""

    text: str
    phrase: bool = False
    prefix: bool = False


@dataclass(frozen=True)
class AnyOf:
    """Matches what any of ``items`` matches (``OR``)."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class AllOf:
    """Matches what all of ``items`` match and none of ``excluded`` (``AND``, ``NOT``)."""

    items: tuple[Node, ...]
    excluded: tuple[Node, ...] = ()


Node = Term | AnyOf | AllOf

_OPERATORS = ("AND", "OR", "NOT")
_TOKENS = re.compile(r'"(?P<phrase>[^"]*)"(?P<star>\*)?|(?P<paren>[()])|(?P<word>[^\s"()]+)|(?P<quote>")')
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"'})


def parse_query(text: str | None) -> Node | None:
    """The query tree of ``text``; ``None`` for an empty query (then only filters apply)."""
    if text is None or not text.strip():
        return None
    readable = "".join(
        " " if unicodedata.category(ch) == "Cc" else ch for ch in unicodedata.normalize("NFKC", text)
    )
    tokens = _tokenize(readable.translate(_QUOTES))
    if not tokens:
        raise QueryError(f"nothing to search for in {text!r}: the query needs a word or a number")
    parser = _Parser(tokens)
    node = parser.conjunction()
    if parser.peek() == ")":
        raise QueryError("unbalanced parenthesis: ')' without a matching '('")
    return node


def _tokenize(text: str) -> list[str | Term]:
    """Operators and parentheses as strings, terms as :class:`Term`; words without a letter or digit
    (stray punctuation such as ``;`` or ``--``) are dropped: they could never match anything."""
    tokens: list[str | Term] = []
    for match in _TOKENS.finditer(text):
        if match["quote"]:
            raise QueryError('unbalanced quote: a phrase opened with " is never closed')
        if match["paren"]:
            tokens.append(match["paren"])
        elif match["phrase"] is not None:
            phrase = " ".join(match["phrase"].split())
            if _searchable(phrase):
                tokens.append(Term(phrase, phrase=True, prefix=bool(match["star"])))
        elif match["word"] in _OPERATORS:
            tokens.append(match["word"])
        else:
            word = match["word"]
            stem = word.rstrip("*")
            if stem != word and sum(ch.isalnum() for ch in stem) < MIN_PREFIX:
                raise QueryError(f"{word}: a prefix needs at least {MIN_PREFIX} letters, as in 'recruit*'")
            if _searchable(stem):
                tokens.append(Term(stem, prefix=stem != word))
    return tokens


def _searchable(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


class _Parser:
    """Recursive descent: conjunction := disjunction ([AND] disjunction | NOT disjunction)*;
    disjunction := primary (OR primary)*; primary := term | '(' conjunction ')'."""

    def __init__(self, tokens: list[str | Term]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek(self) -> str | Term | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> str | Term | None:
        token = self.peek()
        self.position += 1
        return token

    def conjunction(self) -> Node:
        items: list[Node] = []
        excluded: list[Node] = []
        while self.peek() not in (None, ")"):
            token = self.take()
            if token == "AND" and not (items or excluded):
                raise QueryError("AND needs a term before it, as in 'wage AND housing'")
            if token in ("AND", "NOT"):
                if self.peek() in (None, ")", "AND", "OR", "NOT"):
                    raise QueryError(f"{token} needs a term after it, as in 'wage {token} housing'")
                (excluded if token == "NOT" else items).append(self.disjunction())
            else:
                self.position -= 1
                items.append(self.disjunction())
        if not items:
            if excluded:
                raise QueryError("a query cannot only exclude: add a term to find, as in 'wage NOT domestic'")
            raise QueryError("empty parentheses: put a term inside, as in '(wage OR salary)'")
        if len(items) == 1 and not excluded:
            return items[0]
        return AllOf(tuple(items), tuple(excluded))

    def disjunction(self) -> Node:
        items = [self.primary()]
        while self.peek() == "OR":
            self.take()
            if self.peek() in (None, ")", "AND", "OR", "NOT"):
                raise QueryError("OR needs a term after it, as in 'wage OR salary'")
            items.append(self.primary())
        return items[0] if len(items) == 1 else AnyOf(tuple(items))

    def primary(self) -> Node:
        token = self.take()
        if isinstance(token, Term):
            return token
        if token == "(":
            node = self.conjunction()
            if self.take() != ")":
                raise QueryError("unbalanced parenthesis: a '(' is never closed")
            return node
        if token == ")":
            raise QueryError("unbalanced parenthesis: ')' without a matching '('")
        raise QueryError(f"{token} needs a term before it, as in 'wage {token} salary'")


def to_fts(node: Node) -> str:
    """The FTS5 expression of a query tree: every term a quoted string, every group parenthesised."""
    if isinstance(node, Term):
        return _quote(node.text) + " *" if node.prefix else _quote(node.text)
    if isinstance(node, AnyOf):
        return "(" + " OR ".join(map(to_fts, node.items)) + ")"
    expression = "(" + " AND ".join(map(to_fts, node.items)) + ")"
    for excluded in node.excluded:
        expression = f"({expression} NOT {to_fts(excluded)})"
    return expression


def describe(node: Node, top: bool = True) -> str:
    """The query as blamine reads it, in the query language itself (shown to the user)."""
    if isinstance(node, Term):
        text = f'"{node.text}"' if node.phrase or " " in node.text else node.text
        return text + "*" if node.prefix else text
    if isinstance(node, AnyOf):
        inner = " OR ".join(describe(item, top=False) for item in node.items)
    else:
        inner = " AND ".join(describe(item, top=False) for item in node.items)
        inner += "".join(f" NOT {describe(item, top=False)}" for item in node.excluded)
    return inner if top else f"({inner})"


# --- synonyms --------------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Case- and accent-insensitive form, as the tokenizer compares words."""
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().split())


@functools.cache
def synonym_groups() -> tuple[tuple[str, ...], ...]:
    """Our multilingual concept groups (``pipeline/data/synonyms.json``), each a tuple of terms."""
    data = json.loads(resources.files("pipeline").joinpath("data/synonyms.json").read_text(encoding="utf-8"))
    return tuple(
        tuple(term for terms in group["terms"].values() for term in terms) for group in data["groups"]
    )


@functools.cache
def _synonym_lookup() -> dict[str, tuple[str, ...]]:
    """Folded term → every term of the groups it belongs to (the term itself first)."""
    members: dict[str, list[str]] = {}
    for group in synonym_groups():
        for term in group:
            members.setdefault(fold(term), [])
            members[fold(term)] += [t for t in group if t not in members[fold(term)]]
    return {key: tuple(terms) for key, terms in members.items()}


def expand(node: Node) -> Node:
    """``node`` with every term that belongs to a synonym group replaced by the whole group (ORed).

    Prefix terms are left alone (the user chose the stem); multi-word concepts expand when written as a
    phrase (``"domestic worker"``)."""
    if isinstance(node, Term):
        group = _synonym_lookup().get(fold(node.text)) if not node.prefix else None
        if not group:
            return node
        terms = [node] + [Term(t, phrase=" " in t) for t in group if fold(t) != fold(node.text)]
        return AnyOf(tuple(terms))
    if isinstance(node, AnyOf):
        return AnyOf(tuple(map(expand, node.items)))
    return AllOf(tuple(map(expand, node.items)), tuple(map(expand, node.excluded)))


# --- filters ---------------------------------------------------------------------------------------

_ISO2 = re.compile(r"[A-Z]{2}")
_YEARS = re.compile(r"(?P<start>\d{4})?\s*(?P<dash>[-–])?\s*(?P<end>\d{4})?")


def parse_years(text: str) -> tuple[int | None, int | None]:
    """``"1990-2010"``, ``"1990-"``, ``"-1960"`` or ``"1975"`` → (first year, last year), inclusive."""
    match = _YEARS.fullmatch(text.strip())
    if (
        not match
        or not (match["start"] or match["end"])
        or (match["start"] and match["end"] and not match["dash"])
    ):
        raise QueryError(f"year range {text!r}: expected 1990-2010, 1990-, -1960 or 1975")
    start = int(match["start"]) if match["start"] else None
    end = int(match["end"]) if match["end"] else None
    return (start, start) if not match["dash"] else (start, end)


@dataclass
class SearchFilters:
    """Restrictions on the clauses searched; every given one must hold (labels: all of them)."""

    labels: tuple[str, ...] = ()
    """Label ids (``wage_protection``) or codes (``A3``)."""
    country: str | None = None
    """ISO 3166 alpha-2 code of either party."""
    origin: str | None = None
    destination: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    type: str | None = None
    """Instrument type (``BLA``, ``MOU``, …), compared without regard to case."""
    language: str | None = None
    """ISO 639-1 code of the clause's language."""
    strength: str | None = None

    def __post_init__(self) -> None:
        """Normalise the spelling of codes and refuse values that could never match, with a message."""
        by_code = {label.code.casefold(): label.id for label in taxonomy.labels()}
        labels = []
        for label in self.labels:
            label_id = by_code.get(label.casefold(), label.strip().casefold())
            if label_id not in taxonomy.label_ids():
                raise QueryError(f"unknown label {label!r}; labels are {', '.join(taxonomy.label_ids())}")
            labels.append(label_id)
        self.labels = tuple(dict.fromkeys(labels))
        for name in ("country", "origin", "destination"):
            value = getattr(self, name)
            if value is not None:
                code = value.strip().upper()
                if not _ISO2.fullmatch(code):
                    raise QueryError(f"{name} {value!r}: expected an ISO 3166 alpha-2 code such as PH")
                setattr(self, name, code)
        if self.language is not None:
            self.language = self.language.strip().lower()
            if not re.fullmatch(r"[a-z]{2}", self.language):
                raise QueryError(f"language {self.language!r}: expected an ISO 639-1 code such as fr")
        if self.strength is not None and self.strength not in get_args(Strength):
            raise QueryError(f"strength {self.strength!r}: expected one of {', '.join(get_args(Strength))}")
        if self.year_from is not None and self.year_to is not None and self.year_from > self.year_to:
            raise QueryError(f"year range {self.year_from}-{self.year_to} is empty")

    def tags(self, conn: sqlite3.Connection) -> list[str] | None:
        """The filters as FTS5 expressions over the ``tags`` column (see :func:`pipeline.index.tag`),
        all of which must match; ``None`` when no agreement falls in the year range."""
        words = [tag("label", label) for label in self.labels]
        for name in ("country", "origin", "destination", "type", "language", "strength"):
            value = getattr(self, name)
            if value is not None:
                words.append(tag(name, value))
        expressions = [_quote(word) for word in words]
        if self.year_from is not None or self.year_to is not None:
            years = [
                row[0]
                for row in conn.execute(
                    "SELECT DISTINCT year FROM documents WHERE year BETWEEN ? AND ?",
                    [self.year_from if self.year_from is not None else 0, self.year_to or 9999],
                )
            ]
            if not years:
                return None
            expressions.append("(" + " OR ".join(_quote(tag("year", year)) for year in years) + ")")
        return expressions


# --- results ---------------------------------------------------------------------------------------


@dataclass
class Hit:
    """One matching clause with what a result list shows about it and its agreement."""

    doc_id: str
    clause_id: str
    kind: str
    title: str | None
    filename: str
    year: int | None
    type: str | None
    countries: list[str]
    language: str | None
    page_start: int
    page_end: int
    article: str | None
    heading: str | None
    labels: list[LabelScore]
    strength: str | None
    score: float | None
    """BM25 relevance (higher is better); ``None`` when there is no query."""
    snippet: str
    """The matching passage, matched words between :data:`MARK_START` and :data:`MARK_END`."""
    text: str


@dataclass
class SearchResult:
    """A page of hits, the total, and facet counts over the matches."""

    query: str | None
    interpreted: str | None
    """The query as read (operators, groups, synonym expansion), in the query language."""
    filters: SearchFilters
    total: int
    total_exact: bool
    """False when ``total`` is a lower bound (a very common query with filters)."""
    documents: int
    """Agreements among the counted matches."""
    sampled: int | None
    """``None`` when ranking and facets cover every match; else how many matches they cover (listed
    newest first, not ranked)."""
    ranking: str
    limit: int
    offset: int
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form; snippets keep their mark characters (see :func:`render_snippet`)."""
        return asdict(self)


def render_snippet(snippet: str, start: str, end: str, escape: Any = None) -> str:
    """``snippet`` with its marks replaced by ``start``/``end`` and the text between passed through
    ``escape`` (``html.escape`` for a web page) so clause text can never inject markup."""
    escape = escape or (lambda text: text)
    parts = re.split(f"([{MARK_START}{MARK_END}])", snippet)
    return "".join(start if p == MARK_START else end if p == MARK_END else escape(p) for p in parts)


CSV_COLUMNS = (
    "doc_id clause_id kind title year type countries language page_start page_end article heading "
    "labels strength score snippet text"
).split()


def write_csv(result: SearchResult, out: TextIO, highlight: str = "**") -> None:
    """The hits of ``result`` as CSV with a header row: one format for ``blamine search --format csv`` and
    the web page's export, so a spreadsheet built on one reads the other. Matched words in the snippet
    are put between ``highlight``; lists are joined with ``;``."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for hit in result.hits:
        row = asdict(hit)
        row["countries"] = ";".join(hit.countries)
        row["labels"] = ";".join(item.label for item in hit.labels)
        row["snippet"] = render_snippet(hit.snippet, highlight, highlight)
        writer.writerow(["" if row[column] is None else row[column] for column in CSV_COLUMNS])


# --- searching -------------------------------------------------------------------------------------


def search(
    index: sqlite3.Connection | str | Path,
    query: str | None = None,
    filters: SearchFilters | None = None,
    limit: int = 20,
    offset: int = 0,
    expand_synonyms: bool = False,
) -> SearchResult:
    """Search the clause index (a connection, or a store folder whose index is opened and closed).

    Raises :class:`QueryError` for a query or filter it cannot read, ``BlamineError`` for an unusable
    index.
    """
    if limit < 0 or offset < 0:
        raise QueryError("limit and offset must not be negative")
    filters = filters or SearchFilters()
    node = parse_query(query)
    if node is not None and expand_synonyms:
        node = expand(node)
    opened = closing(open_index(Path(index))) if not isinstance(index, sqlite3.Connection) else None
    with opened or nullcontext(index) as conn:
        return _run(conn, query, node, filters, limit, offset)


def _run(
    conn: sqlite3.Connection,
    query: str | None,
    node: Node | None,
    filters: SearchFilters,
    limit: int,
    offset: int,
) -> SearchResult:
    """One FTS5 query for the query and the filters together, reading at most ``cap + 1`` matches."""
    cap = max(RANK_CAP, offset + limit)
    fts = match_expression(conn, node, filters)
    rows: list[tuple] = []
    if fts is not None:
        rows = conn.execute(
            "SELECT c.id, c.doc_id, c.tags FROM clauses_fts f CROSS JOIN clauses c ON c.id = f.rowid "
            "WHERE clauses_fts MATCH ? LIMIT ?",
            [fts, cap + 1],
        ).fetchall()
    complete = len(rows) <= cap
    rows = rows[:cap]
    scores: dict[int, float] = {}
    if node is None:
        ranking = "newest agreement first, then clause order"
    elif complete:
        scores = (
            {}
            if not rows
            else dict(
                conn.execute(
                    "SELECT rowid, -bm25(clauses_fts, 1.0, 0.0) FROM clauses_fts WHERE clauses_fts MATCH ?",
                    [fts],
                )
            )
        )
        rows.sort(key=lambda row: (-scores[row[0]], row[0]))
        ranking = "bm25"
    else:
        ranking = f"more than {cap:,} matches: the first {cap:,}, newest agreements first, not ranked"
    page = rows[offset : offset + limit]
    hits = _hits(conn, [row[0] for row in page], scores, node)
    return SearchResult(
        query,
        describe(node) if node is not None else None,
        filters,
        len(rows),
        complete,
        len({row[1] for row in rows}),
        None if complete else len(rows),
        ranking,
        limit,
        offset,
        hits,
        _facets(conn, rows),
    )


def match_expression(conn: sqlite3.Connection, node: Node | None, filters: SearchFilters) -> str | None:
    """The one FTS5 expression for the query ``node`` and the filters (see the module text); ``None`` when
    nothing can match (no agreement in the year range)."""
    tags = filters.tags(conn)
    if tags is None:
        return None
    parts = ([f"text : {to_fts(node)}"] if node is not None else []) + [f"tags : {t}" for t in tags]
    return " AND ".join(parts or [f"tags : {_quote(ALL)}"])


def matching_documents(
    conn: sqlite3.Connection, query: str | None, filters: SearchFilters, expand_synonyms: bool = False
) -> set[str]:
    """The agreements with at least one clause that :func:`search` would list for ``query`` and
    ``filters``: every match counted, not just the first :data:`RANK_CAP` (agreement-level views such as
    the report's matrix must not drop an agreement because its clauses rank low)."""
    node = parse_query(query)
    if node is not None and expand_synonyms:
        node = expand(node)
    fts = match_expression(conn, node, filters)
    if fts is None:
        return set()
    return {
        row[0]
        for row in conn.execute(
            "SELECT DISTINCT c.doc_id FROM clauses_fts f CROSS JOIN clauses c ON c.id = f.rowid "
            "WHERE clauses_fts MATCH ?",
            [fts],
        )
    }


def _quote(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _hits(conn: sqlite3.Connection, ids: list[int], scores: dict[int, float], node: Node | None) -> list[Hit]:
    """Everything a result list shows for the clauses ``ids`` (matches of ``node``), in that order."""
    if not ids:
        return []
    id_list = json.dumps(ids)
    rows = {
        row[0]: row
        for row in conn.execute(
            "SELECT c.id, c.doc_id, c.clause_id, c.kind, d.title, d.filename, d.year, d.type, c.language, "
            "c.page_start, c.page_end, c.article, c.heading, c.strength, c.text "
            "FROM clauses c JOIN documents d ON d.doc_id = c.doc_id "
            "WHERE c.id IN (SELECT value FROM json_each(?))",
            [id_list],
        )
    }
    labels: dict[int, list[LabelScore]] = {}
    for clause, label, score in conn.execute(
        "SELECT clause, label, score FROM clause_labels WHERE clause IN (SELECT value FROM json_each(?)) "
        "ORDER BY clause, score DESC",
        [id_list],
    ):
        labels.setdefault(clause, []).append(LabelScore(label, score))
    countries = _countries(conn, {row[1] for row in rows.values()})
    snippets = _snippets(conn, node, ids) if node is not None else {}
    hits = []
    for clause_id in ids:
        row = rows[clause_id]
        hits.append(
            Hit(
                doc_id=row[1],
                clause_id=row[2],
                kind=row[3],
                title=row[4],
                filename=row[5],
                year=row[6],
                type=row[7],
                countries=countries.get(row[1], []),
                language=row[8],
                page_start=row[9],
                page_end=row[10],
                article=row[11],
                heading=row[12],
                labels=labels.get(clause_id, []),
                strength=row[13],
                score=scores.get(clause_id),
                snippet=snippets[clause_id] if node is not None else _opening(row[14]),
                text=row[14],
            )
        )
    return hits


def _snippets(conn: sqlite3.Connection, node: Node, ids: list[int]) -> dict[int, str]:
    """The snippets of the clauses ``ids``, all of them matches of the query ``node``.

    FTS5 sets up a prefix term (``recruit*``) by merging the posting lists of every word it begins into
    one list, in full, for every query that uses it, even one that reads a single row: twenty ``rowid =
    ?`` lookups meant twenty merges, 120-250 ms of a 4-letter prefix's search at a million clauses
    (``bench/bench_search.py``). So a query with a prefix gets its snippets from one query: FTS5 walks the
    matches between the lowest and the highest id once (a ``rowid`` range it reads from its index) and
    builds snippets for the ids only (``+rowid`` keeps SQLite from handing the ``IN`` list to FTS5 as
    one lookup per id). Other queries keep one lookup per hit: with ranked hits spread over thousands
    of matches, walking the range costs more than twenty seeks (up to 10 ms instead of 5 for a phrase of
    common words)."""
    fts = f"text : {to_fts(node)}"
    sql = "SELECT rowid, snippet(clauses_fts, 0, ?, ?, '…', ?) FROM clauses_fts WHERE clauses_fts MATCH ? "
    marks = [MARK_START, MARK_END, SNIPPET_TOKENS, fts]
    if not _has_prefix(node):
        return {id_: conn.execute(sql + "AND rowid = ?", [*marks, id_]).fetchone()[1] for id_ in ids}
    return dict(
        conn.execute(
            sql + "AND rowid BETWEEN ? AND ? AND +rowid IN (SELECT value FROM json_each(?))",
            [*marks, min(ids), max(ids), json.dumps(ids)],
        )
    )


def _has_prefix(node: Node) -> bool:
    """Whether the query holds a prefix term anywhere, ``NOT`` included (FTS5 merges it there too)."""
    if isinstance(node, Term):
        return node.prefix
    items = node.items if isinstance(node, AnyOf) else node.items + node.excluded
    return any(map(_has_prefix, items))


def _opening(text: str) -> str:
    """The first words of a clause, the snippet of a hit found by filters alone."""
    words = text.split()
    return " ".join(words[:SNIPPET_TOKENS]) + (" …" if len(words) > SNIPPET_TOKENS else "")


def _countries(conn: sqlite3.Connection, doc_ids: set[str]) -> dict[str, list[str]]:
    countries: dict[str, list[str]] = {}
    for doc_id, country in conn.execute(
        "SELECT doc_id, country FROM document_countries WHERE doc_id IN (SELECT value FROM json_each(?)) "
        "ORDER BY doc_id, position",
        [json.dumps(sorted(doc_ids))],
    ):
        countries.setdefault(doc_id, []).append(country)
    return countries


def _facets(conn: sqlite3.Connection, rows: list[tuple]) -> dict[str, dict[str, int]]:
    """Clause counts per label, country, year, type, language and strength over ``rows`` (id, doc_id,
    tags), read from the tags each row already carries rather than looked up per agreement."""
    counts = Counter(word for row in rows for word in row[2].split())
    types = {tag("type", row[0]): row[0] for row in conn.execute("SELECT DISTINCT type FROM documents")}
    labels = _label_tags()
    facets: dict[str, Counter[str]] = {name: Counter() for name in FACETS}
    for word, count in counts.items():
        if word in labels:
            facets["labels"][labels[word]] += count
        elif word in types:
            facets["types"][types[word]] += count
        else:
            for name, prefix in FACETS.items():
                if word.startswith(prefix) and word[len(prefix) :].isalnum():
                    value = word[len(prefix) :]
                    facets[name][value.upper() if name == "countries" else value] += count
    return {
        name: dict(sorted(found.items())) if name == "years" else _ranked(found)
        for name, found in facets.items()
    }


FACETS = {
    "labels": "label",
    "countries": "country",
    "years": "year",
    "types": "type",
    "languages": "language",
    "strengths": "strength",
}
"""Facet name → the tag prefix of its values (labels and types are matched whole, being spelled freely)."""


@functools.cache
def _label_tags() -> dict[str, str]:
    return {tag("label", label): label for label in taxonomy.label_ids()}


def _ranked(counts: Counter[str]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
