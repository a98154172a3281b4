"""The ``blamine`` command line: thin wrappers over the library, one command per entry point."""

from __future__ import annotations

import io
import json
import os
import sys
import time
import traceback
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from joblib import cpu_count

from . import store as store_module
from .annotations import ClauseKey, ClauseRef
from .classify import DEFAULT_MODELS_DIR
from .errors import E_ANNOTATIONS, E_INTERNAL, E_MODEL, BlamineError
from .extract import ExtractOptions
from .extract import extract as extract_pdf
from .index import index_path
from .index import reindex as reindex_store
from .ingest import FileResult, Summary, check_backend, open_batch
from .isolation import Limits, extract_isolated
from .manifest import FAILURES_FILE, MANIFEST_FILE
from .model import Document, LabelScore
from .search import CSV_COLUMNS as CSV_COLUMNS  # re-exported: scripts and tests read the columns here
from .search import QueryError, SearchFilters, SearchResult, parse_years, render_snippet, write_csv
from .search import search as search_index
from .taxonomy import label_ids
from .user_metadata import load_metadata_table

if TYPE_CHECKING:
    from .annotations import Annotation
    from .compare import Comparison

app = typer.Typer(
    help="blamine: bilateral labour migration agreements → clauses, provision labels and scorecards.",
    no_args_is_help=True,
    add_completion=False,
)

StoreOption = Annotated[Path, typer.Option("--store", "-s", help="Store folder (documents/ holds the JSON).")]
ModelsOption = Annotated[
    Path | None, typer.Option("--models", help="Models folder or a model version folder (default: shipped).")
]


PasswordOption = Annotated[str | None, typer.Option(help="Password for encrypted PDFs.")]
OcrLangOption = Annotated[
    list[str] | None,
    typer.Option("--ocr-lang", help="OCR language (ISO 639-1: en, fr, nl, de, es, pt, ar), repeatable."),
]
OcrJobsOption = Annotated[int, typer.Option(help="Pages OCRed in parallel (0 = one per CPU core).")]
ManifestOption = Annotated[
    Path, typer.Option(help="JSONL of {pdf, text, layout} (../shared/corpus/pdfs format).")
]
TimeoutOption = Annotated[float, typer.Option(help="Seconds one file may take before it is abandoned.")]
MemoryOption = Annotated[int, typer.Option(help="MB of memory one file may use (0 = no limit).")]


def _extract_options(password: str | None, ocr_lang: list[str] | None, ocr_jobs: int) -> ExtractOptions:
    return ExtractOptions(
        password=password,
        ocr_languages=tuple(ocr_lang) if ocr_lang else None,
        ocr_jobs=ocr_jobs if ocr_jobs > 0 else cpu_count(),
    )


VERBOSE_VARIABLE = "BLAMINE_VERBOSE"
"""``BLAMINE_VERBOSE=1`` in the environment is ``--verbose`` for every command (handy in cron and CI)."""
_shown = {"verbose": False}
"""What the global options asked for, set afresh by :func:`options` on every invocation."""


@app.callback()
def options(
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            help="After an error line, show its detail (the traceback). Give it before the command.",
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            is_eager=True,
            callback=lambda asked: _print_version() if asked else None,
            help="Print the package and default model versions, and exit.",
        ),
    ] = False,
) -> None:
    """blamine: bilateral labour migration agreements → clauses, provision labels and scorecards."""
    _shown["verbose"] = verbose or os.environ.get(VERBOSE_VARIABLE, "") not in ("", "0")


def _print_version() -> None:
    """What to cite and to report with a bug: the package, and the model that made the labels; then exit
    (``--version`` is eager, so no command is needed)."""
    from importlib.metadata import version

    from .classify import read_manifest, resolve_model_dir

    try:
        directory = resolve_model_dir(None)
        model = f"model {read_manifest(directory).get('version', directory.name)} ({directory})"
    except BlamineError as exc:
        model = f"no usable default model ({exc.reason})"
    typer.echo(f"blamine {version('blamine')}, {model}")
    raise typer.Exit()


def _detail(detail: str | None) -> None:
    """The developer's view of an error, under its one line, when asked for with ``--verbose``."""
    if detail and _shown["verbose"]:
        typer.echo(detail.rstrip(), err=True)


def _fail(exc: BlamineError) -> None:
    typer.echo(exc.one_line(), err=True)
    _detail(exc.detail or "".join(traceback.format_exception(exc)))
    raise typer.Exit(code=1)


def main() -> None:
    """The ``blamine`` program: the Typer app, where an unexpected exception (a bug) becomes one line
    with what to do, and its traceback only with ``--verbose``; exit code 2."""
    try:
        app(prog_name="blamine")
    except Exception as exc:
        command = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), "blamine")
        error = BlamineError(
            command,
            f"internal error {type(exc).__name__}: {exc}",
            E_INTERNAL,
            "".join(traceback.format_exception(exc)),
        )
        typer.echo(error.one_line(), err=True)
        _detail(error.detail)
        sys.exit(2)


def _label_summary(doc: Document) -> str:
    counts: dict[str, int] = {}
    for clause in doc.clauses:
        for score in clause.labels:
            counts[score.label] = counts.get(score.label, 0) + 1
    return ", ".join(label for label, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:6])


def _scorecard_summary(doc: Document) -> str:
    marks = {"yes": 0, "partial": 0, "no": 0, "not_assessable": 0}
    for entry in doc.scorecard:
        marks[entry.value] += 1
    return f"{marks['yes']} yes / {marks['partial']} partial / {marks['no']} no" + (
        f" / {marks['not_assessable']} n/a" if marks["not_assessable"] else ""
    )


@app.command()
def ingest(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="PDF files or folders (searched recursively).")
    ] = None,
    store: StoreOption = store_module.DEFAULT_STORE,
    models: ModelsOption = None,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            min=0,
            help="Documents processed in parallel (0 = one per CPU core, or with --scheduler one per "
            "thread of the cluster's workers).",
        ),
    ] = 0,
    backend: Annotated[
        str, typer.Option(help="joblib backend: loky (processes), threading, dask or ray.")
    ] = "loky",
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="Dask scheduler address (tcp://host:8786) for --backend dask; without it, a local "
            "cluster of --jobs worker processes is started for the run.",
        ),
    ] = None,
    retry_failed: Annotated[
        bool,
        typer.Option(
            "--retry-failed",
            help="Re-run only the files the store's manifest records as failed (under PATHS).",
        ),
    ] = False,
    reclassify: Annotated[
        bool,
        typer.Option(
            "--reclassify",
            help="Relabel the stored documents (those of files under PATHS, or all) with the current "
            "model: classification and scorecard only, no extraction or OCR; the PDFs are not read.",
        ),
    ] = False,
    password: PasswordOption = None,
    ocr_lang: OcrLangOption = None,
    ocr_jobs: Annotated[
        int, typer.Option(help="Pages OCRed in parallel per document (0 = the CPU cores left per job).")
    ] = 0,
    timeout_per_file: TimeoutOption = Limits.timeout,
    max_memory_per_file: MemoryOption = Limits.max_memory_mb or 0,
    metadata: Annotated[
        Path | None,
        typer.Option(
            help="CSV or JSON of known metadata per file (columns file or sha256, then title, parties, "
            "countries, year, type, language, origin, destination, date_signed, place); filled cells "
            "override what the text says.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print only the summary, as JSON.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
) -> None:
    """Extract, segment, classify and score agreement PDFs into STORE/documents/<doc_id>.json, in
    parallel; files already stored unchanged are skipped, and STORE/manifest.sqlite journals every file."""
    if not paths and not retry_failed and not reclassify:
        typer.echo("ERROR ingest: give PDF files or folders, --retry-failed or --reclassify", err=True)
        raise typer.Exit(code=2)
    if retry_failed and reclassify:
        typer.echo("ERROR ingest: --retry-failed and --reclassify do not go together", err=True)
        raise typer.Exit(code=2)
    cores = cpu_count()  # the cores this process may use (affinity, container quota), not the machine's
    n_jobs = jobs or cores
    options = _extract_options(password, ocr_lang, ocr_jobs or max(1, cores // n_jobs))
    limits = Limits(timeout=timeout_per_file, max_memory_mb=max_memory_per_file or None)
    try:
        check_backend(backend, scheduler)
        table = load_metadata_table(metadata) if metadata is not None else None
        with open_batch(
            paths or [], store, models, options, limits, table, retry_failed, reclassify
        ) as batch:
            if batch.outdated:
                typer.echo(
                    f"{len(batch.outdated)} stored documents come from an older blamine pipeline and are "
                    "not relabelled; ingest their PDFs again to redo them",
                    err=True,
                )
            if not batch.total:
                if retry_failed or reclassify:
                    nothing = "no failed files to retry" if retry_failed else "no stored documents"
                    typer.echo(nothing, err=quiet or as_json)
                    return
                typer.echo(
                    f"ERROR {' '.join(map(str, paths or []))}: no PDF files found [E_NOT_FOUND]", err=True
                )
                raise typer.Exit(code=1)
            report = _IngestReport(batch.total, quiet or as_json)
            for result in batch.run(jobs, backend, scheduler):
                report.add(result)
    except BlamineError as exc:
        _fail(exc)
    report.finish(store, as_json)
    raise typer.Exit(code=report.summary.exit_code)


class _IngestReport:
    """What ``blamine ingest`` prints as results arrive: a table row per stored document, one line per
    error, a progress line (redrawn in place on a terminal, a plain log line every
    :data:`PROGRESS_EVERY` seconds otherwise) and the final summary."""

    PROGRESS_EVERY = 30.0

    def __init__(self, total: int, quiet: bool) -> None:
        self.summary = Summary()
        self.total = total
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self.failures: list[FileResult] = []
        self.last_progress = time.monotonic()
        self.drawn = False
        if not quiet:
            typer.echo(INGEST_HEADER)
            typer.echo("-" * len(INGEST_HEADER))

    def add(self, result: FileResult) -> None:
        self.summary.add(result)
        if not result.ok:
            self.failures.append(result)
            self._clear()
            typer.echo(result.error, err=True)
            _detail(result.detail)
        if self.quiet:
            return
        if result.document is not None:
            self._clear()
            _print_document_row(result.document)
        self._progress()

    def _progress(self) -> None:
        now = time.monotonic()
        if not self.tty and now - self.last_progress < self.PROGRESS_EVERY:
            return
        self.last_progress = now
        summary = self.summary
        processed = summary.stored + summary.reclassified + summary.failed
        seconds = summary.seconds
        rate = processed / seconds if seconds else 0.0
        left = self.total - summary.files
        eta = f"{left / rate:.0f} s" if rate else "?"
        line = (
            f"{summary.files}/{self.total} files, {rate:.2f} documents/s, "
            f"{summary.pages / seconds if seconds else 0:.1f} pages/s, ETA {eta}"
        )
        if self.tty:
            sys.stderr.write(f"\r\x1b[K{line}")
            sys.stderr.flush()
            self.drawn = True
        else:
            typer.echo(f"progress: {line}", err=True)

    def _clear(self) -> None:
        """Wipe the progress line before printing, so rows and errors never run into it."""
        if self.drawn:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
            self.drawn = False

    def finish(self, store: Path, as_json: bool) -> None:
        self._clear()
        summary = self.summary
        failures_csv = (Path(store) / FAILURES_FILE).resolve()
        if as_json:
            data = {
                **summary.to_dict(),
                "store": str(Path(store).resolve()),
                "manifest": str((Path(store) / MANIFEST_FILE).resolve()),
                "failures_csv": str(failures_csv),
                "failures": [{"path": r.path, "code": r.code, "error": r.error} for r in self.failures],
            }
            typer.echo(json.dumps(data, ensure_ascii=False, indent=1))
            return
        if self.quiet:
            return
        figures = summary.to_dict()
        reclassified = f"{summary.reclassified} reclassified, " if summary.reclassified else ""
        typer.echo(
            f"\n{summary.stored} stored, {reclassified}{summary.failed} failed, {summary.skipped} skipped in "
            f"{figures['seconds']:.1f} s ({figures['documents_per_second']:.2f} documents/s, "
            f"{figures['pages_per_second']:.1f} pages/s); "
            f"JSON in {store_module.documents_dir(store).resolve()}"
        )
        if summary.skipped:
            typer.echo(
                f"skipped: {summary.unchanged} unchanged, {summary.duplicate} duplicate, "
                f"{summary.failed_before} failed before"
            )
        if summary.failed_before:
            typer.echo(
                f"not retried, as they failed before: {summary.failed_before} (--retry-failed retries them)"
            )
        if self.failures:
            typer.echo(f"failures listed in {failures_csv}")
        if summary.stored or summary.reclassified:
            typer.echo(f"search index updated: {index_path(store).resolve()}")


INGEST_HEADER = (
    f"{'doc_id':16}  {'file':38} {'year':>4} {'type':8} {'lang':4} {'clauses':>7}  scorecard / top labels"
)


def _print_document_row(doc: Document) -> None:
    meta = doc.metadata
    typer.echo(
        f"{doc.doc_id:16}  {doc.source.filename[:38]:38} {meta.year or '':>4} {(meta.type or '')[:8]:8} "
        f"{meta.language or '':4} {len(doc.clauses):>7}  {_scorecard_summary(doc)}"
    )
    typer.echo(f"{'':16}  countries: {', '.join(meta.countries) or '?'}; labels: {_label_summary(doc)}")
    for warning in doc.warnings:
        typer.echo(f"{'':16}  warning: {warning}")


@app.command()
def reindex(store: StoreOption = store_module.DEFAULT_STORE) -> None:
    """Rebuild the search index (STORE/index.sqlite) from the stored JSON documents."""
    try:
        stats = reindex_store(store)
    except BlamineError as exc:
        _fail(exc)
    for error in stats.errors:
        typer.echo(error, err=True)
    typer.echo(
        f"indexed {stats.documents} documents ({stats.clauses} clauses) in {stats.seconds:.1f} s: "
        f"{stats.path.resolve()} ({stats.bytes / 1e6:.1f} MB)"
    )
    if stats.errors:
        raise typer.Exit(code=1)


HIGHLIGHT = "**"
"""How the CLI marks matched words in snippets (table, CSV and JSON alike)."""


LabelFilter = Annotated[
    list[str] | None, typer.Option(help="Provision label id or code (A3); repeat for all of several.")
]
CountryFilter = Annotated[str | None, typer.Option(help="Either party (ISO 3166 alpha-2).")]
OriginFilter = Annotated[str | None, typer.Option(help="Country the workers come from (ISO2).")]
DestinationFilter = Annotated[str | None, typer.Option(help="Country they go to (ISO2).")]
YearFilter = Annotated[str | None, typer.Option(help="1990-2010, 1990-, -1960 or 1975.")]
TypeFilter = Annotated[str | None, typer.Option("--type", help="Instrument type (BLA, MOU, ...).")]
LanguageFilter = Annotated[str | None, typer.Option(help="Clause language (ISO 639-1).")]
StrengthFilter = Annotated[
    str | None, typer.Option(help="binding, hedged, negated, excluded or descriptive.")
]
ExpandOption = Annotated[
    bool, typer.Option("--expand/--no-expand", help="Add our multilingual synonyms of each word.")
]
"""The filters of ``search``, shared by ``report``, which picks agreements the way search picks clauses."""


def _search_filters(
    label: list[str] | None,
    country: str | None,
    origin: str | None,
    destination: str | None,
    year: str | None,
    type_: str | None,
    language: str | None,
    strength: str | None,
) -> SearchFilters:
    """The command-line filters as :class:`SearchFilters`; raises ``QueryError`` on a bad one."""
    years = parse_years(year) if year else (None, None)
    return SearchFilters(
        labels=tuple(label or ()),
        country=country,
        origin=origin,
        destination=destination,
        year_from=years[0],
        year_to=years[1],
        type=type_,
        language=language,
        strength=strength,
    )


@app.command()
def search(
    query: Annotated[
        str | None,
        typer.Argument(
            help='Words (ANDed), "a phrase", OR, NOT, prefix*, (groups); operators in capitals. '
            "Leave out to list the clauses the filters select."
        ),
    ] = None,
    store: StoreOption = store_module.DEFAULT_STORE,
    label: LabelFilter = None,
    country: CountryFilter = None,
    origin: OriginFilter = None,
    destination: DestinationFilter = None,
    year: YearFilter = None,
    type_: TypeFilter = None,
    language: LanguageFilter = None,
    strength: StrengthFilter = None,
    limit: Annotated[int, typer.Option(min=0, help="Hits to show.")] = 20,
    offset: Annotated[int, typer.Option(min=0, help="Hits to skip (paging).")] = 0,
    expand: ExpandOption = False,
    format: Annotated[str, typer.Option("--format", "-f", help="table, json or csv")] = "table",
) -> None:
    """Search the clauses of the stored agreements: ranked hits with highlighted snippets."""
    if format not in ("table", "json", "csv"):
        typer.echo(f"ERROR --format: expected table, json or csv, got {format!r}", err=True)
        raise typer.Exit(code=2)
    try:
        filters = _search_filters(label, country, origin, destination, year, type_, language, strength)
        result = search_index(store, query, filters, limit, offset, expand_synonyms=expand)
    except QueryError as exc:
        typer.echo(f"ERROR search: {exc}", err=True)
        raise typer.Exit(code=2) from None
    except BlamineError as exc:
        _fail(exc)
    {"table": _print_table, "json": _print_json, "csv": _print_csv}[format](result)


def _print_table(result: SearchResult) -> None:
    shown = f"{result.offset + 1}-{result.offset + len(result.hits)}" if result.hits else "none"
    total = f"{result.total:,}" if result.total_exact else f"at least {result.total:,}"
    typer.echo(f"{total} clauses in {result.documents:,} agreements; showing {shown}")
    if result.interpreted:
        typer.echo(f"query: {result.interpreted}")
    typer.echo(f"order: {result.ranking}")
    for hit in result.hits:
        pages = f"p.{hit.page_start}" + (f"-{hit.page_end}" if hit.page_end != hit.page_start else "")
        score = f"{hit.score:6.2f}" if hit.score is not None else "     -"
        labels = ", ".join(item.label for item in hit.labels)
        typer.echo(
            f"\n{score}  {hit.year or '?':>4} {(hit.type or '?')[:8]:8} {'-'.join(hit.countries) or '?':7} "
            f"{hit.doc_id}  {hit.clause_id} {pages}  {hit.strength or ''}  {labels}"
        )
        typer.echo(f"        {render_snippet(hit.snippet, HIGHLIGHT, HIGHLIGHT)}")


def _print_json(result: SearchResult) -> None:
    data = result.to_dict()
    for hit in data["hits"]:
        hit["snippet"] = render_snippet(hit["snippet"], HIGHLIGHT, HIGHLIGHT)
    typer.echo(json.dumps(data, ensure_ascii=False, indent=1))


def _print_csv(result: SearchResult) -> None:
    out = io.StringIO()
    write_csv(result, out, HIGHLIGHT)
    typer.echo(out.getvalue(), nl=False)


LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


@app.command()
def serve(
    store: StoreOption = store_module.DEFAULT_STORE,
    host: Annotated[str, typer.Option(help="Address to listen on; the default serves this machine only.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0: any free one).")] = 8000,
) -> None:
    """Serve a read-only web page over the store: search, agreement pages, PDFs, JSON API, CSV export."""
    from .web import make_server

    try:
        server = make_server(store, host, port)
    except BlamineError as exc:
        _fail(exc)
    except OSError as exc:
        typer.echo(f"ERROR {host}:{port}: cannot listen ({exc.strerror or exc})", err=True)
        raise typer.Exit(code=1) from None
    if host not in LOCAL_HOSTS:
        typer.echo(f"warning: listening on {host}: other machines can read this store", err=True)
    typer.echo(f"serving {Path(store).resolve()} at http://{host}:{server.server_port}/ (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        typer.echo("stopped")
    finally:
        server.server_close()


@app.command()
def extract(
    pdf: Annotated[Path, typer.Argument(help="A PDF file.")],
    format: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
    password: PasswordOption = None,
    ocr_lang: OcrLangOption = None,
    ocr_jobs: OcrJobsOption = 0,
    timeout: TimeoutOption = Limits.timeout,
    max_memory: MemoryOption = Limits.max_memory_mb or 0,
) -> None:
    """Print the extracted text of a PDF (for checking extraction), or its pages as JSON."""
    if format not in ("text", "json"):
        typer.echo(f"ERROR --format: expected text or json, got {format!r}", err=True)
        raise typer.Exit(code=2)
    try:
        limits = Limits(timeout=timeout, max_memory_mb=max_memory or None)
        doc = extract_isolated(pdf, _extract_options(password, ocr_lang, ocr_jobs), limits)
    except BlamineError as exc:
        _fail(exc)
    if format == "text":
        typer.echo(doc.text)
        return
    data = doc.to_dict()
    payload = {key: data[key] for key in ("schema_version", "doc_id", "source", "pages", "warnings", "text")}
    typer.echo(json.dumps(payload, ensure_ascii=False, indent=1))


@app.command()
def show(
    doc_id: Annotated[str, typer.Argument(help="Document id (or a unique prefix).")],
    store: StoreOption = store_module.DEFAULT_STORE,
    as_json: Annotated[bool, typer.Option("--json", help="Print the stored JSON.")] = False,
) -> None:
    """Show a stored agreement: metadata, clauses with labels and pages, and the scorecard."""
    try:
        doc = store_module.load(store, doc_id)
    except BlamineError as exc:
        _fail(exc)
    if as_json:
        typer.echo(json.dumps(doc.to_dict(), ensure_ascii=False, indent=1))
        return
    meta = doc.metadata
    typer.echo(f"{doc.doc_id}  {doc.source.filename}")
    typer.echo(f"title:     {meta.title or '?'}")
    typer.echo(f"parties:   {', '.join(meta.parties) or '?'} ({', '.join(meta.countries) or '?'})")
    typer.echo(f"year/type: {meta.year or '?'} / {meta.type or '?'}   language: {meta.language or '?'}")
    typer.echo(f"model:     {doc.model.name + ' ' + doc.model.version if doc.model else 'none'}")
    typer.echo("\nclauses:")
    for clause in doc.clauses:
        pages = f"p.{clause.page_start}" + (
            f"-{clause.page_end}" if clause.page_end != clause.page_start else ""
        )
        labels = ", ".join(f"{s.label} {s.score:.2f}" for s in clause.labels)
        snippet = clause.text if len(clause.text) <= 90 else clause.text[:87] + "..."
        typer.echo(f"  {clause.id:22} {clause.kind:9} {pages:7} {snippet}")
        if labels:
            typer.echo(f"  {'':22} {'':9} {'':7} → {labels} [{clause.strength}]")
    typer.echo("\nscorecard:")
    for entry in doc.scorecard:
        pages = f" p.{','.join(map(str, entry.pages))}" if entry.pages else ""
        typer.echo(f"  {entry.criterion:34} {entry.value:15} {entry.reason}{pages}")
    typer.echo("\nindicators:")
    for indicator in doc.indicators:
        typer.echo(f"  {indicator.indicator:34} {indicator.value:15} {indicator.reason}")


@app.command()
def report(
    query: Annotated[
        str | None, typer.Argument(help="Only agreements with a clause matching this search query.")
    ] = None,
    store: StoreOption = store_module.DEFAULT_STORE,
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="HTML file to write; PNG charts go to <name>-charts/ beside it."),
    ] = Path("report.html"),
    label: LabelFilter = None,
    country: CountryFilter = None,
    origin: OriginFilter = None,
    destination: DestinationFilter = None,
    year: YearFilter = None,
    type_: TypeFilter = None,
    language: LanguageFilter = None,
    strength: StrengthFilter = None,
    expand: ExpandOption = False,
) -> None:
    """Comparative report: the agreements × criteria matrix, coverage by decade and region, the weakest
    and strongest agreements, with evidence; one offline HTML file plus PNG charts."""
    from .report import load_matrix, write_report  # matplotlib loads only for this command

    try:
        filters = _search_filters(label, country, origin, destination, year, type_, language, strength)
        started = time.perf_counter()
        matrix = load_matrix(store, filters, query, expand_synonyms=expand)
        paths = write_report(matrix, out)
    except QueryError as exc:
        typer.echo(f"ERROR report: {exc}", err=True)
        raise typer.Exit(code=2) from None
    except BlamineError as exc:
        _fail(exc)
    typer.echo(f"{len(matrix.rows):,} agreements in {time.perf_counter() - started:.1f} s: {paths[0]}")
    for path in paths[1:]:
        typer.echo(f"  chart: {path}")


@app.command("export")
def export_command(
    store: StoreOption = store_module.DEFAULT_STORE,
    format: Annotated[str, typer.Option("--format", "-f", help="csv, parquet or jsonl")] = "csv",
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the tables into.")] = Path(
        "blamine-export"
    ),
    country: Annotated[str | None, typer.Option(help="Only agreements with this party (ISO2).")] = None,
    year: Annotated[
        str | None, typer.Option(help="Only these years: 1990-2010, 1990-, -1960 or 1975.")
    ] = None,
    type_: Annotated[
        str | None, typer.Option("--type", help="Only this instrument type (BLA, MOU, ...).")
    ] = None,
) -> None:
    """Write the store as tidy tables (documents, clauses, labels, scorecard, indicators) with a data
    dictionary and a datapackage.json, for R, Stata and pandas. Unreadable documents are skipped, named,
    and make the exit code 1."""
    from .export import FORMATS, ExportFilters
    from .export import export as export_store

    if format not in FORMATS:
        typer.echo(f"ERROR --format: expected {', '.join(FORMATS)}, got {format!r}", err=True)
        raise typer.Exit(code=2)
    try:
        years = parse_years(year) if year else (None, None)
        filters = ExportFilters(country=country, year_from=years[0], year_to=years[1], type=type_)
        result = export_store(store, out, format, filters)
    except BlamineError as exc:
        _fail(exc)
    except ValueError as exc:  # QueryError (bad --year) is a ValueError too
        typer.echo(f"ERROR export: {exc}", err=True)
        raise typer.Exit(code=2) from None
    for error in result.skipped:
        typer.echo(error.one_line(), err=True)
    rows = ", ".join(f"{count} {name}" for name, count in result.rows.items())
    typer.echo(f"exported {rows} ({format}) in {result.seconds:.1f} s: {out.resolve()}")
    if result.skipped:
        typer.echo(
            f"{len(result.skipped)} unreadable documents skipped (also listed in README.txt)", err=True
        )
        raise typer.Exit(code=1)


@app.command()
def doctor(
    store: Annotated[
        Path | None, typer.Option("--store", "-s", help="Also check this store (documents, index, journal).")
    ] = None,
    models: ModelsOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the checks as JSON.")] = False,
) -> None:
    """Check the installation (Python packages, tesseract and its languages, chromium, the model files and
    their hashes) and, with --store, a store; each problem comes with what fixes it. Exit code 1 if any
    check fails (warnings do not)."""
    from . import doctor as checks

    found = checks.run_checks(store, models)
    typer.echo(checks.render_json(found) if as_json else checks.render(found))
    raise typer.Exit(code=checks.exit_code(found))


@app.command("evaluate-articles")
def evaluate_articles(
    gold: Annotated[Path, typer.Option(help="Gold clause annotations (JSONL, ../shared/labels format).")],
    store: StoreOption = store_module.DEFAULT_STORE,
) -> None:
    """Per stored document with gold: clause count and the share of gold articles found as clauses."""
    from .evaluate import article_recall

    report = article_recall(store_module.iter_documents(store), gold)
    typer.echo(f"{'document':60} {'clauses':>7} {'articles':>9}  missing")
    for row in report.rows:
        missing = ", ".join(row["missing"][:8])  # type: ignore[index]
        typer.echo(
            f"{row['document'][:60]:60} {row['clauses']:>7} "
            f"{row['found']:>4}/{row['gold_articles']:<4}  {missing}"
        )
    typer.echo(f"share of gold articles found: {report.found}/{report.total} = {report.share:.3f}")


@app.command("evaluate-extraction")
def evaluate_extraction(
    manifest: ManifestOption,
    layout: Annotated[list[str] | None, typer.Option(help="Only these layouts (repeatable).")] = None,
    ocr_jobs: OcrJobsOption = 0,
) -> None:
    """Word-sequence similarity of extracted text with the reference texts, per PDF and median per layout."""
    from .evaluate import extraction_quality

    options = asdict(_extract_options(None, None, ocr_jobs))
    report = extraction_quality(manifest, lambda pdf: extract_pdf(pdf, **options).text, layouts=layout)
    typer.echo(f"{'pdf':64} {'layout':8} {'similarity':>10} {'seconds':>8}")
    for row in report.rows:
        typer.echo(
            f"{str(row['pdf'])[:64]:64} {row['layout']:8} {row['similarity']:>10.4f} {row['seconds']:>8.2f}"
        )
    for name in sorted({str(r["layout"]) for r in report.rows}):
        typer.echo(f"median {name}: {report.median(name):.4f}")


@app.command("evaluate-segmentation")
def evaluate_segmentation(
    gold: Annotated[Path, typer.Option(help="Gold clause units (JSONL, ../shared/labels format).")],
    manifest: ManifestOption,
    layout: Annotated[list[str] | None, typer.Option(help="Only these layouts (repeatable).")] = None,
    ocr_jobs: OcrJobsOption = 0,
) -> None:
    """Boundary precision/recall/F1 and article recall of segmentation against gold units, per layout."""
    from .evaluate import segmentation_quality
    from .segment import segment

    options = _extract_options(None, None, ocr_jobs)
    report = segmentation_quality(
        gold, manifest, lambda pdf: segment(extract_isolated(pdf, options)), layouts=layout
    )
    typer.echo(f"{'pdf':64} {'hits':>5} {'ours':>5} {'gold':>5} {'articles':>9}")
    for row in report.rows:
        typer.echo(
            f"{str(row['pdf'])[:64]:64} {row['hits']:>5} {row['predicted']:>5} {row['gold']:>5} "
            f"{row['articles_found']:>4}/{row['articles']:<4}"
        )
    for name in sorted({str(r["layout"]) for r in report.rows}):
        figures = report.summary(name)
        typer.echo(
            f"{name}: boundary P {figures['precision']:.3f}  R {figures['recall']:.3f}"
            f"  F1 {figures['f1']:.3f}  article recall {figures['article_recall']:.3f}"
        )


@app.command("evaluate-metadata")
def evaluate_metadata(
    index: Annotated[Path, typer.Option(help="JSONL of known metadata per text (../shared/corpus/texts).")],
    manifest: ManifestOption,
    layout: Annotated[list[str] | None, typer.Option(help="Layouts to read (repeatable).")] = None,
    ocr_jobs: OcrJobsOption = 0,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print every wrong field.")] = False,
) -> None:
    """Share of metadata fields right (countries, year, type, language, origin, destination) per field."""
    from .evaluate import METADATA_FIELDS, metadata_accuracy
    from .ingest import document_metadata
    from .metadata import country_codes
    from .segment import segment

    options = _extract_options(None, None, ocr_jobs)
    report = metadata_accuracy(
        index,
        manifest,
        lambda pdf: document_metadata(segment(extract_isolated(pdf, options))),
        country_codes,
        layouts=layout or ["official"],
    )
    if verbose:
        for row in report.rows:
            if not row["right"]:
                typer.echo(
                    f"{str(row['pdf'])[:60]:60} {row['field']:12} {row['expected']!s:20} {row['found']!s}"
                )
    documents = len({r["pdf"] for r in report.rows})
    per_field = "  ".join(f"{name} {report.share(name):.2f}" for name in METADATA_FIELDS)
    typer.echo(f"{documents} documents; {per_field}")
    typer.echo(f"fields right: {report.share():.3f}")


@app.command()
def evaluate(
    annotations: Annotated[Path, typer.Option(help="Folder of annotation JSONL files.")] = Path(
        "annotations"
    ),
    shared: Annotated[
        Path | None, typer.Option(help="The ../shared folder (its dev gold is added and scored alone).")
    ] = None,
    candidate: Annotated[
        list[str] | None, typer.Option(help="Candidates to compare (repeatable); default: all.")
    ] = None,
    folds: Annotated[int, typer.Option(help="Folds grouped by agreement; 0 = leave one agreement out.")] = 0,
    jobs: Annotated[int, typer.Option(help="Folds trained in parallel.")] = 1,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Where evaluation.json and the PNG charts go; default: the current model's folder."
        ),
    ] = None,
) -> None:
    """Compare classifier candidates by grouped cross-validation (never the same agreement in train and
    test): clause and agreement-level F1, per-label figures, calibration; saved as JSON and PNG charts."""
    from .classify import resolve_model_dir
    from .train import (
        CANDIDATES,
        SHARED_DIR,
        best_figures,
        evaluate_candidates,
        load_examples,
        save_evaluation,
    )

    names = candidate or list(CANDIDATES)
    unknown = [name for name in names if name not in CANDIDATES]
    if unknown:
        typer.echo(f"ERROR --candidate: unknown {unknown}; known: {list(CANDIDATES)}", err=True)
        raise typer.Exit(code=2)
    examples = load_examples(annotations, shared or SHARED_DIR)
    if not examples:
        typer.echo(f"ERROR {annotations}: no annotated clauses found", err=True)
        raise typer.Exit(code=1)
    results = evaluate_candidates(examples, names, folds=folds, seed=seed, n_jobs=jobs)
    scopes = [scope for scope in ("shared_dev", "all") if any(r[scope] for r in results.values())]
    typer.echo(f"{'candidate':16} {'scope':10} {'micro':>6} {'macro':>6} {'agr-micro':>9} {'ECE':>6}  folds")
    for name, result in results.items():
        for scope in scopes:
            figures = result[scope]
            typer.echo(
                f"{name:16} {scope:10} {figures['micro_f1']:6.3f} {figures['macro_f1']:6.3f} "
                f"{figures['agreement_level']['micro_f1']:9.3f} {figures['calibration']['all']['ece']:6.3f}  "
                f"{result['folds']}"
            )
    best, scope, figures = best_figures(results)
    typer.echo(f"\nper label ({best}, {scope}): precision recall F1 support [P@80R for rare labels]")
    for label, stats in figures["per_label"].items():
        if stats["support"]:
            rare = stats.get("precision_at_80_recall")
            typer.echo(
                f"  {label:38} {stats['precision']:5.2f} {stats['recall']:5.2f} {stats['f1']:5.2f} "
                f"{stats['support']:5d}" + (f"  P@80R {rare:.2f}" if rare is not None else "")
            )
    calibration = "  ".join(f"{family} {data['ece']:.3f}" for family, data in figures["calibration"].items())
    typer.echo(f"expected calibration error by label family: {calibration}")
    saved = save_evaluation(out or resolve_model_dir(None), results)
    typer.echo(f"saved {saved[0]} and {', '.join(p.name for p in saved[1:])}")


# --- the learning loop: annotations in and out, train, compare, promote ------------------------------------

ModelsDirOption = Annotated[Path, typer.Option("--models", help="Models folder (one subfolder per version).")]
FromOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--from",
        help="Annotation folder (repeatable; default: annotations/). Its imported/ "
        "subfolder holds the judgements `blamine annotations import` added.",
    ),
]
SharedOption = Annotated[
    Path | None, typer.Option(help="The ../shared folder whose dev gold joins the data when present.")
]
annotations_app = typer.Typer(
    help="Annotation tasks out to Label Studio, Prodigy or doccano; labels back in."
)
models_app = typer.Typer(help="The trained model versions: list them, roll the default back.")
app.add_typer(annotations_app, name="annotations")
app.add_typer(models_app, name="models")


@app.command()
def train(
    from_: FromOption = None,
    shared: SharedOption = None,
    out: Annotated[
        Path, typer.Option("--out", help="Models folder; the candidate goes to OUT/<version>/.")
    ] = DEFAULT_MODELS_DIR,
    folds: Annotated[int, typer.Option(help="Grouped cross-validation folds.")] = 5,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    jobs: Annotated[
        int, typer.Option(help="Processes fitting folds and labels at once (0 = one per CPU core).")
    ] = 0,
    adjudicator: Annotated[
        str | None, typer.Option(help="Annotator whose judgement wins a disagreement (default: majority).")
    ] = None,
    promote_: Annotated[
        bool,
        typer.Option(
            "--promote",
            help="Make the new model the default at once, without `blamine compare` "
            "(logged as unchecked; for rebuilding the shipped model).",
        ),
    ] = False,
) -> None:
    """Train a candidate classifier on the annotations (+ ../shared gold when present) into
    MODELS/<version>/ with its manifest, model card and grouped cross-validation figures."""
    from .registry import set_current
    from .train import SHARED_DIR
    from .train import train as train_model

    try:
        version_dir, evaluation = train_model(
            from_ or [Path("annotations")],
            out,
            shared=shared or SHARED_DIR,
            folds=folds,
            seed=seed,
            adjudicator=adjudicator,
            n_jobs=jobs or cpu_count(),
        )
    except ValueError as exc:
        typer.echo(f"ERROR train: {exc}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(f"candidate model saved to {version_dir}")
    for name in ("grouped_cv_all", "grouped_cv_shared_dev_only"):
        if name in evaluation:
            figures = evaluation[name]
            typer.echo(
                f"{name}: micro-F1 {figures['micro_f1']:.3f}  macro-F1 {figures['macro_f1']:.3f}  "
                f"({figures['examples']} clauses)"
            )
    if promote_:
        set_current(
            out, version_dir.name, action="promote", forced=True, reason="train --promote", verdict=None
        )
        typer.echo(f"{version_dir.name} is now the default model")
    else:
        typer.echo(f"next: blamine compare {version_dir.name}, then blamine promote {version_dir.name}")


CompareFoldsOption = Annotated[int, typer.Option(help="Agreement folds both models are cross-validated on.")]
JobsOption = Annotated[int, typer.Option("--jobs", "-j", help="Folds trained in parallel.")]


@app.command()
def compare(
    candidate: Annotated[str, typer.Argument(help="Candidate version (a folder of MODELS, or a path).")],
    against: Annotated[str | None, typer.Option(help="Version to compare with (default: current).")] = None,
    models: ModelsDirOption = DEFAULT_MODELS_DIR,
    from_: FromOption = None,
    shared: SharedOption = None,
    folds: CompareFoldsOption = 5,
    jobs: JobsOption = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON.")] = False,
) -> None:
    """Cross-validate the candidate and the current model on the same agreement folds: micro-F1 and
    per-label F1 differences with 95 % bootstrap intervals (over agreements), and a verdict."""
    from .registry import current_version

    try:
        base = against or current_version(models)
        if base is None:
            raise BlamineError(models, "no current model to compare with; give --against", E_MODEL)
        result = _comparison(models, candidate, base, from_, shared, folds, jobs)
    except BlamineError as exc:
        _fail(exc)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=1))
        return
    _print_comparison(result)


def _comparison(
    models: Path,
    candidate: str,
    against: str,
    from_: list[Path] | None,
    shared: Path | None,
    folds: int,
    jobs: int,
) -> Comparison:
    """``compare`` and ``promote``'s comparison of two versions of MODELS (saved, or reused when saved)."""
    from .compare import comparison_with
    from .registry import version_dir
    from .train import SHARED_DIR

    return comparison_with(
        version_dir(models, candidate),
        version_dir(models, against),
        from_ or [Path("annotations")],
        shared=shared or SHARED_DIR,
        folds=folds,
        n_jobs=jobs,
    )


def _print_comparison(result: Comparison) -> None:
    typer.echo(
        f"{result.candidate} vs {result.against}: {result.clauses} clauses of {result.agreements} "
        f"agreements, {result.folds} folds; difference = candidate - current [95 % interval]"
    )
    typer.echo(f"{'label':38} {'support':>7} {'current':>7} {'cand.':>7} {'diff':>7}  interval")
    rows = [("micro-F1", sum(result.support.values()), result.micro_f1)]
    rows += [(label, result.support[label], d) for label, d in result.labels.items() if result.support[label]]
    for name, support, d in rows:
        typer.echo(
            f"{name:38} {support:7d} {d.current:7.3f} {d.candidate:7.3f} {d.delta:+7.3f}  "
            f"[{d.low:+.3f}, {d.high:+.3f}]"
        )
    missing = {name: count for name, count in result.missing.items() if count}
    if missing:
        typer.echo(f"training clauses no longer in the annotations (left out): {missing}")
    typer.echo(f"verdict: {result.verdict}")
    for reason in result.blocking:
        typer.echo(f"blocks promotion: {reason}")


@app.command()
def promote(
    candidate: Annotated[str, typer.Argument(help="Candidate version to make the default.")],
    models: ModelsDirOption = DEFAULT_MODELS_DIR,
    from_: FromOption = None,
    shared: SharedOption = None,
    folds: CompareFoldsOption = 5,
    jobs: JobsOption = 1,
    force: Annotated[bool, typer.Option(help="Promote even when worse beyond noise (logged).")] = False,
    reason: Annotated[str, typer.Option(help="Why, for the promotions log.")] = "",
) -> None:
    """Make CANDIDATE the default model, unless `blamine compare` finds it worse than the current one
    beyond noise on micro-F1 or on a label with enough support. Logged in MODELS/promotions.jsonl; then
    `blamine ingest --store DIR --reclassify` brings a store up to it."""
    from .registry import current_version, version_dir
    from .registry import promote as promote_version

    try:
        current = current_version(models)
        comparison = None
        if current is not None and current != version_dir(models, candidate).name:
            comparison = _comparison(models, candidate, current, from_, shared, folds, jobs)
            _print_comparison(comparison)
        entry = promote_version(models, candidate, comparison, force=force, reason=reason)
    except BlamineError as exc:
        _fail(exc)
    forced = " (forced)" if entry["forced"] else ""
    typer.echo(f"{entry['to']} is now the default model{forced}; it was {entry['from']}")


@models_app.command("list")
def models_list(models: ModelsDirOption = DEFAULT_MODELS_DIR) -> None:
    """The model versions, their training size and grouped cross-validation figures; * marks the default."""
    from .registry import versions

    typer.echo(f"  {'version':24} {'clauses':>7} {'micro-F1':>8} {'dev micro-F1':>12}")
    for v in versions(models):
        micro, dev = (f"{x:.3f}" if x is not None else "-" for x in (v.micro_f1, v.dev_micro_f1))
        typer.echo(f"{'*' if v.current else ' '} {v.version:24} {v.examples or 0:7d} {micro:>8} {dev:>12}")


@models_app.command("rollback")
def models_rollback(models: ModelsDirOption = DEFAULT_MODELS_DIR) -> None:
    """Make the previous default model the default again (per MODELS/promotions.jsonl)."""
    from .registry import rollback

    try:
        entry = rollback(models)
    except BlamineError as exc:
        _fail(exc)
    typer.echo(f"{entry['to']} is the default model again (was {entry['from']})")


@annotations_app.command("export")
def annotations_export(
    out: Annotated[Path, typer.Argument(help="File to write the tasks to.")],
    store: StoreOption = store_module.DEFAULT_STORE,
    fmt: Annotated[
        str, typer.Option("--format", help="labelstudio, prodigy, doccano or own.")
    ] = "labelstudio",
    with_predictions: Annotated[
        bool, typer.Option("--with-predictions", help="The model's labels as pre-annotations.")
    ] = False,
    select: Annotated[
        str, typer.Option(help="Which clauses: all, label:LABEL (those the model gave LABEL) or suggest.")
    ] = "all",
    n: Annotated[int, typer.Option("--n", help="How many clauses --select suggest picks.")] = 50,
    models: ModelsOption = None,
) -> None:
    """Write the store's clauses as annotation tasks (ids, offsets and page in each task's metadata), and
    for Label Studio its labelling config beside them (OUT.config.xml)."""
    from . import annotations as ann

    try:
        documents = list(store_module.iter_documents(store))
        clauses, predictions, version = _selected_clauses(documents, select, n, models)
        if with_predictions and predictions is None:
            predictions = ann.stored_predictions(documents)
            version = next((d.model.version for d in documents if d.model is not None), None)
        ann.write_tasks(
            out, clauses, fmt, predictions=predictions if with_predictions else None, model_version=version
        )
    except BlamineError as exc:
        _fail(exc)
    except ValueError as exc:
        typer.echo(f"ERROR {out}: {exc}", err=True)
        raise typer.Exit(code=2) from None
    typer.echo(f"{len(clauses)} tasks written to {out} ({fmt})")
    if fmt == "labelstudio":
        config = out.with_name(out.name + ".config.xml")
        store_module.atomic_write_text(config, ann.labelstudio_config())
        typer.echo(f"Label Studio labelling config: {config}")


def _selected_clauses(
    documents: list[Document], select: str, n: int, models: Path | None
) -> tuple[list[ClauseRef], dict[ClauseKey, list[LabelScore]] | None, str | None]:
    """The clauses ``--select`` asks for; with ``suggest`` also the model's fresh predictions and version."""
    from . import annotations as ann

    if select == "all":
        return ann.clause_refs(documents), None, None
    if select.startswith("label:"):
        label = select.removeprefix("label:")
        if label not in label_ids():
            raise ValueError(f"--select: unknown label {label!r}")
        keys = {
            (d.doc_id, c.id) for d in documents for c in d.clauses if label in {s.label for s in c.labels}
        }
        return [ref for ref in ann.clause_refs(documents) if ref.key in keys], None, None
    if select == "suggest":
        from .classify import load_model
        from .suggest import suggest, suggestion_predictions

        model = load_model(models)
        picks = suggest(documents, model, n)
        return [s.clause for s in picks], suggestion_predictions(picks), model.version
    raise ValueError(f"--select must be all, label:LABEL or suggest, not {select!r}")


@app.command("suggest")
def suggest_command(
    out: Annotated[Path, typer.Argument(help="File to write the suggested tasks to.")],
    store: StoreOption = store_module.DEFAULT_STORE,
    n: Annotated[int, typer.Option("--n", help="How many clauses.")] = 50,
    fmt: Annotated[
        str, typer.Option("--format", help="labelstudio, prodigy, doccano or own.")
    ] = "labelstudio",
    models: ModelsOption = None,
) -> None:
    """The N clauses whose annotation would teach the model most (least certain, weighted to rare labels,
    no near-duplicates, a few per agreement), as annotation tasks with the model's labels pre-selected."""
    annotations_export(out, store, fmt, True, "suggest", n, models)


@annotations_app.command("import")
def annotations_import(
    file: Annotated[
        Path, typer.Argument(help="Export of Label Studio (JSON), Prodigy, doccano or blamine (JSONL).")
    ],
    store: StoreOption = store_module.DEFAULT_STORE,
    into: Annotated[Path, typer.Option(help="Annotations folder; judgements go to INTO/imported/.")] = Path(
        "annotations"
    ),
    fmt: Annotated[
        str, typer.Option("--format", help="auto, labelstudio, prodigy, doccano or own.")
    ] = "auto",
) -> None:
    """Import annotators' labels: each judgement is put back on its stored clause (by id, or by text when
    the store was re-extracted) and kept with its annotator; judgements that fit no clause are listed
    and saved apart, never dropped silently. Prints agreement between annotators and their conflicts."""
    from . import annotations as ann

    try:
        imported = ann.import_annotations(file, fmt)
        if not imported.annotations:
            skipped = ", ".join(f"{count} {why}" for why, count in imported.skipped.items() if count)
            reason = f"no judgements to import ({skipped or 'no tasks'}); annotate the tasks first"
            raise BlamineError(file, reason, E_ANNOTATIONS)
        report = ann.anchor(imported.annotations, store)
        path, added, replaced = ann.merge_judgements(into, ann.on_stored_clauses(report))
    except BlamineError as exc:
        _fail(exc)
    skipped = ", ".join(f"{count} {why}" for why, count in imported.skipped.items() if count)
    typer.echo(
        f"{file}: {len(imported.annotations)} judgements read ({imported.fmt})"
        + (f", skipped: {skipped}" if skipped else "")
    )
    moved = sum(found.method != "id" for found in report.anchored)
    typer.echo(
        f"{added} added, {replaced} replaced in {path}"
        + (f"; {moved} re-anchored by text after re-extraction" if moved else "")
    )
    if report.unanchored:
        rejected = path.with_name("unanchored.jsonl")
        lost = [u.annotation for u in report.unanchored]
        ann.write_tasks(rejected, ann.annotated_clauses(lost), "own", annotations=lost)
        for item in report.unanchored:
            typer.echo(
                f"NOT ANCHORED {item.annotation.doc_id}/{item.annotation.clause_id}: {item.reason}", err=True
            )
        typer.echo(f"{len(lost)} judgements fit no stored clause; kept in {rejected}", err=True)
    if path.is_file():
        _print_agreement(ann.read_annotations(path, "own"), limit=20, per_label=False)
    if report.unanchored:
        raise typer.Exit(code=1)


def _print_agreement(annotations: list[Annotation], limit: int, per_label: bool = True) -> None:
    """Agreement between annotators (per-label Cohen's kappa) and the conflicts, as ``import`` and
    ``annotations agreement`` print them."""
    from . import annotations as ann

    stats = ann.agreement(annotations)
    if not stats["clauses"]:
        if per_label:
            typer.echo(f"annotators {', '.join(stats['annotators']) or '(none)'}: no clause judged by two")
        return
    kappa = stats["mean_kappa"]
    typer.echo(
        f"annotators {', '.join(stats['annotators'])}: {stats['clauses']} clauses judged by several; "
        + (f"mean Cohen's kappa {kappa:.2f}" if kappa is not None else "kappa undefined")
    )
    if per_label:
        unanimous = [label for label, entry in stats["labels"].items() if entry["kappa"] is None]
        typer.echo(f"{'label':<40} {'kappa':>6} {'agree':>6} {'judged':>6}")
        for label, entry in stats["labels"].items():
            if entry["kappa"] is not None:
                kappa = entry["kappa"]
                typer.echo(f"{label:<40} {kappa:>6.2f} {entry['observed']:>6.0%} {entry['items']:>6}")
        if unanimous:
            typer.echo(f"{len(unanimous)} other labels judged alike by everyone (kappa undefined)")
    conflicts = ann.conflicts(annotations)
    if conflicts:
        typer.echo(f"{len(conflicts)} conflicts (majority decides for training; ties count as absent):")
        for c in conflicts[:limit]:
            typer.echo(f"  {c.doc_id}/{c.clause_id} {c.label}: yes {', '.join(c.yes)}; no {', '.join(c.no)}")
        if len(conflicts) > limit:
            typer.echo(f"  … {len(conflicts) - limit} more (--conflicts N shows more)")


@annotations_app.command("agreement")
def annotations_agreement(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Annotation exports to check (any format); default: the imported judgements."),
    ] = None,
    into: Annotated[Path, typer.Option(help="Annotations folder whose imported judgements to read.")] = Path(
        "annotations"
    ),
    fmt: Annotated[
        str, typer.Option("--format", help="auto, labelstudio, prodigy, doccano or own.")
    ] = "auto",
    shown: Annotated[int, typer.Option("--conflicts", help="How many conflicts to list.")] = 50,
    as_json: Annotated[
        bool, typer.Option("--json", help="Kappa per label and the conflicts as JSON.")
    ] = False,
) -> None:
    """How far annotators agree: Cohen's kappa per label (mean over pairs of annotators), the share of
    agreeing judgements, and every clause and label they disagree on. Training uses the adjudicator's
    judgement where there is one (`blamine train --adjudicator`), else the majority; a tie counts as
    absent."""
    from . import annotations as ann

    sources = files or [ann.judgements_path(into)]
    if not files and not sources[0].exists():
        missing = f"ERROR {sources[0]}: no imported judgements yet; run `blamine annotations import FILE`"
        typer.echo(missing, err=True)
        raise typer.Exit(code=1)
    try:
        judged = [a for source in sources for a in ann.read_annotations(source, fmt if files else "own")]
        if as_json:
            result = ann.agreement(judged) | {"conflicts": [asdict(c) for c in ann.conflicts(judged)]}
            typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
            return
        _print_agreement(judged, limit=shown)
    except BlamineError as exc:
        _fail(exc)
    except ValueError as exc:
        typer.echo(f"ERROR {', '.join(map(str, sources))}: {exc} [E_ANNOTATIONS]", err=True)
        raise typer.Exit(code=1) from None


@app.command("evaluate-learning-curve")
def evaluate_learning_curve(
    from_: FromOption = None,
    shared: SharedOption = None,
    added: Annotated[int, typer.Option(help="Clauses added by suggestion, and at random.")] = 50,
    jobs: JobsOption = 1,
    seed: Annotated[int, typer.Option(help="Random seed of the shares and draws.")] = 0,
    out: Annotated[Path | None, typer.Option(help="Also save the figures as JSON here.")] = None,
) -> None:
    """Grouped F1 on the shared development set when training on 25 %, 50 % and 100 % of the
    annotations, and on 50 % plus ADDED suggested clauses versus plus ADDED random ones."""
    from .learning_curve import learning_curve
    from .train import SHARED_DIR, load_examples

    examples = load_examples(from_ or [Path("annotations")], shared or SHARED_DIR)
    held_out = [e for e in examples if e.source == "shared-dev"]
    annotations = [e for e in examples if e.source != "shared-dev"]
    if not held_out or not annotations:
        typer.echo("ERROR evaluate-learning-curve: needs annotations and the shared dev gold", err=True)
        raise typer.Exit(code=1)
    rows = learning_curve(annotations, held_out, added=added, seed=seed, n_jobs=jobs)
    typer.echo(f"{'training data':34} {'clauses':>7} {'micro':>6} {'macro':>6} {'agr-micro':>9}")
    for name, figures in rows.items():
        typer.echo(
            f"{name:34} {figures['training_clauses']:7d} {figures['micro_f1']:6.3f} "
            f"{figures['macro_f1']:6.3f} {figures['agreement_micro_f1']:9.3f}"
        )
    if out is not None:
        store_module.atomic_write_text(out, json.dumps(rows, indent=1) + "\n")
