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


class BlamineError(Exception):
    """A refused input or unusable resource: ``path`` names it, ``reason`` says why, ``code`` classifies."""

    def __init__(self, path: str | Path, reason: str, code: str) -> None:
        super().__init__(f"{path}: {reason} [{code}]")
        self.path = str(path)
        self.reason = reason
        self.code = code

    def one_line(self) -> str:
        """The message the CLI prints."""
        return f"ERROR {self.path}: {self.reason} [{self.code}]"
