"""Peak memory of text extraction on a long PDF: flat in the page count, and against pdfplumber.

Run: ``.venv/bin/python bench/bench_memory.py [LONG_PDF]`` (default: the 352-page book of
``../shared/robustness``). Each measurement is a fresh process reporting its own peak RSS (``ru_maxrss``).

Prints peak RSS of ``blamine extract`` on the whole PDF and on its first 10 % of pages (flatness: the
ratio should stay near 1), and of plain pdfplumber ``extract_text()`` on the whole PDF (the baseline of the
same run, pages closed one by one as the pdfplumber maintainers advise).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pypdfium2 as pdfium

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "robustness" / "large__pdfjs-freeculture-352-pages.pdf"

REPORT = "import resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
BLAMINE = "import sys\nfrom pipeline.extract import extract\nextract(sys.argv[1])\n" + REPORT
PDFPLUMBER = (
    "import sys, pdfplumber\n"
    "with pdfplumber.open(sys.argv[1]) as pdf:\n"
    "    for page in pdf.pages:\n"
    "        page.extract_text(); page.close()\n" + REPORT
)


def peak_rss_mb(code: str, pdf: Path) -> float:
    """Peak RSS (MB) of a fresh Python process running ``code`` on ``pdf`` (it prints its own peak)."""
    out = subprocess.run([sys.executable, "-c", code, str(pdf)], check=True, cwd=ROOT, capture_output=True)
    return int(out.stdout.split()[-1]) / 1024


def first_pages(pdf: Path, count: int, out: Path) -> Path:
    """A copy of the first ``count`` pages of ``pdf``."""
    source = pdfium.PdfDocument(str(pdf))
    subset = pdfium.PdfDocument.new()
    subset.import_pages(source, list(range(count)))
    subset.save(str(out))
    return out


def main() -> int:
    pdf = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    if not pdf.is_file():
        print(f"{pdf}: not found (pass a long PDF)", file=sys.stderr)
        return 1
    pages = len(pdfium.PdfDocument(str(pdf)))
    with tempfile.TemporaryDirectory() as tmp:
        small = first_pages(pdf, max(1, pages // 10), Path(tmp) / "small.pdf")
        small_rss = peak_rss_mb(BLAMINE, small)
        full_rss = peak_rss_mb(BLAMINE, pdf)
    base_rss = peak_rss_mb(PDFPLUMBER, pdf)
    print(f"{pdf.name}: {pages} pages")
    print(f"blamine extract, {max(1, pages // 10)} pages  {small_rss:7.1f} MB")
    print(f"blamine extract, {pages} pages  {full_rss:7.1f} MB")
    print(f"pdfplumber extract_text, {pages} pages  {base_rss:7.1f} MB")
    print(f"flatness blamine full/small: {full_rss / small_rss:.2f}x")
    print(f"ratio blamine/pdfplumber: {full_rss / base_rss:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
