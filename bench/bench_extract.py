"""Extraction speed: blamine's text path against plain pdfplumber, measured in the same run.

Run: ``.venv/bin/python bench/bench_extract.py [PDF_OR_FOLDER ...]`` (default: the bundled corpus plus
``../shared/corpus/pdfs/*.official.pdf`` and ``*.twocol.pdf`` when present). Pages that need OCR are left
out of the comparison (their cost is tesseract's, not the text path's).

Prints pages per second for both and the ratio blamine / pdfplumber. The baseline is pdfplumber's
``extract_text()`` with ``page.close()`` per page, the pattern the engineering notes measured at ~8 pages/s;
blamine's path (pypdfium2 rectangles + column ordering + header removal) should be tens of times faster.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pdfplumber

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.extract import extract  # noqa: E402


def default_inputs() -> list[Path]:
    paths = sorted((ROOT / "corpus" / "pdfs").glob("*.pdf"))
    shared = ROOT.parent / "shared" / "corpus" / "pdfs"
    paths += sorted(shared.glob("*.official.pdf")) + sorted(shared.glob("*.twocol.pdf"))
    return paths


def expand(arguments: list[str]) -> list[Path]:
    paths: list[Path] = []
    for argument in arguments:
        path = Path(argument)
        paths += sorted(path.rglob("*.pdf")) if path.is_dir() else [path]
    return paths


def time_blamine(paths: list[Path]) -> tuple[float, int]:
    pages = 0
    started = time.perf_counter()
    for path in paths:
        doc = extract(path)
        pages += sum(1 for page in doc.pages if page.method == "text")
    return time.perf_counter() - started, pages


def time_pdfplumber(paths: list[Path]) -> tuple[float, int]:
    pages = 0
    started = time.perf_counter()
    for path in paths:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                try:
                    if page.extract_text():
                        pages += 1
                finally:
                    page.close()
    return time.perf_counter() - started, pages


def main() -> int:
    paths = expand(sys.argv[1:]) if len(sys.argv) > 1 else default_inputs()
    born_digital = [p for p in paths if all(page.method == "text" for page in extract(p).pages)]
    if not born_digital:
        print("no born-digital PDFs to measure", file=sys.stderr)
        return 1
    time_blamine(born_digital[:1])  # warm-up: imports, font caches
    ours_s, ours_pages = time_blamine(born_digital)
    base_s, base_pages = time_pdfplumber(born_digital)
    ours_rate, base_rate = ours_pages / ours_s, base_pages / base_s
    print(f"{len(born_digital)} PDFs, {ours_pages} pages")
    print(f"blamine extract      {ours_rate:8.1f} pages/s  ({ours_s:.2f} s)")
    print(f"pdfplumber baseline  {base_rate:8.1f} pages/s  ({base_s:.2f} s)")
    print(f"ratio blamine/pdfplumber: {ours_rate / base_rate:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
