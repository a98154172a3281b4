"""One exception type for every input blamine refuses, with a stable code.

The CLI prints these as a single line, ``ERROR <file>: <reason> [<code>]``, never a traceback, so a user
with a folder of hundreds of PDFs can see at a glance which ones failed and why.
"""

from __future__ import annotations

from pathlib import Path

E_NOT_FOUND = "E_NOT_FOUND"
E_EMPTY = "E_EMPTY"
E_NOT_PDF = "E_NOT_PDF"
E_ENCRYPTED = "E_ENCRYPTED"
E_DAMAGED = "E_DAMAGED"
E_NO_PAGES = "E_NO_PAGES"
E_NO_TEXT = "E_NO_TEXT"
E_MODEL = "E_MODEL"
E_STORE = "E_STORE"
E_INTERNAL = "E_INTERNAL"
E_TIMEOUT = "E_TIMEOUT"
E_MEMORY = "E_MEMORY"
E_CRASH = "E_CRASH"
E_SIDECAR = "E_SIDECAR"
E_METADATA = "E_METADATA"
E_LOCKED = "E_LOCKED"
E_BACKEND = "E_BACKEND"
"""A parallel backend (``--backend``) that is not installed or not supported yet."""
E_ANNOTATIONS = "E_ANNOTATIONS"
"""An annotation file (Label Studio, Prodigy, doccano, blamine JSONL) that cannot be imported."""
E_DEPENDENCY = "E_DEPENDENCY"
"""An optional dependency (an extra such as ``blamine[parquet]``) that is not installed; the reason says
what to install."""


HINTS = {
    E_NOT_FOUND: "check the path",
    E_EMPTY: "copy the file again from its source",
    E_NOT_PDF: "only PDF files are read; convert it to PDF first",
    E_ENCRYPTED: "give the password with --password or in a sidecar file FILE.blamine.json",
    E_DAMAGED: "get a fresh copy or a new scan of the file",
    E_NO_PAGES: "get a fresh copy of the file",
    E_NO_TEXT: "check the OCR languages with `blamine doctor`, or scan the pages again",
    E_TIMEOUT: "raise --timeout-per-file if the file is just large",
    E_MEMORY: "raise --max-memory-per-file if the file is just large",
    E_CRASH: "run `blamine --verbose extract FILE` and report the file if it keeps crashing",
    E_SIDECAR: "fix the sidecar JSON (keys: password, ocr_languages)",
    E_METADATA: "fix that row of the metadata table",
    E_MODEL: "run `blamine doctor`; `make model` rebuilds the shipped model",
    E_STORE: "run `blamine doctor --store DIR`",
    E_ANNOTATIONS: "fix the file and import it again (nothing was imported)",
    E_INTERNAL: "a bug in blamine: run again with `blamine --verbose` and report the output with the file",
}
"""What the user can do about each kind of error, printed after the reason; codes whose reasons already
say what to do (``E_LOCKED``, ``E_BACKEND``) have none."""


class BlamineError(Exception):
    """A refused input or unusable resource: ``path`` names it, ``reason`` says why, ``code`` classifies.

    ``detail`` holds what a developer needs and a user does not (the traceback of an unexpected exception);
    the CLI shows it with ``--verbose``."""

    def __init__(self, path: str | Path, reason: str, code: str, detail: str | None = None) -> None:
        super().__init__(f"{path}: {reason} [{code}]")
        self.path = str(path)
        self.reason = reason
        self.code = code
        self.detail = detail

    def one_line(self) -> str:
        """The message the CLI prints: the file, the reason, what to do, and the code."""
        hint = HINTS.get(self.code)
        return f"ERROR {self.path}: {self.reason}{f'; {hint}' if hint else ''} [{self.code}]"

    def as_tuple(self) -> tuple[str, str, str, str | None]:
        """The error as it travels between processes: a BlamineError does not survive pickling, as its
        arguments are not its message; ``BlamineError(*error.as_tuple())`` rebuilds it."""
        return (self.path, self.reason, self.code, self.detail)
