"""Files and folders → processed, stored documents: in parallel, incrementally and resumably; one bad PDF
never stops the batch.

:func:`process` is the whole chain for one PDF (extract → segment → metadata → classify → score).
:func:`open_batch` plans a batch against the store's journal (:mod:`pipeline.manifest`): which files are
new or changed, which are unchanged, which hold the same bytes as another. :meth:`Batch.run` processes the
rest with joblib and yields one :class:`FileResult` per file as it is recorded; :func:`ingest` does both.

Who writes what. Workers (joblib; loky processes by default, as the PDF libraries are not thread-safe)
receive a :class:`Job` — a path and options, never bytes — load the model once per process and return the
finished :class:`~pipeline.model.Document`; they never touch the store. The driver, the calling process,
is the store's only writer: for each result, as it arrives, it copies the PDF, writes the JSON, updates
the index and then journals the file. One writer needs no locking between workers, and holds on a cluster
too, where workers only need to read the PDFs. ``return_as="generator_unordered"`` with a bounded
``pre_dispatch`` keeps at most a few documents in the driver's memory however large the batch.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import importlib.util
import itertools
import json
import logging
import multiprocessing
import sqlite3
import time
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from joblib import Parallel, cpu_count, delayed, parallel_config

from .classify import ClauseClassifier, classify, load_model, read_manifest, resolve_model_dir
from .errors import E_BACKEND, E_INTERNAL, E_LOCKED, E_MODEL, E_NOT_FOUND, E_SIDECAR, BlamineError
from .extract import ExtractOptions, file_sha256
from .index import index_document, open_index, remove_document
from .isolation import Limits, extract_isolated
from .manifest import Entry, Manifest, write_failures_csv
from .metadata import extract_metadata
from .model import SCHEMA_VERSION, Document, Source
from .scorecard import score
from .segment import segment
from .store import document_path, read, remove_stale_temporaries, save, save_pdf
from .store import remove as remove_document_files
from .user_metadata import MetadataTable, apply_metadata

PIPELINE_REVISION = 1
"""Revision of what turns a PDF into a document (extract → segment → metadata → classify → score). Bump it
when a change should redo the stored documents at the next ingest; the model's version is tracked apart."""

PIPELINE_VERSION = f"{PIPELINE_REVISION}+schema-{SCHEMA_VERSION}"

BACKENDS = ("loky", "threading", "dask", "ray")
"""joblib backends ``--backend`` accepts. Threads are safe here because extraction, the only stage that
calls the PDF libraries, runs in a child process per file (:mod:`pipeline.isolation`)."""

CLUSTER_BACKENDS = {"dask": ("distributed", "dask[distributed]"), "ray": ("ray", "ray")}
"""Backends that need a package of their own: the module to find and what to install."""

Status = Literal["stored", "reclassified", "failed", "unchanged", "duplicate", "failed_before"]


@dataclass
class FileResult:
    """What happened to one input file in this run.

    ``stored``: processed and stored now; ``reclassified``: its stored document relabelled by a new model
    (no extraction); ``failed``: failed now; ``unchanged``: already stored from the
    same bytes with the same versions; ``duplicate``: the same bytes as another file, stored once;
    ``failed_before``: failed in an earlier run and unchanged since (``--retry-failed`` retries it).
    """

    path: str
    status: Status
    doc_id: str | None = None
    error: str | None = None
    code: str | None = None
    seconds: float = 0.0
    pages: int = 0
    document: Document | None = field(default=None, repr=False)
    detail: str | None = field(default=None, repr=False)
    """The traceback of an unexpected failure, shown by ``blamine --verbose ingest``."""

    @property
    def ok(self) -> bool:
        return self.status not in ("failed", "failed_before")


@dataclass
class Summary:
    """Counts of a run, for the final line, ``--json`` and the exit code."""

    files: int = 0
    stored: int = 0
    reclassified: int = 0
    failed: int = 0
    unchanged: int = 0
    duplicate: int = 0
    failed_before: int = 0
    pages: int = 0
    started: float = field(default_factory=time.perf_counter, repr=False)

    def add(self, result: FileResult) -> None:
        self.files += 1
        setattr(self, result.status, getattr(self, result.status) + 1)
        self.pages += result.pages

    @property
    def skipped(self) -> int:
        return self.unchanged + self.duplicate + self.failed_before

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started

    @property
    def exit_code(self) -> int:
        """1 when a file of the batch stands failed, now or from an earlier run, so a resumed batch ends
        with the same code as an uninterrupted one."""
        return 1 if self.failed or self.failed_before else 0

    def to_dict(self) -> dict[str, int | float]:
        seconds = self.seconds
        return {
            "files": self.files,
            "stored": self.stored,
            "reclassified": self.reclassified,
            "failed": self.failed,
            "skipped": self.skipped,
            "unchanged": self.unchanged,
            "duplicate": self.duplicate,
            "failed_before": self.failed_before,
            "pages": self.pages,
            "seconds": round(seconds, 3),
            "documents_per_second": round((self.stored + self.reclassified) / seconds, 3) if seconds else 0.0,
            "pages_per_second": round(self.pages / seconds, 3) if seconds else 0.0,
        }


def find_pdfs(paths: Iterable[str | Path]) -> list[Path]:
    """Expand files and folders (recursively) into PDF paths, sorted, without duplicates.

    A named file is always returned (even without a .pdf suffix) so a bad input is reported, not skipped.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".pdf")
        else:
            found.append(path)
    unique: dict[Path, None] = {}
    for path in found:
        unique.setdefault(path, None)
    return list(unique)


SIDECAR_SUFFIX = ".blamine.json"
"""``agreement.pdf.blamine.json`` beside a PDF holds per-file settings: ``password``, ``ocr_languages``."""


def file_options(path: Path, options: ExtractOptions | None = None) -> ExtractOptions:
    """``options`` with the per-file settings of the PDF's sidecar file, when there is one."""
    options = options or ExtractOptions()
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    if not sidecar.is_file():
        return options
    try:
        settings = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BlamineError(sidecar, f"unreadable sidecar ({exc})", E_SIDECAR) from None
    if not isinstance(settings, dict):
        raise BlamineError(sidecar, "sidecar must hold a JSON object", E_SIDECAR)
    unknown = set(settings) - {"password", "ocr_languages"}
    if unknown:
        raise BlamineError(sidecar, f"unknown sidecar settings: {sorted(unknown)}", E_SIDECAR)
    languages = settings.get("ocr_languages")
    return replace(
        options,
        password=settings.get("password", options.password),
        ocr_languages=tuple(languages) if languages else options.ocr_languages,
    )


def document_metadata(doc: Document) -> Document:
    """Fill ``doc.metadata`` from its text, using the segmenter's title when it found one."""
    title = next((c.text for c in doc.clauses if c.kind == "title"), None)
    doc.metadata = extract_metadata(doc.text, title=title)
    return doc


def process(
    path: str | Path,
    model: ClauseClassifier,
    options: ExtractOptions | None = None,
    limits: Limits | None = None,
    metadata: MetadataTable | None = None,
) -> Document:
    """Run the whole pipeline on one PDF and return the finished document (not yet stored).

    Extraction, the stage that meets hostile input, runs in a worker process under ``limits``. The user's
    ``metadata`` table, when given, overrides what the text says about the document.
    """
    doc = document_metadata(segment(extract_isolated(path, options, limits)))
    apply_metadata(doc, metadata)
    classify(doc, model)
    return score(doc)


def reclassify(doc: Document, model: ClauseClassifier) -> Document:
    """A stored document relabelled by ``model``: classification and scorecard redone from its stored
    clauses. Nothing else in a document depends on the model, so this equals a full run of the same
    pipeline with that model, without the cost of extraction and OCR."""
    return score(classify(doc, model))


def settings_key(options: ExtractOptions, metadata_row: dict[str, object] | None) -> str:
    """Fingerprint of the per-file settings that change a document: the OCR languages and page cap, and
    the user's metadata row. The password is left out: it only decides whether the file opens, and no
    trace of it belongs in the store."""
    data = {
        "ocr_languages": options.ocr_languages,
        "max_ocr_pages": options.max_ocr_pages,
        "metadata": metadata_row,
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def model_version(model_dir: Path) -> str:
    """The version of the model in ``model_dir``, read from its manifest without loading the model: a
    re-run with nothing to do must not pay for loading it."""
    return str(read_manifest(model_dir)["version"])


def check_backend(name: str, scheduler: str | None = None) -> None:
    """Refuse, in one line, a backend that is unknown, not installed or not supported yet, and a
    ``--scheduler`` given to a backend that has no use for it, before any file is read."""
    where = f"--backend {name}"
    if name not in BACKENDS:
        raise BlamineError(where, f"unknown backend; expected one of {', '.join(BACKENDS)}", E_BACKEND)
    if scheduler is not None and name not in CLUSTER_BACKENDS:
        raise BlamineError(where, "--scheduler is only for --backend dask or ray", E_BACKEND)
    if name in CLUSTER_BACKENDS:
        module, package = CLUSTER_BACKENDS[name]
        if importlib.util.find_spec(module) is None:
            raise BlamineError(where, f"needs the {module} package (pip install '{package}')", E_BACKEND)


@contextlib.contextmanager
def joblib_backend(name: str, jobs: int, scheduler: str | None = None) -> Iterator[int]:
    """Make ``name`` joblib's backend for the block and yield how many workers to use: ``jobs``, or when
    it is 0 the cluster's size (at ``scheduler``) or this machine's cores. For ``dask``, connect a client to
    ``scheduler``, or, without one, to a local cluster of that many single-threaded worker processes (the
    PDF libraries are not thread-safe) started for the block and closed after it. For ``ray``, likewise
    (:func:`_ray_backend`)."""
    local = jobs or cpu_count()  # cores this process may use (affinity, container quota)
    if name == "ray":
        with _ray_backend(local, scheduler) as workers:
            yield jobs or workers
        return
    if name != "dask":
        with parallel_config(backend=name):
            yield local
        return
    import dask
    from dask.distributed import Client, LocalCluster

    with contextlib.ExitStack() as stack:
        if scheduler is None:
            # Dask's worker processes are daemons by default, and a daemon may not start the child
            # process that extracts each PDF under its limits (pipeline.isolation).
            stack.enter_context(dask.config.set({"distributed.worker.daemon": False}))
            cluster = stack.enter_context(
                LocalCluster(n_workers=local, processes=True, threads_per_worker=1, dashboard_address=None)
            )
            address = cluster.scheduler_address
        else:
            address = scheduler
        try:
            client = stack.enter_context(Client(address, timeout=30))
        except OSError as exc:
            raise BlamineError(f"--scheduler {address}", f"cannot connect ({exc})", E_BACKEND) from None
        if any(client.run(_is_daemon).values()):
            raise BlamineError(
                f"--scheduler {address}",
                "its workers run as daemon processes, which cannot start the per-file extraction process; "
                "start them with DASK_DISTRIBUTED__WORKER__DAEMON=False",
                E_BACKEND,
            )
        stack.enter_context(parallel_config(backend="dask"))
        yield jobs or sum(client.nthreads().values())


RAY_OBJECT_STORE_MB = 256
"""Object store of a Ray instance started for the run. Ray sizes it from the machine's memory by default
(30 %); ingest sends only small jobs and documents through it."""


@contextlib.contextmanager
def _ray_backend(jobs: int, address: str | None) -> Iterator[int]:
    """joblib on Ray: join the cluster at ``address`` (``ray://host:10001``, or ``auto`` for the one this
    machine belongs to), or, without one, start a local Ray instance of ``jobs`` CPUs for the block and
    shut it down after it. A Ray instance already running in this process is used as it is."""
    import ray
    from ray.util.joblib import register_ray

    started = not ray.is_initialized()
    if started:
        try:
            if address is None:
                ray.init(
                    num_cpus=jobs,
                    object_store_memory=RAY_OBJECT_STORE_MB * 1024**2,
                    include_dashboard=False,
                    log_to_driver=False,
                    logging_level=logging.ERROR,
                )
            else:
                ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            where = f"--scheduler {address}" if address else "--backend ray"
            raise BlamineError(where, f"cannot start or reach Ray ({exc})", E_BACKEND) from None
    register_ray()
    try:
        with parallel_config(backend="ray"):
            yield int(ray.cluster_resources().get("CPU", jobs))
    finally:
        if started:
            ray.shutdown()


def _is_daemon() -> bool:
    """Run on each Dask worker: a daemon process, Dask's default, would fail every file."""
    return multiprocessing.current_process().daemon


def as_blamine_error(path: str | Path, exc: Exception) -> BlamineError:
    """``exc`` as the one-line error reported for ``path``; anything unexpected is ``E_INTERNAL``."""
    if isinstance(exc, BlamineError):
        return exc
    detail = "".join(traceback.format_exception(exc))
    return BlamineError(path, f"internal error {type(exc).__name__}: {exc}", E_INTERNAL, detail)


@dataclass
class Job:
    """One document's work as sent to a worker: paths and options only, small to pickle, never bytes."""

    path: str
    """Absolute, resolved path: the manifest's key, and what a worker elsewhere opens."""
    sha256: str | None
    size: int | None
    settings: str
    options: ExtractOptions
    metadata: MetadataTable | None = None
    """The user's metadata row for this file alone, not the whole table."""
    aliases: list[tuple[str, str]] = field(default_factory=list)
    """Other files (path, settings key) holding the same bytes: journaled as duplicates of this one."""
    reclassify_from: str | None = None
    """The stored JSON to relabel (:func:`reclassify`) instead of processing the PDF: set when only the
    model changed since the file was stored. Workers then read the store, so on a cluster it must be on a
    filesystem they share."""


@dataclass
class Outcome:
    """What came back for a job. The error travels as :meth:`BlamineError.as_tuple`."""

    job: Job
    document: Document | None = None
    error: tuple[str, str, str, str | None] | None = None
    seconds: float = 0.0
    stored_as: Entry | None = None
    """Set, instead of processing, when the store already holds these bytes from another file."""


@functools.lru_cache(maxsize=2)
def worker_model(model_dir: str) -> ClauseClassifier:
    """The model, loaded once per worker process and reused for every document the worker handles."""
    return load_model(Path(model_dir))


def run_job(job: Job, model_dir: str, limits: Limits | None) -> Outcome:
    """Worker body: the whole pipeline for one file. Failures come back as errors, never raised, so one
    bad PDF cannot stop the batch."""
    started = time.perf_counter()
    try:
        model = worker_model(model_dir)
        if job.reclassify_from is not None:
            doc = reclassify(read(Path(job.reclassify_from)), model)
        else:
            doc = process(job.path, model, job.options, limits, job.metadata)
        return Outcome(job, document=doc, seconds=time.perf_counter() - started)
    except Exception as exc:
        error = as_blamine_error(job.path, exc)
        return Outcome(job, error=error.as_tuple(), seconds=time.perf_counter() - started)


@dataclass
class Batch:
    """A planned ingest: what to process, what the driver settles alone, what is skipped."""

    store: Path
    manifest: Manifest
    model_dir: Path
    model_version: str
    limits: Limits | None
    jobs: list[Job] = field(default_factory=list)
    settled: list[Outcome] = field(default_factory=list)
    """Decided while planning: files that cannot be read, and files whose bytes are stored already."""
    skipped: list[FileResult] = field(default_factory=list)
    outdated: list[Entry] = field(default_factory=list)
    """With :meth:`plan_reclassify`: stored documents an older pipeline made, which only a full ingest of
    their PDFs brings up to date."""
    index_: sqlite3.Connection | None = field(default=None, repr=False)
    """The store's index, opened at the first document recorded and kept for the batch: opening it for
    each document cost a seventh of the index writing."""

    @property
    def total(self) -> int:
        """Number of files in the batch (each yields one :class:`FileResult`)."""
        return (
            len(self.skipped)
            + sum(1 + len(o.job.aliases) for o in self.settled)
            + sum(1 + len(job.aliases) for job in self.jobs)
        )

    def plan(
        self, files: Iterable[Path], options: ExtractOptions, metadata: MetadataTable | None, force: bool
    ) -> None:
        """Hash each file and sort it into skipped (same bytes and versions as journaled; unless
        ``force``), duplicate (bytes seen already) or work to do. The first file found with some bytes is the
        one whose bytes are processed, so the store does not depend on which worker finishes first."""
        by_sha: dict[str, Job] = {}
        for found in files:
            path = found.resolve()
            key = str(path)
            try:
                if not path.is_file():
                    raise BlamineError(path, "no such file or folder", E_NOT_FOUND)
                sha, size = file_sha256(path), path.stat().st_size
                file_opts = file_options(path, options)
            except (BlamineError, OSError) as exc:
                error = (
                    exc
                    if isinstance(exc, BlamineError)
                    else BlamineError(path, f"cannot read ({exc})", E_NOT_FOUND)
                )
                self.settled.append(Outcome(Job(key, None, None, "", options), error=error.as_tuple()))
                continue
            row = metadata.row_for(_probe(path, sha, size)) if metadata is not None else None
            settings = settings_key(file_opts, row)
            entry = self.manifest.get(key)
            if not force and entry is not None and self._up_to_date(entry, sha, settings):
                self.skipped.append(_skipped_result(entry))
                continue
            if sha in by_sha:
                by_sha[sha].aliases.append((key, settings))
                continue
            one_row = MetadataTable(metadata.source, {sha: row}) if metadata is not None and row else None
            job = by_sha[sha] = Job(key, sha, size, settings, file_opts, one_row)
            stored = self.manifest.done_with(sha, PIPELINE_VERSION, self.model_version)
            if stored is not None and stored.path != key and self._still_stored(stored):
                self.settled.append(Outcome(job, stored_as=stored))
                continue
            if not force and entry is not None and self._only_model_changed(entry, sha, settings):
                job.reclassify_from = str(document_path(self.store, str(entry.doc_id)))
            self.jobs.append(job)

    def plan_reclassify(self, roots: list[Path]) -> None:
        """Plan ``--reclassify``: every document this pipeline stored with another model (from files at or
        under ``roots``, when given) is relabelled from the store; files that share its bytes follow it.
        The PDFs are not read, so this works after they have moved."""
        entries = [e for e in self.manifest.entries() if e.state != "failed" and _under(e.path, roots)]
        owners: dict[str | None, Job] = {}
        others = []
        for entry in entries:
            relabel = entry.state == "done" and entry.model_version != self.model_version
            if not relabel or entry.pipeline_version != PIPELINE_VERSION or not self._still_stored(entry):
                others.append(entry)
            elif entry.sha256 in owners:
                owners[entry.sha256].aliases.append((entry.path, entry.settings))
            else:
                job = Job(entry.path, entry.sha256, entry.size, entry.settings, ExtractOptions())
                job.reclassify_from = str(document_path(self.store, str(entry.doc_id)))
                owners[entry.sha256] = job
        for entry in others:
            if entry.state == "skipped" and entry.sha256 in owners:
                owners[entry.sha256].aliases.append((entry.path, entry.settings))
                continue
            if entry.state == "done" and entry.model_version != self.model_version:
                self.outdated.append(entry)
            self.skipped.append(_skipped_result(entry))
        self.jobs = list(owners.values())

    def _up_to_date(self, entry: Entry, sha: str, settings: str) -> bool:
        return (
            entry.sha256 == sha
            and entry.versions() == (PIPELINE_VERSION, self.model_version, settings)
            and self._still_stored(entry)
        )

    def _only_model_changed(self, entry: Entry, sha: str, settings: str) -> bool:
        """Whether the file's stored document differs from a fresh run only by the model's labels."""
        return (
            entry.state == "done"
            and entry.sha256 == sha
            and (entry.pipeline_version, entry.settings) == (PIPELINE_VERSION, settings)
            and self._still_stored(entry)
        )

    def _still_stored(self, entry: Entry) -> bool:
        """A journaled document is trusted only while its JSON is there (a user may have deleted it)."""
        return entry.state == "failed" or (
            entry.doc_id is not None and document_path(self.store, entry.doc_id).is_file()
        )

    def run(self, jobs: int = 1, backend: str = "loky", scheduler: str | None = None) -> Iterator[FileResult]:
        """Process the batch on ``jobs`` workers (0: as many as the cluster or machine has) and yield each
        file's result once it is journaled.

        With ``backend="dask"`` or ``"ray"`` the workers are those of the cluster at ``scheduler`` (or of
        a local one started for the run, see :func:`joblib_backend`); they get only the small :class:`Job`
        objects and the driver still writes the store alone.

        Results arrive as they are done, a chunk of files at a time (:func:`_outcomes`), so the driver's
        memory does not grow with the batch. A model that cannot be loaded stops the
        batch (it is not the files' fault) with its ``E_MODEL`` error.
        """
        check_backend(backend, scheduler)
        yield from self.skipped
        for outcome in self.settled:
            yield from self._record(outcome)
        if not self.jobs:
            return
        model_dir = str(self.model_dir)
        with joblib_backend(backend, min(jobs, len(self.jobs)) if jobs else 0, scheduler) as workers:
            n_jobs = min(workers, len(self.jobs))
            ordered = largest_first_in_chunks(self.jobs, CHUNK_PER_JOB * n_jobs)
            tasks = (delayed(run_job)(job, model_dir, self.limits) for job in ordered)
            for outcome in _outcomes(tasks, n_jobs, stream=backend not in UNSTREAMED_BACKENDS):
                yield from self._record(outcome)

    def _record(self, outcome: Outcome) -> list[FileResult]:
        """Store a finished document (PDF copy, JSON, index rows) and then journal the job's files, in
        that order: a kill in between leaves the file unjournaled, and the next run redoes it."""
        job, doc = outcome.job, outcome.document
        error = BlamineError(*outcome.error) if outcome.error else None
        if error is not None and error.code == E_MODEL:
            raise error
        paths = [job.path, *(path for path, _ in job.aliases)]
        previous = {path: entry.doc_id for path in paths if (entry := self.manifest.get(path)) is not None}
        if doc is not None:
            try:
                if job.reclassify_from is None:  # a relabelled document's PDF copy is in place
                    save_pdf(self.store, doc.doc_id, Path(doc.source.path))
                save(doc, self.store)
                index_document(self._index(), doc)
                self._forget_superseded(set(previous.values()) - {doc.doc_id, None}, paths)
            except Exception as exc:  # the store refused this document; the batch goes on
                doc, error = None, as_blamine_error(job.path, exc)
        if outcome.stored_as is not None:
            owner, doc_id = outcome.stored_as.path, outcome.stored_as.doc_id
        elif doc is not None:
            owner, doc_id = job.path, doc.doc_id
        else:
            owner, doc_id = None, None
        entries, results = [], []
        for path, settings in [(job.path, job.settings), *job.aliases]:
            base = Entry(
                path,
                job.sha256,
                job.size,
                "done",
                doc_id,
                None,
                PIPELINE_VERSION,
                self.model_version,
                settings,
            )
            if error is not None:
                # The document an earlier version of the file gave stays, and the row keeps naming it
                # until the file is stored again: a broken update never loses what was there.
                base = replace(base, doc_id=previous.get(path))
                own = (
                    error
                    if path == job.path
                    else BlamineError(path, f"same bytes as {job.path}: {error.reason}", error.code)
                )
                entries.append(
                    replace(
                        base, state="failed", code=own.code, message=own.one_line(), seconds=outcome.seconds
                    )
                )
                results.append(
                    FileResult(
                        path,
                        "failed",
                        error=own.one_line(),
                        code=own.code,
                        seconds=outcome.seconds,
                        detail=error.detail,
                    )
                )
            elif path != owner:
                entries.append(replace(base, state="skipped", duplicate_of=owner))
                results.append(FileResult(path, "duplicate", doc_id))
            else:
                assert doc is not None
                pages = doc.source.pages
                entries.append(replace(base, sha256=doc.source.sha256, seconds=outcome.seconds, pages=pages))
                status: Status = "stored" if job.reclassify_from is None else "reclassified"
                results.append(
                    FileResult(path, status, doc_id, seconds=outcome.seconds, pages=pages, document=doc)
                )
        self.manifest.record(entries)
        return results

    def _forget_superseded(self, doc_ids: set[str | None], paths: list[str]) -> None:
        """Remove the documents that earlier versions of ``paths`` gave, unless some other file still
        holds them: index rows first, then JSON and PDF copy. It runs before the journal is updated, so a
        kill in between leaves the old rows naming the old documents, and the next run removes them."""
        for doc_id in sorted(d for d in doc_ids if d is not None):
            if set(self.manifest.holders(doc_id)) <= set(paths):
                remove_document(self._index(), doc_id)
                remove_document_files(self.store, doc_id)

    def _index(self) -> sqlite3.Connection:
        if self.index_ is None:
            self.index_ = open_index(self.store)
        return self.index_

    def close(self) -> None:
        """Close the index connection, if one was opened."""
        if self.index_ is not None:
            self.index_.close()
            self.index_ = None


UNSTREAMED_BACKENDS = ("ray",)
"""joblib backends that cannot hand back results as they finish (Ray's refuses ``return_as="generator"``)."""
CHUNK_PER_JOB = 32
"""Tasks go to the workers in chunks of this many per worker: the bound on finished documents the driver
may hold (see :func:`_outcomes`). Each chunk ends when its slowest file does, so chunks must be long
beside a slow file: a two-page scan takes up to 14 s of OCR, 40 born-digital pages less than 1 s. Measured
by ``bench/bench_ingest.py --docs 200`` (2 % scans): 8 per worker, ``--jobs 2`` in 55 s, speed-up 1.56×;
32 per worker, 47 s and 1.98×, with the driver's peak in ``--reclassify`` (where it is the bottleneck and
finished documents wait for it) 105 → 130 MB, still bounded however large the batch."""


def largest_first_in_chunks(jobs: list[Job], chunk: int) -> Iterator[Job]:
    """``jobs`` in the chunks :func:`_outcomes` will cut, each chunk's largest files first.

    A chunk waits for its slowest file; started last, a 40-page file keeps one worker busy while the
    others idle. Largest first (the longest-processing-time rule, file size standing for time) ends
    every chunk on small files."""
    for start in range(0, len(jobs), chunk):
        yield from sorted(jobs[start : start + chunk], key=lambda job: -(job.size or 0))


def _outcomes(tasks: Iterator[Any], n_jobs: int, stream: bool) -> Iterator[Outcome]:
    """Run joblib ``tasks`` on ``n_jobs`` workers and yield their outcomes, never holding more than one
    chunk of :data:`CHUNK_PER_JOB` × ``n_jobs`` of them.

    joblib dispatches a new task whenever one *completes*, not when its result is consumed, so one long
    streaming call lets finished documents pile up in the driver whenever the driver (the store's only
    writer) is slower than the workers, as in ``--reclassify``: 721 MB at 1,000 documents. Chunks bound
    that. Within a chunk, streaming backends yield each outcome as it completes; the others (Ray) yield the
    chunk when all of it is done. The price is workers idling while a chunk's slowest file finishes."""
    options: dict[str, Any] = {"return_as": "generator_unordered"} if stream else {}
    parallel = Parallel(n_jobs=n_jobs, batch_size=1, pre_dispatch="all", **options)
    while chunk := list(itertools.islice(tasks, CHUNK_PER_JOB * n_jobs)):
        yield from parallel(chunk)


def _probe(path: Path, sha: str, size: int) -> Document:
    """A document with only the source facts the user's metadata table is looked up by."""
    return Document(
        doc_id="", source=Source(path=str(path), filename=path.name, sha256=sha, bytes=size, pages=0)
    )


def _skipped_result(entry: Entry) -> FileResult:
    status: Status = {"done": "unchanged", "skipped": "duplicate", "failed": "failed_before"}[entry.state]
    return FileResult(entry.path, status, entry.doc_id, error=entry.message, code=entry.code)


@contextlib.contextmanager
def _store_lock(store: Path) -> Iterator[None]:
    """Hold ``STORE/.ingest.lock`` for the run: two ingests into one store would redo and journal the same
    files. The kernel drops the lock when the holder dies, even by SIGKILL, so a killed run never blocks
    the next one."""
    store.mkdir(parents=True, exist_ok=True)
    with open(store / ".ingest.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BlamineError(store, "another blamine ingest is writing this store", E_LOCKED) from None
        yield


@contextlib.contextmanager
def open_batch(
    paths: Iterable[str | Path],
    store: Path,
    models: Path | None = None,
    options: ExtractOptions | None = None,
    limits: Limits | None = None,
    metadata: MetadataTable | None = None,
    retry_failed: bool = False,
    reclassify_only: bool = False,
) -> Iterator[Batch]:
    """Lock the store, plan the batch against its manifest and yield it; on leaving, rewrite
    ``STORE/failures.csv`` from the manifest (also after an error, so it always matches the journal).

    With ``retry_failed`` the batch is the files the manifest records as failed (those under ``paths``
    when any are given), processed again whatever their state. With ``reclassify_only`` it is the stored
    documents the current model has not labelled (see :meth:`Batch.plan_reclassify`).
    """
    store = Path(store)
    model_dir = resolve_model_dir(models)
    with _store_lock(store):
        remove_stale_temporaries(store)  # a killed run's half-written files; nothing else writes now
        manifest = Manifest(store)
        batch = None
        try:
            batch = Batch(store, manifest, model_dir, model_version(model_dir), limits)
            if reclassify_only:
                batch.plan_reclassify([Path(p).resolve() for p in paths])
            else:
                files = _failed_files(manifest, paths) if retry_failed else find_pdfs(paths)
                batch.plan(files, options or ExtractOptions(), metadata, force=retry_failed)
            yield batch
        finally:
            if batch is not None:
                batch.close()
            write_failures_csv(manifest, store)
            manifest.close()


def _failed_files(manifest: Manifest, paths: Iterable[str | Path]) -> list[Path]:
    """The failed files of the manifest, limited to those at or under ``paths`` when any are given."""
    roots = [Path(p).resolve() for p in paths]
    return [Path(entry.path) for entry in manifest.entries("failed") if _under(entry.path, roots)]


def _under(path: str, roots: list[Path]) -> bool:
    """Whether ``path`` is one of ``roots`` or lies under one; any path when there are no roots."""
    return not roots or any(Path(path) == r or r in Path(path).parents for r in roots)


def ingest(
    paths: Iterable[str | Path],
    store: Path,
    models: Path | None = None,
    options: ExtractOptions | None = None,
    limits: Limits | None = None,
    metadata: MetadataTable | None = None,
    *,
    jobs: int = 1,
    backend: str = "loky",
    scheduler: str | None = None,
    retry_failed: bool = False,
    reclassify_only: bool = False,
) -> list[FileResult]:
    """Process and store every PDF under ``paths`` that is not stored already (see :func:`open_batch`
    and :meth:`Batch.run`); failures become ``FileResult(status="failed")`` entries."""
    with open_batch(paths, store, models, options, limits, metadata, retry_failed, reclassify_only) as batch:
        return list(batch.run(jobs, backend, scheduler))
