"""The comparative report (issue 10): every agreement's scorecard side by side, and what they add up to.

Reading: the matrix comes from the search index (``scorecard``, ``scorecard_evidence`` and ``clauses`` of
:mod:`pipeline.index`), never from the JSON documents, so a report over 10,000 agreements costs a few
queries instead of 10,000 file reads (measured on a shared 2-core machine, 10,000 agreements: the matrix
loads in 3-4 s, half of it SQL; the HTML of all of them, 160 MB, takes about 20 s more). Filters are the
search's (:class:`pipeline.search.SearchFilters`): country, origin, destination, years and type select
agreements by their metadata; labels, language, strength and a query select the agreements that have at
least one clause the search would list for them (for labels alone: one clause that carries every label),
through the search's own FTS5 expression, so the matrix of a search holds exactly the agreements whose
clauses that search finds.

Scoring, for ranking weakest and strongest agreements: ``yes`` counts 1, ``partial`` 0.5, ``no`` 0, over
the criteria that could be assessed; ``not_assessable`` is left out of both sides rather than counted as
a ``no``, so an agreement with unreadable pages is not ranked weak for what could not be read. An
agreement with no assessable criterion has no score and is not ranked.

Regions: ``pipeline/data/regions.json`` maps ISO 3166 alpha-2 codes to UN M49 regions and sub-regions.
Coverage and corridors are given by M49 sub-region (``Southern Asia → Western Asia``): the five regions
alone would put most labour migration corridors inside "Asia".

Output: one self-contained HTML file (inline CSS, a little inline JavaScript that only re-sorts the
matrix, charts as ``data:`` URIs, nothing fetched) that reads without JavaScript, offline, and the same
charts as PNG files beside it. Colours are the Okabe–Ito palette, safe for colour-blind readers, and every
cell also carries a symbol, so colour is never the only cue.
"""

from __future__ import annotations

import base64
import functools
import io
import json
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Literal

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .index import open_index, tag
from .search import SearchFilters, matching_documents
from .store import atomic_write, atomic_write_text
from .taxonomy import criteria

VALUES = ("yes", "partial", "no", "not_assessable")
"""Scorecard values in report order, strongest first."""

POINTS = {"yes": 1.0, "partial": 0.5, "no": 0.0}
"""What each assessable value counts towards an agreement's score (see the module text)."""

SYMBOLS = {"yes": "✓", "partial": "◐", "no": "✗", "not_assessable": "?"}
"""The symbol each cell shows beside its colour."""

COLOURS = {"yes": "#0072B2", "partial": "#56B4E9", "no": "#D55E00", "not_assessable": "#DDDDDD"}
"""Okabe–Ito blue, sky blue and vermillion, and a light grey: told apart with any colour vision, and by
lightness alone in greyscale. ``pipeline/static/matrix.css`` uses the same colours."""

HATCHES = {"yes": "", "partial": "//", "no": "xx", "not_assessable": ".."}
"""Bar patterns in the charts, a second cue beside colour (charts have no symbols)."""

QUOTE_CHARS = 200
"""Characters of an evidence clause the report quotes: enough to recognise it, short enough for 10,000."""

TOP = 10
"""Agreements in each of the weakest and strongest tables."""

SORT_KEYS = ("year", "country", "type", "title", "score")
"""Orders the matrix can be sorted in (the web page's ``sort=`` parameter)."""

UNKNOWN = "unknown"

Side = Literal["origin", "destination"]


# --- the matrix ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Evidence:
    """One evidence clause of a cell: where it is and how it begins."""

    clause_id: str
    page_start: int | None
    page_end: int | None
    """``None`` when the document has no clause with this id (a hand-edited scorecard)."""
    quote: str

    @property
    def pages(self) -> str:
        if self.page_start is None:
            return "page unknown"
        if self.page_start == self.page_end:
            return f"page {self.page_start}"
        return f"pages {self.page_start}–{self.page_end}"


@dataclass(slots=True)
class Cell:
    """One agreement's value for one criterion, with the reason and the evidence that justify it."""

    criterion: str
    value: str
    reason: str
    strength: str | None = None
    pages: list[int] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def symbol(self) -> str:
        return SYMBOLS[self.value]

    @property
    def text(self) -> str:
        return self.value.replace("_", " ")

    @property
    def tooltip(self) -> str:
        """What a pointer over the cell shows: criterion, value, reason, strength and evidence ids."""
        parts = [f"{self.criterion.replace('_', ' ')}: {self.text}", self.reason]
        if self.strength:
            parts.append(f"strength {self.strength}")
        if self.evidence:
            parts.append("evidence " + ", ".join(e.clause_id for e in self.evidence))
        return " — ".join(part for part in parts if part)


@dataclass
class Row:
    """One agreement of the matrix: what identifies it, and one cell per criterion in taxonomy order."""

    doc_id: str
    title: str
    year: int | None
    type: str | None
    countries: list[str]
    origin: str | None
    destination: str | None
    cells: list[Cell]

    @property
    def score(self) -> float | None:
        """Mean points over the assessable criteria (see the module text); ``None`` if none is."""
        points = [POINTS[cell.value] for cell in self.cells if cell.value in POINTS]
        return sum(points) / len(points) if points else None

    @property
    def decade(self) -> str:
        return f"{self.year // 10 * 10}s" if self.year is not None else "year unknown"

    @property
    def parties(self) -> str:
        return "–".join(self.countries) or UNKNOWN

    def anchor(self, cell: Cell) -> str:
        """The id of the cell's evidence entry (doc ids are hex, criteria letters and ``_``)."""
        return f"ev-{self.doc_id}-{cell.criterion}"


@dataclass
class Matrix:
    """Agreements × criteria for one filter."""

    criteria: tuple[str, ...]
    rows: list[Row]
    selection: str
    """The filter in words ("all agreements", "country PH · years 1990–2010")."""


def load_matrix(
    store: Path,
    filters: SearchFilters | None = None,
    query: str | None = None,
    expand_synonyms: bool = False,
) -> Matrix:
    """The matrix of the store's agreements that pass ``filters`` (and have a clause matching ``query``,
    if given), read from the index, rows in year order (unknown years last)."""
    filters = filters or SearchFilters()
    names = tuple(criterion.name for criterion in criteria())
    with closing(open_index(Path(store))) as conn:
        conditions, params = _document_conditions(filters)
        documents = conn.execute(
            "SELECT doc_id, coalesce(title, filename), year, type, origin, destination FROM documents "
            f"WHERE {conditions} ORDER BY year IS NULL, year, doc_id",
            params,
        ).fetchall()
        if filters.type is not None:
            documents = [row for row in documents if tag("type", row[3] or "") == tag("type", filters.type)]
        if query or filters.labels or filters.language or filters.strength:
            found = matching_documents(conn, query, filters, expand_synonyms)
            documents = [row for row in documents if row[0] in found]
        ids = json.dumps([row[0] for row in documents])
        countries: dict[str, list[str]] = {}
        for doc_id, country in conn.execute(
            "SELECT doc_id, country FROM document_countries WHERE doc_id IN (SELECT value FROM json_each(?)) "
            "ORDER BY doc_id, position",
            [ids],
        ):
            countries.setdefault(doc_id, []).append(country)
        evidence: dict[tuple[str, int], list[Evidence]] = {}
        quotes: dict[str, str] = {}  # a clause evidencing several criteria is quoted once
        for doc_id, position, clause_id, page_start, page_end, text in conn.execute(
            "SELECT e.doc_id, e.position, e.clause_id, c.page_start, c.page_end, substr(c.text, 1, ?) "
            "FROM scorecard_evidence e LEFT JOIN clauses c ON c.id = e.clause "
            "WHERE e.doc_id IN (SELECT value FROM json_each(?)) ORDER BY e.doc_id, e.position, e.ord",
            [QUOTE_CHARS * 2, ids],
        ):
            quote = quotes.get(text or "")
            if quote is None:
                quote = quotes[text or ""] = _quote(text or "")
            evidence.setdefault((doc_id, position), []).append(
                Evidence(clause_id, page_start, page_end, quote)
            )
        entries = conn.execute(
            "SELECT doc_id, position, criterion, value, strength, reason, pages FROM scorecard "
            "WHERE doc_id IN (SELECT value FROM json_each(?))",
            [ids],
        ).fetchall()
        pages = json.loads(
            "[" + ",".join(entry[6] for entry in entries) + "]"
        )  # one parse for all (240,000 at 10,000 agreements)
        cells: dict[str, dict[str, Cell]] = {}
        for (doc_id, position, criterion, value, strength, reason, _), cell_pages in zip(
            entries, pages, strict=True
        ):
            cells.setdefault(doc_id, {})[criterion] = Cell(
                criterion, value, reason, strength, cell_pages, evidence.get((doc_id, position), [])
            )
    rows = [
        Row(
            doc_id,
            title,
            year,
            type_,
            countries.get(doc_id, []),
            origin,
            destination,
            [cells.get(doc_id, {}).get(name) or _unscored(name) for name in names],
        )
        for doc_id, title, year, type_, origin, destination in documents
    ]
    return Matrix(names, rows, describe_selection(filters, query))


def _document_conditions(filters: SearchFilters) -> tuple[str, list[object]]:
    """SQL conditions on ``documents`` for the agreement-level filters (type is compared in Python, the
    way the search's tags compare it)."""
    conditions, params = ["1"], []
    if filters.country is not None:
        conditions.append("doc_id IN (SELECT doc_id FROM document_countries WHERE country = ?)")
        params.append(filters.country)
    for name in ("origin", "destination"):
        if getattr(filters, name) is not None:
            conditions.append(f"{name} = ?")
            params.append(getattr(filters, name))
    if filters.year_from is not None:
        conditions.append("year >= ?")
        params.append(filters.year_from)
    if filters.year_to is not None:
        conditions.append("year <= ?")
        params.append(filters.year_to)
    return " AND ".join(conditions), params


def _quote(text: str) -> str:
    words = " ".join(text.split())
    return words if len(words) <= QUOTE_CHARS else words[:QUOTE_CHARS].rsplit(" ", 1)[0] + " …"


def _unscored(criterion: str) -> Cell:
    return Cell(criterion, "not_assessable", "not scored: the agreement has no entry for this criterion")


def describe_selection(filters: SearchFilters, query: str | None = None) -> str:
    """The selection in words, for the report's heading."""
    parts = [f"query “{query}”"] if query else []
    parts += [f"label {label}" for label in filters.labels]
    for name in ("country", "origin", "destination", "type", "language", "strength"):
        if getattr(filters, name) is not None:
            parts.append(f"{name} {getattr(filters, name)}")
    if filters.year_from is not None or filters.year_to is not None:
        parts.append(f"years {filters.year_from or ''}–{filters.year_to or ''}")
    return " · ".join(parts) or "all agreements"


def sort_rows(rows: list[Row], key: str) -> list[Row]:
    """``rows`` in one of the :data:`SORT_KEYS` orders (unknown values last, ties by year and title);
    ``score`` puts the weakest first."""
    orders: dict[str, Callable[[Row], tuple]] = {
        "year": lambda r: (r.year is None, r.year or 0, r.title.casefold()),
        "country": lambda r: (not r.countries, r.parties, r.year or 0),
        "type": lambda r: (r.type is None, (r.type or "").casefold(), r.year or 0),
        "title": lambda r: (r.title.casefold(), r.year or 0),
        "score": lambda r: (r.score is None, r.score or 0.0, r.year or 0),
    }
    return sorted(rows, key=orders[key])


def ranking(matrix: Matrix, top: int = TOP) -> tuple[list[Row], list[Row]]:
    """The ``top`` weakest and ``top`` strongest scored agreements (they overlap when there are fewer than
    twice ``top``); ties go to the older agreement, then the doc id, so the tables are reproducible."""
    scored = sorted(
        (row for row in matrix.rows if row.score is not None),
        key=lambda r: (r.score, r.year is None, r.year or 0, r.doc_id),
    )
    strongest = sorted(scored, key=lambda r: (-(r.score or 0.0), r.year is None, r.year or 0, r.doc_id))
    return scored[:top], strongest[:top]


# --- coverage --------------------------------------------------------------------------------------


@dataclass
class Coverage:
    """How often each value occurs per criterion among the agreements of one group (a decade, a
    region)."""

    group: str
    agreements: int
    counts: dict[str, Counter[str]]
    """Criterion → value → agreements."""

    def share(self, criterion: str, value: str) -> float:
        return self.counts[criterion][value] / self.agreements if self.agreements else 0.0

    def overall(self, value: str) -> float:
        """Share of all the group's cells, every criterion together."""
        cells = self.agreements * len(self.counts)
        return sum(counts[value] for counts in self.counts.values()) / cells if cells else 0.0


def coverage(matrix: Matrix, group: Callable[[Row], str]) -> list[Coverage]:
    """Coverage per group of agreements (``group`` names a row's group), groups in sorted order with
    unknown ones last."""
    groups: dict[str, Coverage] = {}
    for row in matrix.rows:
        name = group(row)
        found = groups.setdefault(name, Coverage(name, 0, {c: Counter() for c in matrix.criteria}))
        found.agreements += 1
        for cell in row.cells:
            found.counts[cell.criterion][cell.value] += 1
    return [groups[name] for name in sorted(groups, key=_group_order)]


def _group_order(name: str) -> tuple[bool, str]:
    return (name.startswith(("unknown", "year unknown", "no M49")), name)


def coverage_by_decade(matrix: Matrix) -> list[Coverage]:
    """Coverage per decade of signature, oldest first."""
    return coverage(matrix, lambda row: row.decade)


def coverage_by_region(matrix: Matrix, side: Side) -> list[Coverage]:
    """Coverage per M49 sub-region of the country of origin (``side="origin"``) or of destination."""
    return coverage(matrix, lambda row: sub_region(getattr(row, side)))


@dataclass(frozen=True)
class Region:
    """Where a country sits in UN M49."""

    region: str | None
    sub_region: str | None
    intermediate_region: str | None


@functools.cache
def regions() -> dict[str, Region]:
    """ISO 3166 alpha-2 code → its M49 region (``pipeline/data/regions.json``, typed from UN M49)."""
    text = resources.files("pipeline").joinpath("data/regions.json").read_text(encoding="utf-8")
    return {code: Region(**value) for code, value in json.loads(text)["countries"].items()}


def sub_region(code: str | None) -> str:
    """The M49 sub-region of a country code; ``unknown`` when the agreement does not say."""
    if code is None:
        return UNKNOWN
    found = regions().get(code.upper())
    if found is None or found.sub_region is None:
        return f"no M49 region ({code})"
    return found.sub_region


@dataclass(frozen=True)
class Corridor:
    """Agreements from one origin sub-region to one destination sub-region."""

    origin: str
    destination: str
    agreements: int
    mean_score: float | None


def corridors(matrix: Matrix) -> list[Corridor]:
    """Origin sub-region → destination sub-region, with how many agreements and their mean score, the
    busiest corridor first."""
    grouped: dict[tuple[str, str], list[Row]] = {}
    for row in matrix.rows:
        grouped.setdefault((sub_region(row.origin), sub_region(row.destination)), []).append(row)
    found = []
    for (origin, destination), rows in grouped.items():
        scores = [row.score for row in rows if row.score is not None]
        found.append(Corridor(origin, destination, len(rows), sum(scores) / len(scores) if scores else None))
    return sorted(found, key=lambda c: (-c.agreements, _group_order(c.origin), _group_order(c.destination)))


# --- charts ----------------------------------------------------------------------------------------

CHARTS = ("matrix-heatmap", "coverage-by-decade", "coverage-by-region")
"""The charts, by file stem: ``report-charts/matrix-heatmap.png`` and so on."""

MAX_ROW_LABELS = 60
"""Above this many agreements the heatmap names none (they would overlap); the HTML matrix names all."""


def charts(matrix: Matrix) -> dict[str, bytes]:
    """Every chart of :data:`CHARTS` as PNG bytes (drawn with matplotlib's Agg canvas, no display)."""
    return {
        "matrix-heatmap": _png(_heatmap(matrix)),
        "coverage-by-decade": _png(_coverage_chart([("By decade of signature", coverage_by_decade(matrix))])),
        "coverage-by-region": _png(
            _coverage_chart(
                [
                    ("By sub-region of origin", coverage_by_region(matrix, "origin")),
                    ("By sub-region of destination", coverage_by_region(matrix, "destination")),
                ]
            )
        ),
    }


def _png(figure: Figure) -> bytes:
    out = io.BytesIO()
    FigureCanvasAgg(figure).print_png(out)
    return out.getvalue()


def _empty(figure: Figure) -> Figure:
    figure.text(0.5, 0.5, "No agreements match this selection.", ha="center", va="center", fontsize=14)
    return figure


def _legend() -> list[Patch]:
    return [
        Patch(
            facecolor=COLOURS[v],
            edgecolor="#333333",
            hatch=HATCHES[v],
            label=f"{SYMBOLS[v]} {v}".replace("_", " "),
        )
        for v in VALUES
    ]


def _heatmap(matrix: Matrix) -> Figure:
    """Agreements × criteria in the matrix colours; up to :data:`MAX_ROW_LABELS` agreements, each row is
    named and each cell carries its symbol too."""
    rows = len(matrix.rows)
    labelled = rows <= MAX_ROW_LABELS
    height = min(40.0, 4.8 + 0.3 * rows) if labelled else 12.0
    figure = Figure(figsize=(11, height), dpi=100)
    if not rows:
        return _empty(figure)
    axes = figure.add_subplot()
    codes = [[VALUES.index(cell.value) for cell in row.cells] for row in matrix.rows]
    colours = ListedColormap([COLOURS[v] for v in VALUES])
    axes.imshow(codes, cmap=colours, vmin=0, vmax=3, aspect="auto", interpolation="nearest")
    names = [c.replace("_", " ") for c in matrix.criteria]
    axes.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=8)
    if labelled:
        axes.set_yticks(
            range(rows), [f"{r.year or '?'} {r.parties} {r.type or ''}" for r in matrix.rows], fontsize=8
        )
        for y, row in enumerate(matrix.rows):
            for x, cell in enumerate(row.cells):
                ink = "white" if cell.value in ("yes", "no") else "black"
                axes.text(x, y, cell.symbol, ha="center", va="center", fontsize=8, color=ink)
    else:
        axes.set_ylabel(f"{rows:,} agreements, in year order")
        axes.set_yticks([])
    axes.set_title(f"Scorecards: {matrix.selection}")
    figure.legend(handles=_legend(), loc="lower center", ncol=4, frameon=False)
    figure.subplots_adjust(
        left=0.22 if labelled else 0.06, right=0.98, top=1 - 0.5 / height, bottom=2.3 / height
    )
    return figure


def _coverage_chart(panels: list[tuple[str, list[Coverage]]]) -> Figure:
    """Stacked horizontal bars, one per group: the shares of all its cells that are yes, partial, no and
    not assessable."""
    height = max(len(groups) for _, groups in panels) if panels else 0
    figure = Figure(figsize=(10, 1.6 + (0.45 * height + 1.2) * len(panels)), dpi=100)
    if not height:
        return _empty(figure)
    for number, (title, groups) in enumerate(panels, start=1):
        axes = figure.add_subplot(len(panels), 1, number)
        names = [f"{g.group} (n={g.agreements})" for g in groups]
        left = [0.0] * len(groups)
        for value in VALUES:
            shares = [100 * g.overall(value) for g in groups]
            axes.barh(
                names,
                shares,
                left=left,
                color=COLOURS[value],
                hatch=HATCHES[value],
                edgecolor="#333333",
                linewidth=0.5,
            )
            left = [a + b for a, b in zip(left, shares, strict=True)]
        axes.invert_yaxis()
        axes.set_xlim(0, 100)
        axes.set_xlabel("% of criteria × agreements")
        axes.set_title(title)
    figure.legend(handles=_legend(), loc="lower center", ncol=4, frameon=False)
    figure.tight_layout(rect=(0, 0.06, 1, 1))
    return figure


# --- the HTML report -------------------------------------------------------------------------------


@functools.cache
def templates() -> Environment:
    """The report's Jinja2 environment: autoescaping on, so agreement titles and clause quotes can never
    inject markup; undefined names are errors, not silent blanks."""
    return Environment(
        loader=PackageLoader("pipeline", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_report(matrix: Matrix, pngs: dict[str, bytes] | None = None) -> str:
    """The self-contained HTML report of ``matrix`` (``pngs``: the :func:`charts`, drawn if not given)."""
    pngs = charts(matrix) if pngs is None else pngs
    weakest, strongest = ranking(matrix)
    css = resources.files("pipeline").joinpath("static/matrix.css").read_text(encoding="utf-8")
    return (
        templates()
        .get_template("report.html")
        .render(
            matrix=matrix,
            rows=matrix.rows,
            css=Markup(css),  # our own stylesheet, inlined so the file works offline
            charts={
                name: f"data:image/png;base64,{base64.b64encode(data).decode()}"
                for name, data in pngs.items()
            },
            decades=coverage_by_decade(matrix),
            origins=coverage_by_region(matrix, "origin"),
            destinations=coverage_by_region(matrix, "destination"),
            corridors=corridors(matrix),
            weakest=weakest,
            strongest=strongest,
            top=TOP,
            values=VALUES,
            symbols=SYMBOLS,
            generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        )
    )


def chart_folder(out: Path) -> Path:
    """Where the PNG charts of the report ``out`` go: ``report.html`` → ``report-charts/``."""
    return out.parent / f"{out.stem}-charts"


def write_report(matrix: Matrix, out: Path) -> list[Path]:
    """Write the HTML report to ``out`` and its charts as PNG files beside it (see :func:`chart_folder`),
    each atomically; returns the paths written, the HTML first."""
    out = Path(out)
    pngs = charts(matrix)
    html = render_report(matrix, pngs)
    written = [out]
    atomic_write_text(out, html)
    for name, data in pngs.items():
        path = chart_folder(out) / f"{name}.png"
        atomic_write(path, lambda tmp, data=data: tmp.write(data))
        written.append(path)
    return written
