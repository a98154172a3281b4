"""The web page: a read-only, server-rendered view of a store, with a small versioned JSON API.

``blamine serve`` runs :func:`make_server`; tests call the WSGI application of :func:`make_app` directly.
Everything is a thin layer over the library, as the CLI is: :func:`pipeline.search.search` for the search
page, the JSON API and the CSV export (one parser, :func:`parse_search`, reads their common parameters),
and the stored JSON for the agreement page.

Routes (GET and HEAD only; every other method gets 405):

- ``/``: search box, filters, facets, highlighted hits, paging; ``/export.csv``: the same hits as CSV;
- ``/matrix``: the agreements × criteria matrix (:mod:`pipeline.report`) of the agreements the search's
  parameters select, sorted on the server by ``sort=`` (the page allows no script), each cell linked to
  its evidence further down; ``/report.html``: the full offline report for the same selection, built on
  the fly, as a download;
- ``/doc/<doc_id>``: metadata, scorecard with evidence links, indicators, the clause tree (each clause
  anchored by its id, ``/doc/<doc_id>#art-5.2``);
- ``/pdf/<doc_id>``: the copy of the PDF kept in the store (``STORE/pdfs/<doc_id>.pdf``), opened at a page
  with ``#page=N``;
- ``/api/v1/search``, ``/api/v1/documents/<doc_id>``, ``/api/v1/labels``: see ``docs/api.md``.

Safe by default: the server binds to localhost; Jinja2 escapes every value (clause text can hold
``<script>``), and snippets are escaped before their marks become ``<mark>``; files are served only from
inside the store, by ids checked against :data:`DOC_ID`; each response carries a Content-Security-Policy
that allows no script, plus ``nosniff`` and a referrer policy; bad parameters get a 400 page that says
what to change, and an unexpected error a 500 page without a traceback (that goes to the server's log).
"""

from __future__ import annotations

import html
import io
import json
import re
import socketserver
import sqlite3
import traceback
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, get_args
from urllib.parse import parse_qs, parse_qsl, quote, urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer
from wsgiref.simple_server import make_server as wsgi_server

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from . import report as report_module
from . import store as store_module
from . import taxonomy
from .errors import BlamineError
from .index import open_index
from .model import Clause, Document, Strength
from .search import (
    FACETS,
    RANK_CAP,
    QueryError,
    SearchFilters,
    SearchResult,
    render_snippet,
    search,
    write_csv,
)

API_VERSION = "1.0"
"""Version of the JSON API under ``/api/v1/``: the minor number grows when fields are added, a change that
removes or redefines a field gets a new path (``/api/v2/``). See ``docs/api.md``."""

DOC_ID = re.compile(r"[A-Za-z0-9._-]+")
"""What a document id in a URL may look like; anything else is refused before a path is built from it."""

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
"""Hits a page or an API call may ask for: enough to read, small enough to render quickly."""

SECURITY_HEADERS = [
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
]
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
"""No script at all, styles only from our own ``/static/`` file. PDFs are served without it: ``default-src
'none'`` on a PDF's own response can stop the browser's built-in viewer (a plugin) from rendering it."""

STATIC = {"style.css": "text/css; charset=utf-8", "matrix.css": "text/css; charset=utf-8"}
"""The only files ``/static/`` serves, by name: nothing is looked up from a path in the URL."""

FILTER_PARAMETERS = ("country", "origin", "destination", "type", "language", "strength")
"""Single-valued filters whose parameter name is the :class:`SearchFilters` field name."""

PARAMETERS = ("q", "label", *FILTER_PARAMETERS, "year_from", "year_to", "expand", "limit", "offset")


Params = list[tuple[str, str]]
StartResponse = Callable[[str, list[tuple[str, str]]], Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class HTTPError(Exception):
    """A response other than 200, with the message the page (or the JSON error) shows."""

    def __init__(self, status: int, message: str, headers: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or []


STATUS_TEXT = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


@dataclass
class Response:
    """What a page handler returns; :func:`make_app` adds the common headers."""

    status: int
    content_type: str
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)


# --- parameters --------------------------------------------------------------------------------------


@dataclass
class SearchRequest:
    """The search parameters of a page, API call or export, read and checked."""

    query: str | None = None
    filters: SearchFilters = field(default_factory=SearchFilters)
    expand: bool = False
    limit: int = PAGE_SIZE
    offset: int = 0

    def params(self, **changes: Any) -> Params:
        """The parameters that ask for this search again (with ``changes``), in a stable order; empty
        values are left out so links stay short. ``offset`` returns to 0 unless given."""
        request = replace(self, **{"offset": 0, **changes})
        filters = request.filters
        values: list[tuple[str, object]] = [("q", request.query)]
        values += [("label", label) for label in filters.labels]
        values += [(name, getattr(filters, name)) for name in (*FILTER_PARAMETERS, "year_from", "year_to")]
        values += [
            ("expand", "1" if request.expand else None),
            ("limit", request.limit if request.limit != PAGE_SIZE else None),
            ("offset", request.offset or None),
        ]
        return [(name, str(value)) for name, value in values if value is not None and value != ""]

    def with_filter(self, name: str, value: str) -> SearchRequest:
        """This search narrowed by one more filter (a facet click); a label is added to the others."""
        filters = self.filters
        if name == "label":
            return replace(self, filters=replace(filters, labels=(*filters.labels, value)))
        if name == "year":
            return replace(self, filters=replace(filters, year_from=int(value), year_to=int(value)))
        return replace(self, filters=replace(filters, **{name: value}))


def parse_search(
    query_string: str, default_limit: int = PAGE_SIZE, max_limit: int = MAX_PAGE_SIZE
) -> SearchRequest:
    """Read the parameters of a search URL; :class:`QueryError` says what is wrong with a bad one.

    Unknown and repeated parameters (other than ``label``) are refused rather than ignored, so a typo in
    an API call is an error, not a silently unfiltered result. Empty values count as absent (a form sends
    its empty fields)."""
    try:
        fields = parse_qs(query_string, max_num_fields=200)
    except ValueError as exc:
        raise QueryError(f"unreadable parameters ({exc})") from None
    for name, values in fields.items():
        if name not in PARAMETERS:
            raise QueryError(f"unknown parameter {name!r}; parameters are {', '.join(PARAMETERS)}")
        if name != "label" and len(values) > 1:
            raise QueryError(f"parameter {name!r} is given {len(values)} times; give it once")

    def one(name: str) -> str | None:
        value = fields.get(name, [""])[0].strip()
        return value or None

    filters = SearchFilters(
        labels=tuple(label.strip() for label in fields.get("label", []) if label.strip()),
        year_from=_integer(one("year_from"), "year_from", 0, 9999),
        year_to=_integer(one("year_to"), "year_to", 0, 9999),
        **{name: one(name) for name in FILTER_PARAMETERS},
    )
    expand = one("expand")
    if expand not in (None, "1", "0", "true", "false", "on", "off"):
        raise QueryError(f"expand {expand!r}: expected 1 or 0")
    limit = _integer(one("limit"), "limit", 0, max_limit)
    return SearchRequest(
        query=one("q"),
        filters=filters,
        expand=expand in ("1", "true", "on"),
        limit=default_limit if limit is None else limit,
        offset=_integer(one("offset"), "offset", 0, RANK_CAP) or 0,
    )


def parse_matrix(query_string: str) -> tuple[SearchRequest, str]:
    """The search parameters of a matrix or report URL and its ``sort`` key (``year`` if not given)."""
    pairs = parse_qsl(query_string, keep_blank_values=True, max_num_fields=200)
    sorts = [value.strip() for name, value in pairs if name == "sort" and value.strip()]
    if len(sorts) > 1:
        raise QueryError(f"parameter 'sort' is given {len(sorts)} times; give it once")
    sort = sorts[0] if sorts else "year"
    if sort not in report_module.SORT_KEYS:
        raise QueryError(f"sort {sort!r}: expected one of {', '.join(report_module.SORT_KEYS)}")
    return parse_search(urlencode([(name, value) for name, value in pairs if name != "sort"])), sort


def _integer(text: str | None, name: str, lowest: int, highest: int) -> int | None:
    if text is None:
        return None
    if not re.fullmatch(r"\d{1,9}", text) or not lowest <= int(text) <= highest:
        raise QueryError(f"{name} {text!r}: expected a whole number from {lowest} to {highest}")
    return int(text)


# --- the application ---------------------------------------------------------------------------------


def make_app(store: Path) -> WSGIApp:
    """The WSGI application serving ``store`` (read-only: it never writes to the store)."""
    site = Site(Path(store))

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        response = site.respond(environ)
        headers = [
            ("Content-Type", response.content_type),
            ("Content-Length", str(len(response.body))),
            *SECURITY_HEADERS,
            *response.headers,
        ]
        if response.content_type != "application/pdf":
            headers.append(("Content-Security-Policy", CSP))
        start_response(f"{response.status} {STATUS_TEXT[response.status]}", headers)
        return [b"" if environ["REQUEST_METHOD"] == "HEAD" else response.body]

    return app


class Site:
    """Routes a request to its page and turns refusals into error pages (JSON ones under ``/api/``)."""

    def __init__(self, store: Path) -> None:
        self.store = store
        self.templates = Environment(
            loader=PackageLoader("pipeline", "templates"),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates.filters["snippet"] = _snippet_html
        self.templates.filters["page_range"] = _page_range
        self.templates.globals.update(doc_url=_doc_url, pdf_url=_pdf_url, label_names=_label_names())

    def respond(self, environ: dict[str, Any]) -> Response:
        path = environ.get("PATH_INFO") or "/"
        api = path.startswith("/api/")
        try:
            if environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
                raise HTTPError(405, "this site is read-only: only GET and HEAD", [("Allow", "GET, HEAD")])
            return self.route(path, environ.get("QUERY_STRING", ""))
        except QueryError as exc:
            return self.error(HTTPError(400, str(exc)), api, environ)
        except HTTPError as exc:
            return self.error(exc, api, environ)
        except BlamineError as exc:
            return self.error(HTTPError(503, exc.one_line()), api, environ)
        except Exception:  # never show a traceback to the browser; the server's log gets it
            environ["wsgi.errors"].write(traceback.format_exc())
            return self.error(HTTPError(500, "internal error; the server log has the details"), api, environ)

    def route(self, path: str, query_string: str) -> Response:
        parts = path.split("/", 2)[1:]
        match parts:
            case [""]:
                return self.search_page(query_string)
            case ["export.csv"]:
                return self.export(query_string)
            case ["matrix"]:
                return self.matrix_page(query_string)
            case ["report.html"]:
                return self.report(query_string)
            case ["doc", doc_id]:
                return self.document_page(doc_id)
            case ["pdf", doc_id]:
                return self.pdf(doc_id)
            case ["static", name] if name in STATIC:
                body = resources.files("pipeline").joinpath("static", name).read_bytes()
                return Response(200, STATIC[name], body, [("Cache-Control", "max-age=3600")])
            case ["api", rest]:
                return self.api(rest, query_string)
        raise HTTPError(404, f"no page at {path}")

    # --- pages -----------------------------------------------------------------------------------------

    def search_page(self, query_string: str) -> Response:
        request = parse_search(query_string)
        with closing(open_index(self.store)) as conn:
            result = search(
                conn, request.query, request.filters, request.limit, request.offset, request.expand
            )
            choices = _choices(conn, request.filters, result)
        return self.render(
            "search.html",
            request=request,
            result=result,
            choices=choices,
            facets=_facet_links(request, result),
            active=_active_filters(request),
            pages=_paging(request, result),
            export_url=_url("/export.csv", request.params(limit=PAGE_SIZE)),
            matrix_url=_url("/matrix", request.params(limit=PAGE_SIZE)),
            report_url=_url("/report.html", request.params(limit=PAGE_SIZE)),
            api_url=_url("/api/v1/search", request.params()),
        )

    def document_page(self, doc_id: str) -> Response:
        doc = self.document(doc_id)
        children: dict[str | None, list[Clause]] = {}
        ids = {clause.id for clause in doc.clauses}
        for clause in doc.clauses:
            children.setdefault(clause.parent if clause.parent in ids else None, []).append(clause)
        return self.render(
            "document.html",
            doc=doc,
            children=children,
            has_pdf=self.pdf_file(doc_id) is not None,
        )

    def matrix_page(self, query_string: str) -> Response:
        """The matrix of the agreements the search parameters select, in the order ``sort=`` asks for."""
        request, sort = parse_matrix(query_string)
        matrix = report_module.load_matrix(self.store, request.filters, request.query, request.expand)
        params = request.params(limit=PAGE_SIZE)
        return self.render(
            "matrix.html",
            request=request,
            matrix=matrix,
            rows=report_module.sort_rows(matrix.rows, sort),
            sort=sort,
            sort_links={key: _url("/matrix", [*params, ("sort", key)]) for key in report_module.SORT_KEYS},
            search_url=_url("/", params),
            report_url=_url("/report.html", params),
            values=report_module.VALUES,
            symbols=report_module.SYMBOLS,
        )

    def report(self, query_string: str) -> Response:
        """The offline HTML report of :mod:`pipeline.report` for the selection, as a download."""
        request, _ = parse_matrix(query_string)
        matrix = report_module.load_matrix(self.store, request.filters, request.query, request.expand)
        body = report_module.render_report(matrix).encode()
        disposition = 'attachment; filename="blamine-report.html"'
        return Response(200, "text/html; charset=utf-8", body, [("Content-Disposition", disposition)])

    def export(self, query_string: str) -> Response:
        """Every hit the search counts (up to :data:`RANK_CAP`), not just one page, as the CLI's CSV."""
        request = parse_search(query_string, default_limit=RANK_CAP, max_limit=RANK_CAP)
        result = search(
            self.store, request.query, request.filters, request.limit, request.offset, request.expand
        )
        out = io.StringIO()
        write_csv(result, out)
        disposition = 'attachment; filename="blamine-search.csv"'
        return Response(
            200, "text/csv; charset=utf-8", out.getvalue().encode(), [("Content-Disposition", disposition)]
        )

    def pdf(self, doc_id: str) -> Response:
        path = self.pdf_file(doc_id)
        if path is None:
            raise HTTPError(
                404, f"no PDF for document {doc_id!r} in this store (ingest it again to keep one)"
            )
        disposition = f'inline; filename="{doc_id}.pdf"'
        return Response(200, "application/pdf", path.read_bytes(), [("Content-Disposition", disposition)])

    def api(self, rest: str, query_string: str) -> Response:
        match rest.split("/"):
            case ["v1", "search"]:
                request = parse_search(query_string)
                result = search(
                    self.store, request.query, request.filters, request.limit, request.offset, request.expand
                )
                return _json({"api_version": API_VERSION, **result.to_dict()})
            case ["v1", "labels"]:
                labels = [
                    {
                        "code": label.code,
                        "id": label.id,
                        "group": label.group,
                        "description": label.description,
                    }
                    for label in taxonomy.labels()
                ]
                return _json({"api_version": API_VERSION, "labels": labels})
            case ["v1", "documents", doc_id]:
                body = self.document_file(doc_id).read_bytes()
                return Response(200, "application/json; charset=utf-8", body)
        raise HTTPError(404, f"no API endpoint at /api/{rest}; see docs/api.md")

    # --- files of the store ----------------------------------------------------------------------------

    def document_file(self, doc_id: str) -> Path:
        path = _inside(store_module.documents_dir(self.store), doc_id, ".json")
        if path is None:
            raise HTTPError(404, f"no document {doc_id!r} in this store")
        return path

    def document(self, doc_id: str) -> Document:
        return store_module.read(self.document_file(doc_id))

    def pdf_file(self, doc_id: str) -> Path | None:
        return _inside(store_module.pdfs_dir(self.store), doc_id, ".pdf")

    # --- output ----------------------------------------------------------------------------------------

    def render(self, template: str, status: int = 200, **context: Any) -> Response:
        body = self.templates.get_template(template).render(**context).encode()
        return Response(status, "text/html; charset=utf-8", body)

    def error(self, error: HTTPError, api: bool, environ: dict[str, Any]) -> Response:
        if api:
            payload = {
                "api_version": API_VERSION,
                "error": {"status": error.status, "message": error.message},
            }
            response = _json(payload, error.status)
        else:
            query = parse_qs(environ.get("QUERY_STRING", "")).get("q", [""])[0]
            title = STATUS_TEXT[error.status]
            response = self.render("error.html", error.status, error=error, title=title, query=query)
        response.headers += error.headers
        return response


def _inside(folder: Path, doc_id: str, suffix: str) -> Path | None:
    """``folder/<doc_id><suffix>`` when ``doc_id`` is a plain id and the file (symbolic links followed)
    is a regular file directly inside ``folder``; ``None`` otherwise."""
    if not DOC_ID.fullmatch(doc_id) or doc_id.startswith("."):
        return None
    path = (folder / f"{doc_id}{suffix}").resolve()
    return path if path.parent == folder.resolve() and path.is_file() else None


def _json(data: Any, status: int = 200) -> Response:
    body = json.dumps(data, ensure_ascii=False, indent=1).encode()
    return Response(status, "application/json; charset=utf-8", body)


# --- what the templates show -------------------------------------------------------------------------


def _url(path: str, params: Params) -> str:
    return path + ("?" + urlencode(params) if params else "")


def _doc_url(doc_id: str, clause_id: str | None = None) -> str:
    return f"/doc/{quote(doc_id)}" + (f"#{quote(clause_id)}" if clause_id else "")


def _pdf_url(doc_id: str, page: int | None = None) -> str:
    return f"/pdf/{quote(doc_id)}" + (f"#page={page}" if page else "")


def _snippet_html(snippet: str) -> Markup:
    """A snippet as HTML: its text escaped first, then its marks turned into ``<mark>``."""
    return Markup(render_snippet(snippet, "<mark>", "</mark>", html.escape))


def _page_range(start: int, end: int) -> str:
    return f"page {start}" if start == end else f"pages {start}–{end}"


def _label_names() -> dict[str, str]:
    """Label id → its taxonomy code and description, shown as a tooltip-free plain title."""
    return {label.id: f"{label.code} · {label.description}" for label in taxonomy.labels()}


@dataclass
class Choices:
    """The values each filter field offers: what the index holds, plus what is selected."""

    labels: list[taxonomy.Label]
    countries: list[str]
    types: list[str]
    languages: list[str]
    strengths: list[str]
    years: tuple[int | None, int | None]


def _choices(conn: sqlite3.Connection, filters: SearchFilters, result: SearchResult) -> Choices:
    """Filter values from the agreements table (one row per agreement, so cheap at any size); clause
    languages also come from the facets, since a bilingual agreement's second language is not its own."""

    def distinct(sql: str, *selected: str | None) -> list[str]:
        values = {row[0] for row in conn.execute(sql) if row[0]}
        return sorted(values | {value for value in selected if value})

    years = conn.execute("SELECT min(year), max(year) FROM documents").fetchone()
    return Choices(
        labels=list(taxonomy.labels()),
        countries=distinct(
            "SELECT DISTINCT country FROM document_countries",
            filters.country,
            filters.origin,
            filters.destination,
        ),
        types=distinct("SELECT DISTINCT type FROM documents", filters.type),
        languages=distinct(
            "SELECT DISTINCT language FROM documents", filters.language, *result.facets["languages"]
        ),
        strengths=list(get_args(Strength)),
        years=(years[0], years[1]),
    )


@dataclass
class FacetLink:
    value: str
    count: int
    url: str | None
    """Where a click narrows the search to this value; ``None`` when it is already a filter."""


def _facet_links(request: SearchRequest, result: SearchResult) -> dict[str, list[FacetLink]]:
    links: dict[str, list[FacetLink]] = {}
    for name, counts in result.facets.items():
        parameter = FACETS[name]  # a facet's tag prefix is also its filter parameter
        links[name] = [
            FacetLink(
                value,
                count,
                None
                if _is_active(request.filters, parameter, value)
                else _url("/", request.with_filter(parameter, value).params()),
            )
            for value, count in counts.items()
        ]
    return links


def _is_active(filters: SearchFilters, parameter: str, value: str) -> bool:
    if parameter == "label":
        return value in filters.labels
    if parameter == "year":
        return filters.year_from == filters.year_to == int(value)
    return (getattr(filters, parameter) or "").casefold() == value.casefold()


@dataclass
class ActiveFilter:
    description: str
    remove_url: str


def _active_filters(request: SearchRequest) -> list[ActiveFilter]:
    """Each filter in force, with the link that drops it (and keeps the others)."""
    filters = request.filters
    active = [
        ActiveFilter(
            f"label {label}",
            _url(
                "/",
                request.params(
                    filters=replace(filters, labels=tuple(x for x in filters.labels if x != label))
                ),
            ),
        )
        for label in filters.labels
    ]
    for name in FILTER_PARAMETERS:
        if getattr(filters, name):
            active.append(
                ActiveFilter(
                    f"{name} {getattr(filters, name)}",
                    _url("/", request.params(filters=replace(filters, **{name: None}))),
                )
            )
    if filters.year_from is not None or filters.year_to is not None:
        years = f"{filters.year_from or ''}–{filters.year_to or ''}"
        without = replace(filters, year_from=None, year_to=None)
        active.append(ActiveFilter(f"years {years}", _url("/", request.params(filters=without))))
    return active


@dataclass
class Paging:
    first: int
    last: int
    previous_url: str | None
    next_url: str | None


def _paging(request: SearchRequest, result: SearchResult) -> Paging:
    previous_offset = max(0, request.offset - request.limit)
    more = request.offset + len(result.hits) < result.total
    return Paging(
        first=request.offset + 1 if result.hits else 0,
        last=request.offset + len(result.hits),
        previous_url=_url("/", request.params(offset=previous_offset)) if request.offset else None,
        next_url=_url("/", request.params(offset=request.offset + request.limit))
        if more and request.limit
        else None,
    )


# --- the server --------------------------------------------------------------------------------------


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    """One thread per request, so a slow search or a large PDF never blocks other readers."""

    daemon_threads = True


def make_server(store: Path, host: str = "127.0.0.1", port: int = 8000) -> WSGIServer:
    """A server for ``store`` listening on ``host:port`` (port 0: any free port); call
    ``serve_forever()``. Opens the index once first, so a missing or unusable store fails here, with a
    ``BlamineError``, rather than on the first request."""
    open_index(store).close()
    return wsgi_server(
        host, port, make_app(store), server_class=ThreadingWSGIServer, handler_class=WSGIRequestHandler
    )
