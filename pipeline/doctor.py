"""``blamine doctor``: checks the installation and, when asked, a store, and says what to fix.

blamine leans on things pip does not install or cannot vouch for: tesseract and its language packs (OCR
of scanned pages), Debian's chromium and chromedriver (the browser test of the web page), the shipped
model (whose file must match the SHA-256 its manifest records) and a store whose index and journal are
derived from its JSON documents. When one of them is missing or out of step, the symptom shows up far
from the cause (an Italian scan read as English, a search that misses an agreement); each check here
names the cause and gives one line saying what to run.

Every check is a plain function returning :class:`Check` results, so tests and other tools can run one
alone. Nothing is changed: the store's index and journal are only read, and stale temporary files are
reported, not deleted. A ``fail`` means blamine cannot do its job (exit code 1); a ``warn`` means a part
is missing or degraded (OCR of some languages, the web tests, failed files) and leaves the exit code 0.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Literal

from . import index as index_module
from . import manifest as journal_module
from . import store as store_module
from .classify import load_model, read_manifest, resolve_model_dir, verify_model_file
from .errors import BlamineError
from .ocr import TESSERACT_LANGS

Status = Literal["ok", "warn", "fail"]

MIN_PYTHON = (3, 11)
"""pyproject's ``requires-python`` (a test keeps the two equal)."""

REQUIRED_PACKAGES = (
    ("pdfplumber", "pdfplumber"),
    ("pypdfium2", "pypdfium2"),
    ("sklearn", "scikit-learn"),
    ("skops", "skops"),
    ("spacy", "spacy"),
    ("typer", "typer"),
    ("joblib", "joblib"),
    ("fastjsonschema", "fastjsonschema"),
    ("numpy", "numpy"),
    ("PIL", "pillow"),
    ("pikepdf", "pikepdf"),
    ("pycountry", "pycountry"),
    ("matplotlib", "matplotlib"),
    ("jinja2", "jinja2"),
)
"""(module, distribution) of pyproject's ``dependencies`` (a test keeps the two in step)."""

FOUND_NOT_IMPORTED = frozenset({"spacy"})
"""Required packages only looked up, not imported: blamine reads spaCy's stop-word files without
importing spaCy (see :func:`pipeline.metadata._stop_words`), and importing it would cost the doctor ~1 s."""

OPTIONAL_PACKAGES = (
    ("selenium", "selenium", "the headless-browser test of the web page", "pip install -e '.[dev]'"),
    ("distributed", "distributed", "`blamine ingest --backend dask`", "pip install 'blamine[dask]'"),
    ("ray", "ray", "`blamine ingest --backend ray`", "pip install 'blamine[ray]'"),
    ("pyarrow", "pyarrow", "`blamine export --format parquet`", "pip install 'blamine[parquet]'"),
)
"""(module, distribution, what needs it, how to install it). Only looked up, never imported: they are
optional, so presence is all a warning can be about, and importing Ray alone takes half a second."""

OSD_LANGUAGE = "osd"
"""tesseract's orientation and script detection data, which :mod:`pipeline.ocr` uses to turn sideways
scans upright."""

INSTALL_SYSTEM_DEPS = "run `bash scripts/install-system-deps.sh`"
BAD_FILES_SHOWN = 3
"""How many offending files a check names before it just counts."""
COMMAND_TIMEOUT = 10.0
"""Seconds a ``--version`` style command may take before it counts as not working."""


@dataclass(frozen=True)
class Check:
    """The result of one check: what was checked, ``ok``/``warn``/``fail``, what was found and, unless
    ``ok``, one line saying exactly what to run or do."""

    name: str
    status: Status
    detail: str
    fix: str | None = None


# ------------------------------------------------------------------------------------------- python


def check_python() -> list[Check]:
    """The interpreter is one pyproject allows (the code uses 3.11 features such as ``datetime.UTC``)."""
    version = ".".join(map(str, sys.version_info[:3]))
    if sys.version_info[:2] < MIN_PYTHON:
        wanted = ".".join(map(str, MIN_PYTHON))
        return [
            Check("python", "fail", f"{version} is older than {wanted}", f"install Python {wanted} or newer")
        ]
    return [Check("python", "ok", f"{version} ({sys.executable})")]


def check_packages() -> list[Check]:
    """Every required package imports (a broken wheel fails here, not halfway through an ingest); the
    optional ones are looked up and, when absent, named with the command that needs them."""
    broken = []
    for module, distribution in REQUIRED_PACKAGES:
        try:
            if module in FOUND_NOT_IMPORTED:
                if importlib.util.find_spec(module) is None:
                    raise ImportError(f"No module named {module!r}")
            else:
                importlib.import_module(module)
        except Exception as exc:  # a broken install raises anything from ImportError to OSError
            broken.append(f"{distribution} ({type(exc).__name__}: {exc})")
    checks = []
    if broken:
        checks.append(
            Check(
                "packages",
                "fail",
                f"cannot import {'; '.join(broken)}",
                "run `make install` (or `pip install -e .` in the blamine folder)",
            )
        )
    else:
        key = ", ".join(f"{d} {_version(d)}" for d in ("scikit-learn", "skops", "numpy"))
        checks.append(Check("packages", "ok", f"{len(REQUIRED_PACKAGES)} required packages import ({key})"))
    for module, distribution, purpose, install in OPTIONAL_PACKAGES:
        if importlib.util.find_spec(module) is None:
            checks.append(Check(distribution, "warn", f"not installed; needed for {purpose}", f"`{install}`"))
        else:
            checks.append(Check(distribution, "ok", f"{_version(distribution)} (for {purpose})"))
    return checks


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "(version unknown)"


# ----------------------------------------------------------------------------------------- tesseract


def check_tesseract() -> list[Check]:
    """tesseract runs, and has the language packs of :data:`pipeline.ocr.TESSERACT_LANGS` and ``osd``.

    A missing pack is only a warning: OCR then reads those pages with the installed languages (worse,
    not nothing). The programs are looked up afresh rather than through :mod:`pipeline.ocr`'s cached
    answers, so the doctor reports the PATH it runs with.
    """
    program = shutil.which("tesseract")
    if program is None:
        return [
            Check(
                "tesseract", "fail", "not found on PATH: scanned pages cannot be OCRed", INSTALL_SYSTEM_DEPS
            )
        ]
    try:
        version_out = _run([program, "--version"])
        langs_out = _run([program, "--list-langs"])
    except (OSError, subprocess.SubprocessError) as exc:
        return [Check("tesseract", "fail", f"{program} does not run ({exc})", INSTALL_SYSTEM_DEPS)]
    found = re.search(r"tesseract\s+v?(\S+)", version_out)
    version = found.group(1) if found else "(version unknown)"
    installed = {line.strip() for line in langs_out.splitlines()[1:] if line.strip()}
    wanted = sorted({*TESSERACT_LANGS.values(), OSD_LANGUAGE})
    present = [lang for lang in wanted if lang in installed]
    checks = [Check("tesseract", "ok", f"{version} ({', '.join(present) or 'no language packs'})")]
    missing = [lang for lang in wanted if lang not in installed]
    if missing:
        effects = []
        if set(missing) - {OSD_LANGUAGE}:
            effects.append("pages in those languages are OCRed with the other packs, less accurately")
        if OSD_LANGUAGE in missing:
            effects.append("sideways scans are not turned upright")
        packages = " ".join(f"tesseract-ocr-{lang}" for lang in missing)
        checks.append(
            Check(
                "OCR languages",
                "warn",
                f"missing {', '.join(missing)}: {'; '.join(effects)}",
                f"`sudo apt-get install {packages}`",
            )
        )
    return checks


# ----------------------------------------------------------------------------------------- chromium


def check_chromium() -> list[Check]:
    """Debian's chromium and its chromedriver, as ``tests/test_web.py`` finds them, with the same major
    version (a chromedriver drives only its own major version). Warnings only: nothing but the browser
    test needs them."""
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or driver is None:
        absent = " and ".join(n for n, p in (("chromium", chromium), ("chromedriver", driver)) if p is None)
        return [
            Check("chromium", "warn", f"{absent} not on PATH; needed for the web tests", INSTALL_SYSTEM_DEPS)
        ]
    try:
        versions = [
            _major_version(_run([chromium, "--version"])),
            _major_version(_run([driver, "--version"])),
        ]
    except (OSError, subprocess.SubprocessError) as exc:
        return [Check("chromium", "warn", f"cannot read the versions ({exc})", INSTALL_SYSTEM_DEPS)]
    browser, chromedriver = versions
    if browser is None or chromedriver is None or browser != chromedriver:
        return [
            Check(
                "chromium",
                "warn",
                f"chromium {browser or '?'} and chromedriver {chromedriver or '?'}: the web tests need one "
                "major version",
                "`sudo apt-get install --only-upgrade chromium chromium-driver`",
            )
        ]
    return [Check("chromium", "ok", f"chromium and chromedriver {browser} ({chromium}, {driver})")]


def _major_version(text: str) -> str | None:
    found = re.search(r"(\d+)\.\d+", text)
    return found.group(1) if found else None


def _run(command: list[str]) -> str:
    """A quick informational command's output (stdout, then stderr: tesseract 3 printed its version there)."""
    proc = subprocess.run(command, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False)
    return proc.stdout + proc.stderr


# -------------------------------------------------------------------------------------------- model


def check_model(models: Path | None = None) -> list[Check]:
    """The model ``blamine ingest`` would use: ``models/current`` resolves, its manifest reads, the model
    file's SHA-256 matches the manifest (the check :func:`pipeline.classify.load_model` makes), and it
    loads. Loading is most of the doctor's time, but it is the only proof the file deserialises with the
    installed scikit-learn and skops."""
    restore = (
        "`git checkout -- models` restores the shipped model (or `make model` retrains it)"
        if models is None
        else "point --models at an intact models folder (or version folder), or train one: "
        "`blamine train --out DIR --promote`"
    )
    try:
        directory = resolve_model_dir(models)
        manifest = read_manifest(directory)
    except BlamineError as exc:
        return [Check("model", "fail", f"{exc.path}: {exc.reason}", restore)]
    checks = [Check("model", "ok", f"{manifest['version']} in {directory}")]
    try:
        model_path = verify_model_file(directory, manifest)
    except (BlamineError, KeyError) as exc:
        reason = exc.reason if isinstance(exc, BlamineError) else f"manifest has no {exc}"
        return [*checks, Check("model files", "fail", f"{manifest.get('model_file')}: {reason}", restore)]
    checks.append(Check("model files", "ok", f"{model_path.name} matches the manifest's SHA-256"))
    started = time.perf_counter()
    try:
        model = load_model(directory)
    except Exception as exc:  # skops and scikit-learn raise many kinds on a model they cannot read
        return [
            *checks,
            Check(
                "model load",
                "fail",
                f"{type(exc).__name__}: {exc}",
                "run `make install` (scikit-learn or skops may differ from the training's), then " + restore,
            ),
        ]
    seconds = time.perf_counter() - started
    detail = f"{len(model.trained_labels_)} of {len(model.labels)} labels trained, loaded in {seconds:.1f} s"
    return [*checks, Check("model load", "ok", detail)]


# -------------------------------------------------------------------------------------------- store


def check_store(store: Path) -> list[Check]:
    """The store's documents parse and validate, and what is derived from them agrees: the index holds
    exactly the valid documents, the journal reads, every document has its PDF copy, and no temporary
    file is lying around. Nothing is repaired here: each problem comes with the command that repairs it."""
    store = Path(store)
    quoted = shlex.quote(str(store))
    if not store_module.documents_dir(store).is_dir():
        return [
            Check(
                "store",
                "fail",
                f"{store} is not a store (no documents/ folder)",
                f"check --store, or make one: `blamine ingest PDFS --store {quoted}`",
            )
        ]
    doc_ids, documents = _check_documents(store, quoted)
    return [
        documents,
        _check_index(store, quoted, doc_ids),
        _check_journal(store, quoted),
        _check_temporaries(store, quoted),
        _check_pdf_copies(store, quoted, doc_ids),
    ]


def _check_documents(store: Path, quoted: str) -> tuple[set[str], Check]:
    """The ids of the valid documents, and a check naming the first few files that do not parse or do
    not match ``document.schema.json`` (the contract every reader of the store relies on)."""
    paths = sorted(store_module.documents_dir(store).glob("*.json"))
    doc_ids: set[str] = set()
    bad = []
    for path in paths:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            store_module.validate(data)
            doc_ids.add(data["doc_id"])
        except (OSError, ValueError) as exc:  # JSON, Unicode and schema errors are all ValueErrors
            bad.append(f"{path.name} ({_shorten(str(exc))})")
    if bad:
        return doc_ids, Check(
            "store documents",
            "fail",
            f"{len(bad)} of {len(paths)} unreadable or invalid: {_first(bad)}",
            f"move them out of documents/ and re-run `blamine ingest PDFS --store {quoted}` on their PDFs "
            "(a missing document is extracted again)",
        )
    return doc_ids, Check("store documents", "ok", f"{len(paths)} documents valid")


def _check_index(store: Path, quoted: str, doc_ids: set[str]) -> Check:
    """``index.sqlite`` has this blamine's schema version and exactly the valid documents' rows."""
    reindex = f"`blamine reindex --store {quoted}`"
    path = index_module.index_path(store)
    if not path.is_file():
        return Check("store index", "warn", "no index.sqlite (search builds it on first use)", reindex)
    try:
        # Read-write but never written: a read-only connection to a WAL database leaves its -wal and -shm
        # files behind, while the last ordinary connection to close removes them. mode=rw never creates.
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True)
        try:
            version = index_module.schema_version(conn)
            rows = (
                {row[0] for row in conn.execute("SELECT doc_id FROM documents")}
                if version == index_module.INDEX_SCHEMA_VERSION
                else set()
            )
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return Check("store index", "fail", f"unreadable ({exc})", f"delete {path}, then run {reindex}")
    ours = index_module.INDEX_SCHEMA_VERSION
    if version is None:
        return Check("store index", "warn", "no schema version (an empty or unfinished index)", reindex)
    if version > ours:
        return Check(
            "store index",
            "fail",
            f"schema version {version}, newer than this blamine reads ({ours})",
            f"upgrade blamine, or delete {path} and run {reindex}",
        )
    if version < ours:
        return Check(
            "store index",
            "warn",
            f"schema version {version}, older than {ours} (rebuilt on next use)",
            reindex,
        )
    missing, orphans = sorted(doc_ids - rows), sorted(rows - doc_ids)
    if missing or orphans:
        problems = []
        if missing:
            problems.append(f"{len(missing)} documents not in the index ({_first(missing)})")
        if orphans:
            problems.append(f"{len(orphans)} index rows without a valid document ({_first(orphans)})")
        return Check("store index", "fail", "; ".join(problems), reindex)
    return Check("store index", "ok", f"schema version {version}, {len(rows)} documents, as stored")


def _check_journal(store: Path, quoted: str) -> Check:
    """The ingest journal (``manifest.sqlite``) reads; failed files are a warning pointing at the list."""
    path = store / journal_module.MANIFEST_FILE
    if not path.is_file():
        return Check(
            "store journal",
            "warn",
            "no manifest.sqlite: the next ingest redoes every file",
            f"`blamine ingest PDFS --store {quoted}` writes it",
        )
    try:
        journal = journal_module.Manifest(store)
        try:
            entries = journal.entries()
        finally:
            journal.close()
    except (BlamineError, sqlite3.DatabaseError) as exc:
        reason = exc.reason if isinstance(exc, BlamineError) else str(exc)
        return Check(
            "store journal",
            "fail",
            f"unreadable ({reason})",
            f"move {path} away and re-run `blamine ingest PDFS --store {quoted}`",
        )
    counts = {state: sum(e.state == state for e in entries) for state in ("done", "skipped", "failed")}
    detail = f"{counts['done']} done, {counts['skipped']} duplicates, {counts['failed']} failed"
    if counts["failed"]:
        failures = store / journal_module.FAILURES_FILE
        return Check(
            "store journal",
            "warn",
            detail,
            f"see why in {failures}, then `blamine ingest --retry-failed --store {quoted}`",
        )
    return Check("store journal", "ok", detail)


def _check_temporaries(store: Path, quoted: str) -> Check:
    """Temporary files of an interrupted write (detected only: one may be an ingest under way)."""
    stale = store_module.stale_temporaries(store)
    if stale:
        names = [str(path.relative_to(store)) for path in stale]
        return Check(
            "store temporary files",
            "warn",
            f"{len(stale)} left by a killed run (or an ingest under way): {_first(names)}",
            f"the next `blamine ingest PDFS --store {quoted}` removes them",
        )
    return Check("store temporary files", "ok", "none")


def _check_pdf_copies(store: Path, quoted: str, doc_ids: Iterable[str]) -> Check:
    """Each valid document has its PDF copy, which the web page serves."""
    missing = sorted(d for d in doc_ids if not store_module.pdf_path(store, d).is_file())
    if missing:
        return Check(
            "store PDF copies",
            "warn",
            f"{len(missing)} without pdfs/<id>.pdf (the web page cannot show them): {_first(missing)}",
            f"move their documents/<id>.json away and re-run `blamine ingest PDFS --store {quoted}`",
        )
    return Check("store PDF copies", "ok", "every document has its PDF")


def _first(items: list[str]) -> str:
    shown = ", ".join(items[:BAD_FILES_SHOWN])
    return shown + (f", … ({len(items) - BAD_FILES_SHOWN} more)" if len(items) > BAD_FILES_SHOWN else "")


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ------------------------------------------------------------------------------------------ running


def run_checks(store: Path | None = None, models: Path | None = None) -> list[Check]:
    """Every check, installation first; the store's only when one is given."""
    groups: list[Callable[[], list[Check]]] = [
        check_python,
        check_packages,
        check_tesseract,
        check_chromium,
        lambda: check_model(models),
    ]
    if store is not None:
        groups.append(lambda: check_store(store))
    return [check for group in groups for check in group()]


def exit_code(checks: Iterable[Check]) -> int:
    """1 if any check failed, else 0: warnings describe a degraded install, not a broken one."""
    return 1 if any(check.status == "fail" for check in checks) else 0


def render(checks: list[Check]) -> str:
    """Aligned plain lines, ``STATUS name  detail → fix: …``, and a count of each status."""
    width = max((len(check.name) for check in checks), default=0)
    lines = [
        f"{check.status.upper():<4} {check.name:<{width}}  {check.detail}"
        + (f" → fix: {check.fix}" if check.fix else "")
        for check in checks
    ]
    counts = {status: sum(c.status == status for c in checks) for status in ("ok", "warn", "fail")}
    lines.append(f"{counts['ok']} ok, {counts['warn']} warnings, {counts['fail']} failures")
    return "\n".join(lines)


def render_json(checks: list[Check]) -> str:
    """The checks as JSON for scripts: ``{"ok": bool, "checks": [{name, status, detail, fix}, ...]}``."""
    return json.dumps(
        {"ok": exit_code(checks) == 0, "checks": [asdict(check) for check in checks]},
        indent=2,
        ensure_ascii=False,
    )
