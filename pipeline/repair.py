"""Second chances for PDFs that PDFium will not open.

Real downloads are damaged (broken cross-reference tables, missing trailers, wrong stream lengths) or
encrypted in ways PDFium is strict about. Before refusing a file, blamine tries, in order:

1. the password as a PDF 2.0 reader would transform it (SASLprep: NFKC, soft hyphens and other invisible
   characters removed) and truncated to the 127 bytes the standard allows;
2. a repair by qpdf (through pikepdf), which rebuilds the file structure — the repaired copy is opened
   by PDFium as usual;
3. pdfplumber (pdfminer.six), an independent parser, for the text layer alone, with its line geometry.
"""

from __future__ import annotations

import tempfile
import unicodedata
from pathlib import Path

import pdfplumber
import pikepdf

from .layout import Line, merge_pieces

_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u034f\u180b\u180c\u180d\u200b\u200c\u200d\u2060\ufeff"))


def password_variants(password: str) -> list[str]:
    """Other spellings of a password that PDF readers accept, most likely first, without duplicates."""
    prepared = unicodedata.normalize("NFKC", password.translate(_INVISIBLE))
    variants = [prepared, password.encode("utf-8")[:127].decode("utf-8", errors="ignore")]
    variants.append(prepared.encode("utf-8")[:127].decode("utf-8", errors="ignore"))
    unique: list[str] = []
    for variant in variants:
        if variant != password and variant not in unique:
            unique.append(variant)
    return unique


class RepairFailed(Exception):
    """qpdf could not make sense of the file either."""


class RepairNeedsPassword(RepairFailed):
    """qpdf can read the structure but the file is encrypted with a password we do not have."""


def repaired_copy(path: Path, password: str | None, directory: Path) -> Path:
    """A structurally repaired, decrypted copy of ``path`` written by qpdf into ``directory``."""
    try:
        with pikepdf.open(path, password=password or "") as pdf:
            out = Path(tempfile.mkstemp(dir=directory, suffix=".pdf")[1])
            pdf.save(out)
    except pikepdf.PasswordError:
        raise RepairNeedsPassword(str(path)) from None
    except Exception as exc:  # qpdf raises many kinds of errors on hostile files
        raise RepairFailed(f"{type(exc).__name__}: {exc}") from None
    return out


def pdfplumber_pages(path: Path, password: str | None) -> list[tuple[list[Line], float, float]]:
    """Text lines with geometry (PDF points, y upwards), width and height of every page, via pdfplumber.

    Each page is closed right after use: pdfplumber otherwise keeps every page's layout in memory.
    """
    pages = []
    try:
        with pdfplumber.open(path, password=password or "") as pdf:
            for page in pdf.pages:
                try:
                    height = float(page.height)
                    pieces = [
                        Line(
                            float(ln["x0"]),
                            height - float(ln["bottom"]),
                            float(ln["x1"]),
                            height - float(ln["top"]),
                            ln["text"],
                        )
                        for ln in page.extract_text_lines()
                    ]
                    pages.append((merge_pieces(pieces), float(page.width), height))
                finally:
                    page.close()
    except Exception as exc:  # pdfminer raises many kinds of errors on hostile files
        raise RepairFailed(f"{type(exc).__name__}: {exc}") from None
    return pages
