"""OCR cost per page on scanned agreements, against a bare tesseract run on the same page images.

Run: ``.venv/bin/python bench/bench_ocr.py [SCAN_PDF ...]`` (default: the first 4 ``*.scan.pdf`` of
``../shared/corpus/pdfs``, else the bundled corpus PDF with an image page). One OCR process at a time
(``ocr_jobs=1``), so the figure is seconds per page per core.

blamine's OCR path = render at 300 dpi + tesseract (tsv, ``OMP_THREAD_LIMIT=1``) + an orientation retry only
for poor readings + layout. The baseline renders the same pages and runs ``tesseract … -l eng txt`` once.
The ratio shows what blamine adds on top of tesseract itself (language choice, retries, layout).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pypdfium2 as pdfium

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import ocr  # noqa: E402
from pipeline.extract import extract  # noqa: E402


def default_inputs() -> list[Path]:
    scans = sorted((ROOT.parent / "shared" / "corpus" / "pdfs").glob("*.scan.pdf"))[:4]
    return scans or [ROOT / "corpus" / "pdfs" / "lk_jo_recruitment_costs_2014.pdf"]


def bare_tesseract(path: Path, pages: list[int]) -> float:
    """Seconds for render + plain tesseract on the given 1-based pages."""
    started = time.perf_counter()
    pdf = pdfium.PdfDocument(str(path))
    try:
        for number in pages:
            page = pdf[number - 1]
            image = page.render(scale=ocr.OCR_DPI / 72, grayscale=True).to_pil()
            page.close()
            buffer = io.BytesIO()
            image.save(buffer, format="PNG")
            subprocess.run(
                ["tesseract", "stdin", "stdout", "--dpi", str(ocr.OCR_DPI), "-l", "eng"],
                input=buffer.getvalue(),
                capture_output=True,
                check=True,
                env={**os.environ, "OMP_THREAD_LIMIT": "1"},
            )
    finally:
        pdf.close()
    return time.perf_counter() - started


def main() -> int:
    if not ocr.available():
        print("tesseract is not installed (scripts/install-system-deps.sh)", file=sys.stderr)
        return 1
    paths = [Path(p) for p in sys.argv[1:]] or default_inputs()
    ours_s = base_s = 0.0
    pages = 0
    for path in paths:
        started = time.perf_counter()
        doc = extract(path, ocr_jobs=1)
        ours_s += time.perf_counter() - started
        ocred = [p.number for p in doc.pages if p.method == "ocr"]
        pages += len(ocred)
        base_s += bare_tesseract(path, ocred)
        confidences = [p.ocr_confidence for p in doc.pages if p.ocr_confidence is not None]
        print(
            f"{path.name[:60]:60} {len(ocred)} OCR pages, mean confidence "
            f"{sum(confidences) / max(len(confidences), 1):.1f}"
        )
    if not pages:
        print("no OCR pages in the inputs", file=sys.stderr)
        return 1
    print(f"blamine OCR path      {ours_s / pages:6.2f} s/page  ({pages} pages)")
    print(f"bare tesseract (eng)  {base_s / pages:6.2f} s/page")
    print(f"ratio blamine/bare: {ours_s / base_s:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
