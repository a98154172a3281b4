"""Bulk ingest, end to end: throughput, parallel speed-up, memory, no-change re-runs, against pdfplumber.

Run: ``.venv/bin/python bench/bench_ingest.py [--docs 1000] [--seed 0] [--baseline-docs 50]`` (``--help``
for the rest). At the defaults expect about 20 minutes on a quiet 2-core machine, more when it is shared
(measured on 2026-11-24: ~4 min to generate the corpus once, then ~2.5 min for the pdfplumber comparison,
~3 min for all born-digital files at ``--jobs 2``, ~7 min for ``--jobs 1``, ~3.5 min for ``--jobs 2``,
~2 min to reclassify); ``--docs 200`` gives a first look in ~5 min. Every run is a fresh
``.venv/bin/blamine ingest CORPUS --store S --json`` subprocess, so process start, imports and model
loading count, as they do for a user.

What is measured, and why:

1. **Corpus.** ``--docs N`` fictional agreements from our own generator (``bench/agreement_generator.py``):
   invented states, articles on wages, recruitment, contracts, the joint committee, social security,
   return…, mostly English with some French, Dutch, German and Spanish; one- and two-column layouts;
   5–40 pages, ≈ 20 on average. 2 % are damaged files (truncated, garbage header, overwritten middle) and
   2 % are scans (every page rasterised, no text layer). Scans are kept to 1–2 pages: OCR costs ~3 s per
   page per core, so 20 scans of 20 pages would add ~20 minutes and measure tesseract, not blamine. The
   corpus is deterministic in (N, seed, page range) and cached under ``--corpus`` (default: a folder in the
   system temp dir keyed by those), so re-runs skip generation; its time is reported apart.
2. **Throughput and speed-up.** The whole corpus with ``--jobs 1`` and with ``--jobs 2``, each into a
   fresh store: documents/s and pages/s over the subprocess's wall-clock time (the JSON's own ``seconds``,
   which starts after imports and planning, is shown beside it), and the speed-up jobs 2 / jobs 1
   (target ≥ 1.8× from one core to two). The ``--jobs 1`` run is pinned to one core (CPU affinity, for
   the process and all it starts): unpinned, blamine gives a scan's OCR every core the ``--jobs`` leave
   free, which is what a user wants but would make that run a run on two cores during OCR.
3. **Against pdfplumber.** The baseline is the plain loop most projects start with: ``pdfplumber.open``,
   ``page.extract_text()`` and ``page.close()`` per page, sequential, in this process, on the first
   ``--baseline-docs K`` born-digital PDFs (pdfplumber is slow, ~8 pages/s, hence K); its pages/s is the
   baseline rate. blamine is compared with it twice, both times on born-digital PDFs only (a rate over the
   whole corpus would mix in OCR of scans, slower and not blamine's text path, and failing damaged files,
   faster):
   * ``--jobs 1`` on the *same K files*, as its own subprocess pinned to one core: same pages, one core
     each. At K = 50 the fixed cost of a run (process start, imports, model loading: ~3 s) weighs.
   * ``--jobs 2`` (every core of this machine) on *all* the corpus's born-digital files: the rate a user
     ingesting an archive gets, with the fixed cost spread over the batch. Its files are not the K of the
     baseline but come from the same generator, so the two rates are rates over the same kind of page.
   Both favour pdfplumber: blamine's figure includes segmenting, classifying, scoring and writing the
   store, pdfplumber's only text extraction (target ≥ 15×).
4. **Memory.** Peak RSS of the driver (the ``blamine`` process) and of the largest joblib worker during a
   ``--jobs 2`` run, from ``/proc`` (each process's ``VmHWM``, its kernel-kept peak, read every 0.2 s while
   it lives, over the whole process tree), on the first ``--subset-docs`` (100) documents and on all N
   (damaged files and scans are spread evenly, so the first 100 hold their share): the target is flat
   as the batch grows (all / first 100 ≤ 1.25). With ``--jobs 1`` there is no worker: the driver does
   the work itself. The per-file extraction processes are shown too (forked from a forkserver, they
   share its pages, so their RSS figures overlap).
5. **No-change re-run.** ``--jobs 2`` again on the ``--jobs 2`` store: every file is unchanged, so the
   run should only hash files and read the journal (target ≤ 3 % of the first run's time). At small N the
   fixed cost of starting Python dominates, so this target is only meaningful at the full size.
6. **Reclassify.** When ``blamine ingest --help`` lists ``--reclassify``, the ``--jobs 2`` store is
   reclassified with a copy of the shipped model whose manifest carries another version (the manifest's
   SHA-256 covers ``model.skops`` only, so editing the version keeps the copy loadable), and timed against
   the full ``--jobs 2`` ingest. Without the option this step is skipped with a note.

Prints a table of runs, peak memory, each target with met / not met, and one JSON line last. Exits 0
whatever the figures (a benchmark, not a test). Other processes sharing the cores disturb the figures:
run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pdfplumber

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import agreement_generator as generator  # noqa: E402

from pipeline.classify import MANIFEST_FILE, resolve_model_dir  # noqa: E402

BLAMINE = Path(sys.executable).with_name("blamine")
"""The ``blamine`` command beside the Python running this benchmark: ``.venv/bin/blamine`` when run as
``.venv/bin/python bench/bench_ingest.py``."""
SAMPLE_EVERY = 0.2
TARGETS = {"speedup": 1.8, "vs_pdfplumber": 15.0, "rss_growth": 1.25, "rerun_percent": 3.0}


# --- corpus ---------------------------------------------------------------------------------------------


@dataclass
class Corpus:
    folder: Path
    specs: list[generator.Spec]
    pages: dict[str, int]
    generated_seconds: float
    cached: bool

    def path(self, spec: generator.Spec) -> Path:
        return self.folder / f"{spec.stem}.pdf"


def _generate_one(args: tuple[generator.Spec, int, Path]) -> tuple[str, int]:
    spec, seed, folder = args
    generator.write_agreement(spec, seed, folder)
    return spec.stem, _pages_of(spec, folder)


def _pages_of(spec: generator.Spec, folder: Path) -> int:
    return 0 if spec.kind == "damaged" else generator.page_count(folder / f"{spec.stem}.pdf")


def default_corpus_dir(n: int, seed: int, min_pages: int, max_pages: int) -> Path:
    name = f"blamine-bench-corpus-n{n}-s{seed}-p{min_pages}-{max_pages}-g{generator.GENERATOR_VERSION}"
    return Path(tempfile.gettempdir()) / name


def ensure_corpus(folder: Path, n: int, seed: int, min_pages: int, max_pages: int, jobs: int) -> Corpus:
    """The corpus cached in ``folder`` when it was made by the same generator from the same arguments,
    else generate it there, ``jobs`` documents at a time (each file is written whole or not at all)."""
    specs = generator.plan(n, seed, min_pages, max_pages)
    listing = folder / "corpus.json"
    key = {
        "version": generator.GENERATOR_VERSION,
        "seed": seed,
        "pages": [min_pages, max_pages],
        "stems": [s.stem for s in specs],
    }
    if listing.is_file():
        saved = json.loads(listing.read_text(encoding="utf-8"))
        if saved["key"] == key and all((folder / f"{s.stem}.pdf").is_file() for s in specs):
            return Corpus(folder, specs, saved["pages"], saved["seconds"], cached=True)
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    # A file is written whole or not at all, so one already there is finished: an interrupted generation
    # resumes where it stopped.
    todo = [(s, seed, folder) for s in specs if not (folder / f"{s.stem}.pdf").is_file()]
    pages = {s.stem: _pages_of(s, folder) for s in specs if (folder / f"{s.stem}.pdf").is_file()}
    with multiprocessing.get_context("fork").Pool(max(1, jobs)) as pool:
        pages.update(pool.imap_unordered(_generate_one, todo, chunksize=4))
    seconds = time.perf_counter() - started
    shutil.rmtree(folder / "tmp", ignore_errors=True)
    listing.write_text(json.dumps({"key": key, "pages": pages, "seconds": seconds}), encoding="utf-8")
    return Corpus(folder, specs, pages, seconds, cached=False)


def link_set(folder: Path, paths: list[Path]) -> Path:
    """A folder of symlinks to ``paths``: a subset blamine can be given as one folder, as a user would."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in paths:
        (folder / path.name).symlink_to(path)
    return folder


# --- memory sampling from /proc -------------------------------------------------------------------------


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return ""


def _descendants(root: int) -> list[int]:
    """``root`` and every process below it, from each process's parent id in ``/proc/PID/stat``."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            stat = _read(f"/proc/{name}/stat")
            if stat:
                parent = int(stat.rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def _peak_rss_kb(pid: int) -> int:
    for line in _read(f"/proc/{pid}/status").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _role(pid: int, root: int) -> str:
    if pid == root:
        return "driver"
    cmdline = _read(f"/proc/{pid}/cmdline").replace("\0", " ")
    if "resource_tracker" in cmdline:
        return "resource tracker"
    if "loky" in cmdline:
        return "joblib worker"
    if "forkserver" in cmdline:
        return "extraction process"  # the forkserver and the per-file processes forked from it
    comm = _read(f"/proc/{pid}/comm").strip()
    return comm or "other"


class RssSampler:
    """Every :data:`SAMPLE_EVERY` seconds, the peak RSS of each process in ``root``'s tree, by role."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.peaks: dict[int, int] = {}
        self.roles: dict[int, str] = {}
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.done.is_set():
            for pid in _descendants(self.root):
                peak = _peak_rss_kb(pid)
                if peak:
                    self.peaks[pid] = max(peak, self.peaks.get(pid, 0))
                    self.roles.setdefault(pid, _role(pid, self.root))
            self.done.wait(SAMPLE_EVERY)

    def stop(self) -> dict[str, float]:
        """Largest peak per role, in MB."""
        self.done.set()
        self.thread.join()
        by_role: dict[str, float] = {}
        for pid, peak in self.peaks.items():
            role = self.roles[pid]
            by_role[role] = max(by_role.get(role, 0.0), round(peak / 1024, 1))
        return by_role


# --- runs -----------------------------------------------------------------------------------------------


@dataclass
class Run:
    """One measured run: wall-clock seconds, the counts of blamine's JSON summary (``docs``: documents
    stored or reclassified), peak RSS by role."""

    label: str
    wall: float
    docs: int
    pages: int
    failed: int = 0
    inner: float | None = None
    rss_mb: dict[str, float] = field(default_factory=dict)
    failed_paths: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def docs_per_s(self) -> float:
        return self.docs / self.wall if self.wall else 0.0

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.wall if self.wall else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "wall_seconds": round(self.wall, 3),
            "in_process_seconds": self.inner,
            "stored": self.docs,
            "failed": self.failed,
            "pages": self.pages,
            "documents_per_second": round(self.docs_per_s, 3),
            "pages_per_second": round(self.pages_per_s, 2),
            "peak_rss_mb": self.rss_mb,
            "error": self.error,
        }


def blamine_ingest(label: str, source: Path, store: Path, *extra: str, cores: int | None = None) -> Run:
    """Time ``blamine ingest SOURCE --store STORE --json EXTRA...`` as a subprocess, sampling its memory;
    with ``cores``, the subprocess and everything it starts may run on that many cores only."""
    command = [str(BLAMINE), "ingest", str(source), "--store", str(store), "--json", *extra]
    print(f"... {label}: {' '.join(command[1:])}", file=sys.stderr, flush=True)
    allowed = sorted(os.sched_getaffinity(0))[:cores] if cores else None
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=(lambda: os.sched_setaffinity(0, allowed)) if allowed else None,
    )
    sampler = RssSampler(process.pid)
    out, err = process.communicate()
    wall = time.perf_counter() - started
    rss = sampler.stop()
    try:
        summary = json.loads(out)
    except ValueError:
        tail = (err.strip().splitlines() or ["no output"])[-1]
        return Run(label, wall, 0, 0, rss_mb=rss, error=f"exit {process.returncode}: {tail}")
    return Run(
        label,
        wall,
        summary["stored"] + summary.get("reclassified", 0),
        summary["pages"],
        failed=summary["failed"],
        inner=summary["seconds"],
        rss_mb=rss,
        failed_paths=[failure["path"] for failure in summary.get("failures", [])],
    )


def pdfplumber_baseline(paths: list[Path]) -> Run:
    """The plain sequential loop: open, ``extract_text()`` and ``close()`` each page."""
    print(f"... pdfplumber baseline on {len(paths)} PDFs", file=sys.stderr, flush=True)
    pages = 0
    started = time.perf_counter()
    for path in paths:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                try:
                    page.extract_text()
                    pages += 1
                finally:
                    page.close()
    return Run("pdfplumber, same born-digital PDFs", time.perf_counter() - started, len(paths), pages)


def other_model(folder: Path) -> Path:
    """A copy of the shipped model whose manifest names another version (the model file is unchanged, and
    the manifest's SHA-256 is the model file's, so the copy loads)."""
    source = resolve_model_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for item in source.iterdir():
        if item.is_file():
            shutil.copy2(item, folder / item.name)
    manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    manifest["version"] = f"{manifest['version']}-bench"
    (folder / MANIFEST_FILE).write_text(
        json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return folder


def has_reclassify() -> bool:
    help_text = subprocess.run(
        [str(BLAMINE), "ingest", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    ).stdout
    return "--reclassify" in help_text


# --- report ---------------------------------------------------------------------------------------------


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def _fmt(value: float | None, unit: str = "x") -> str:
    return "-" if value is None else f"{value:.2f}{unit}" if unit == "x" else f"{value:.1f}{unit}"


def target_row(
    name: str, value: float | None, target: float, *, higher: bool, unit: str = "x"
) -> tuple[str, str, str, str]:
    """(name, measured, target, status) for the targets table."""
    if value is None:
        state = "not measured"
    else:
        state = "met" if (value >= target if higher else value <= target) else "NOT MET"
    return name, _fmt(value, unit), f"{'>=' if higher else '<='} {target:g}{unit}", state


def print_runs(runs: list[Run]) -> None:
    header = (
        f"{'run':44} {'docs':>5} {'pages':>6} {'failed':>6} {'wall s':>8} {'in-proc s':>9} "
        f"{'docs/s':>7} {'pages/s':>8}"
    )
    print(header)
    print("-" * len(header))
    for run in runs:
        if run.error:
            print(f"{run.label:44} ERROR {run.error}")
            continue
        inner = f"{run.inner:9.1f}" if run.inner is not None else f"{'-':>9}"
        print(
            f"{run.label:44} {run.docs:5d} {run.pages:6d} {run.failed:6d} {run.wall:8.1f} {inner} "
            f"{run.docs_per_s:7.2f} {run.pages_per_s:8.1f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=1000, help="agreements in the corpus (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    parser.add_argument("--min-pages", type=int, default=5, help="fewest pages of a document (default 5)")
    parser.add_argument("--max-pages", type=int, default=40, help="most pages of a document (default 40)")
    parser.add_argument(
        "--baseline-docs",
        type=int,
        default=50,
        help="born-digital PDFs for the pdfplumber comparison (0: skip it)",
    )
    parser.add_argument("--subset-docs", type=int, default=100, help="first documents for the memory run")
    parser.add_argument("--corpus", type=Path, help="corpus cache folder (default: in the temp dir)")
    parser.add_argument("--work", type=Path, help="folder for the stores (default: a temp dir, removed)")
    parser.add_argument("--gen-jobs", type=int, default=os.cpu_count() or 1, help="generator processes")
    args = parser.parse_args(argv)

    if args.work is not None and args.work.exists() and any(args.work.iterdir()):
        parser.error(f"--work {args.work} must be empty or absent: every run needs a fresh store")
    corpus_dir = args.corpus or default_corpus_dir(args.docs, args.seed, args.min_pages, args.max_pages)
    print(f"... corpus of {args.docs} agreements in {corpus_dir}", file=sys.stderr, flush=True)
    corpus = ensure_corpus(corpus_dir, args.docs, args.seed, args.min_pages, args.max_pages, args.gen_jobs)
    kinds = {kind: [s for s in corpus.specs if s.kind == kind] for kind in ("digital", "scan", "damaged")}
    corpus_pages = sum(corpus.pages.values())

    work = args.work or Path(tempfile.mkdtemp(prefix="blamine-bench-ingest-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        baseline_paths = [corpus.path(s) for s in kinds["digital"][: args.baseline_docs]]
        baseline: Run | None = None
        digital: Run | None = None
        digital_all: Run | None = None
        if baseline_paths:
            digital_set = link_set(work / "sets" / "born-digital", baseline_paths)
            baseline = pdfplumber_baseline(baseline_paths)
            digital = blamine_ingest(
                "blamine --jobs 1, same born-digital PDFs",
                digital_set,
                work / "s-digital",
                "--jobs",
                "1",
                cores=1,
            )
            all_digital_set = link_set(
                work / "sets" / "all-born-digital", [corpus.path(s) for s in kinds["digital"]]
            )
            digital_all = blamine_ingest(
                "blamine --jobs 2, all born-digital PDFs",
                all_digital_set,
                work / "s-digital-all",
                "--jobs",
                "2",
            )
        jobs1 = blamine_ingest(
            "blamine --jobs 1 on one core, all", corpus.folder, work / "s-jobs1", "--jobs", "1", cores=1
        )
        jobs2 = blamine_ingest("blamine --jobs 2, all", corpus.folder, work / "s-jobs2", "--jobs", "2")
        rerun = blamine_ingest(
            "blamine --jobs 2, no-change re-run", corpus.folder, work / "s-jobs2", "--jobs", "2"
        )
        if args.subset_docs < args.docs:
            subset_set = link_set(
                work / "sets" / "first", [corpus.path(s) for s in corpus.specs[: args.subset_docs]]
            )
            subset = blamine_ingest(
                f"blamine --jobs 2, first {args.subset_docs}", subset_set, work / "s-subset", "--jobs", "2"
            )
        else:
            subset = jobs2
        runs = [run for run in (baseline, digital, digital_all, jobs1, jobs2, rerun) if run is not None]
        runs += [subset] if subset is not jobs2 else []
        reclassify: Run | None = None
        reclassify_note = "blamine ingest --help lists no --reclassify: skipped"
        if has_reclassify():
            model = other_model(work / "model-other")
            reclassify = blamine_ingest(
                "blamine --reclassify (model changed), --jobs 2",
                corpus.folder,
                work / "s-jobs2",
                "--jobs",
                "2",
                "--reclassify",
                "--models",
                str(model),
            )
            runs.append(reclassify)
            reclassify_note = reclassify.error or ""
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)

    # --- figures ---
    speedup = _ratio(jobs1.wall, jobs2.wall) if not (jobs1.error or jobs2.error) else None
    vs_pdfplumber, vs_pdfplumber_all = (
        _ratio(run.pages_per_s, baseline.pages_per_s) if baseline and run and not run.error else None
        for run in (digital, digital_all)
    )
    rerun_percent = round(100 * rerun.wall / jobs2.wall, 2) if jobs2.wall and not rerun.error else None
    memory_measured = not (subset.error or jobs2.error)
    rss_rows = {
        role: (subset.rss_mb.get(role), jobs2.rss_mb.get(role)) if memory_measured else (None, None)
        for role in ("driver", "joblib worker", "extraction process")
    }
    growth = {role: _ratio(full, small) for role, (small, full) in rss_rows.items()}
    reclassify_percent = (
        round(100 * reclassify.wall / jobs2.wall, 2) if reclassify and not reclassify.error else None
    )

    damaged_failed = sum(Path(p).stem.endswith("_damaged") for p in jobs2.failed_paths)
    others_failed = len(jobs2.failed_paths) - damaged_failed
    generated = "cached" if corpus.cached else "generated now"
    print(
        f"\nblamine ingest benchmark: {args.docs} agreements (seed {args.seed}), {corpus_pages} pages; "
        f"{len(kinds['digital'])} born-digital, {len(kinds['scan'])} scans, {len(kinds['damaged'])} damaged"
    )
    print(f"corpus: {corpus.folder} ({generated}; generation took {corpus.generated_seconds:.1f} s)")
    print(
        f"damaged files failed in the --jobs 2 run: {damaged_failed} of {len(kinds['damaged'])} "
        f"(the others were repaired and stored); other files failed: {others_failed}"
    )
    print(f"rates use wall-clock time; docs: documents stored; {os.cpu_count()} CPU cores\n")
    print_runs(runs)
    small_label = f"first {args.subset_docs}" if subset is not jobs2 else "(= all)"
    print(
        f"\n{'peak RSS, --jobs 2 (MB)':28} {small_label:>12} {'all ' + str(args.docs):>12} {'all/first':>10}"
    )
    for role, (small, full) in rss_rows.items():
        print(f"{role:28} {_fmt(small, ''):>12} {_fmt(full, ''):>12} {_fmt(growth[role]):>10}")

    targets = [
        target_row("speed-up jobs 2 / jobs 1", speedup, TARGETS["speedup"], higher=True),
        target_row(
            "born-digital pages/s vs pdfplumber, --jobs 1",
            vs_pdfplumber,
            TARGETS["vs_pdfplumber"],
            higher=True,
        ),
        target_row(
            "born-digital pages/s vs pdfplumber, --jobs 2",
            vs_pdfplumber_all,
            TARGETS["vs_pdfplumber"],
            higher=True,
        ),
        target_row("driver peak RSS, all / first", growth["driver"], TARGETS["rss_growth"], higher=False),
        target_row(
            "largest worker peak RSS, all / first",
            growth["joblib worker"],
            TARGETS["rss_growth"],
            higher=False,
        ),
        target_row(
            "no-change re-run / first run", rerun_percent, TARGETS["rerun_percent"], higher=False, unit=" %"
        ),
        (
            "reclassify / full ingest (--jobs 2)",
            _fmt(reclassify_percent, " %"),
            "(no target)",
            reclassify_note or "measured",
        ),
    ]
    print(f"\n{'target':40} {'measured':>10} {'target':>10}  status")
    for name, measured, target, state in targets:
        print(f"{name:40} {measured:>10} {target:>10}  {state}")
    if subset is jobs2:
        print(f"(memory growth compares a run with itself: --docs {args.docs} <= --subset-docs)")

    result = {
        "docs": args.docs,
        "seed": args.seed,
        "corpus": str(corpus.folder),
        "corpus_pages": corpus_pages,
        "born_digital": len(kinds["digital"]),
        "scans": len(kinds["scan"]),
        "damaged": len(kinds["damaged"]),
        "damaged_failed": damaged_failed,
        "other_failed": others_failed,
        "generation_seconds": round(corpus.generated_seconds, 2),
        "generation_cached": corpus.cached,
        "baseline": baseline.to_dict() if baseline else None,
        "born_digital_jobs1": digital.to_dict() if digital else None,
        "born_digital_all_jobs2": digital_all.to_dict() if digital_all else None,
        "jobs1": jobs1.to_dict(),
        "jobs2": jobs2.to_dict(),
        "rerun": rerun.to_dict(),
        "subset": {"docs": min(args.subset_docs, args.docs), **subset.to_dict()},
        "reclassify": reclassify.to_dict() if reclassify else None,
        "reclassify_note": reclassify_note,
        "speedup": speedup,
        "vs_pdfplumber": vs_pdfplumber,
        "vs_pdfplumber_jobs2": vs_pdfplumber_all,
        "rss_growth": growth,
        "rerun_percent": rerun_percent,
        "reclassify_percent": reclassify_percent,
        "targets": {name: {"measured": m, "target": t, "status": s} for name, m, t, s in targets},
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
