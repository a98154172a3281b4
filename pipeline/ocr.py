"""OCR of pages without a text layer, with the tesseract command-line program.

tesseract is a system package (installed by ``scripts/install-system-deps.sh``), so OCR is optional at
run time: :func:`available` says whether it can run, and extraction records a warning when it cannot.
One tesseract thread per process (``OMP_THREAD_LIMIT=1``): on small machines OpenMP oversubscription
makes it 2–3× slower, and pages are better parallelised by process.
"""

from __future__ import annotations

import csv
import functools
import io
import os
import re
import shutil
import subprocess
from dataclasses import dataclass

from PIL import Image

from .layout import Line, attach_markers

OCR_DPI = 300
RETRY_CONFIDENCE = 60.0
"""Below this mean word confidence a reading is retried after orientation detection."""
MIN_ORIENTATION_CONFIDENCE = 2.0
MAX_PIXELS = 20_000_000
"""Largest page image handed to tesseract (an A4 page at 300 dpi is 8.7 million pixels)."""
TESSERACT_LANGS = {
    "en": "eng",
    "fr": "fra",
    "nl": "nld",
    "de": "deu",
    "es": "spa",
    "pt": "por",
    "it": "ita",
    "ar": "ara",
}


class OcrError(RuntimeError):
    """tesseract could not read a page (crash, timeout)."""


@dataclass
class OcrResult:
    """Positioned lines in PDF points of the upright page, the mean word confidence (0–100), the upright
    page's size and the clockwise rotation that was applied to read it."""

    lines: list[Line]
    confidence: float | None
    width: float
    height: float
    rotation: int = 0


@functools.cache
def available() -> bool:
    """Whether the tesseract program is installed."""
    return shutil.which("tesseract") is not None


@functools.cache
def installed_languages() -> frozenset[str]:
    """Tesseract language packs present on this machine (e.g. ``eng``, ``fra``)."""
    if not available():
        return frozenset()
    out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, check=False).stdout
    return frozenset(line.strip() for line in out.splitlines()[1:] if line.strip())


def tesseract_languages(languages: list[str]) -> str:
    """A tesseract ``-l`` value for ISO 639-1 codes, keeping only installed packs (English as fallback)."""
    wanted = [TESSERACT_LANGS.get(code, code) for code in languages]
    have = installed_languages()
    chosen = [lang for lang in wanted if lang in have]
    return "+".join(chosen) if chosen else "eng"


def render_scale(width: float, height: float, image_pixels: tuple[int, int] | None = None) -> float:
    """Pixels per PDF point for OCR: :data:`OCR_DPI`, or a scanned image's own resolution when that is
    finer (a fax image placed on a 4-point page), never more than :data:`MAX_PIXELS` for the page."""
    scale = OCR_DPI / 72
    if image_pixels is not None:
        scale = max(scale, min(image_pixels[0] / max(width, 1e-3), image_pixels[1] / max(height, 1e-3)))
    return min(scale, (MAX_PIXELS / max(width * height, 1e-6)) ** 0.5)


def ocr_image(image: Image.Image, *, scale: float, lang: str = "eng", timeout: float = 180.0) -> OcrResult:
    """OCR one page image rendered at ``scale`` pixels per point; line boxes come back in PDF points.

    An upright page is read once. When that reading is poor (mean word confidence below
    :data:`RETRY_CONFIDENCE`), tesseract's orientation detection decides whether the page is turned by
    90/180/270° (scans fed sideways, or pages without a /Rotate entry); the image is turned upright and read
    again, and the better reading is kept. Raises :class:`OcrError` when tesseract fails or times out.
    """
    result = _recognise(image, scale, lang, timeout)
    if result.confidence is not None and result.confidence >= RETRY_CONFIDENCE:
        return result
    rotation = _orientation(image, scale, timeout)
    if not rotation:
        return result
    turned = _recognise(image.rotate(-rotation, expand=True), scale, lang, timeout)
    turned.rotation = rotation
    return turned if (turned.confidence or 0) > (result.confidence or 0) else result


def _tesseract(image: Image.Image, args: list[str], scale: float, timeout: float) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    dpi = str(max(70, round(scale * 72)))
    try:
        proc = subprocess.run(
            ["tesseract", "stdin", "stdout", "--dpi", dpi, *args],
            input=buffer.getvalue(),
            capture_output=True,
            env=env,
            timeout=timeout,
            check=True,
        )
    except subprocess.TimeoutExpired:
        raise OcrError(f"tesseract took longer than {timeout:.0f} s") from None
    except subprocess.CalledProcessError as exc:
        detail = exc.stderr.decode("utf-8", errors="replace").strip().splitlines()[-1:] or ["no message"]
        raise OcrError(f"tesseract failed ({detail[0]})") from None
    return proc.stdout.decode("utf-8", errors="replace")


def _recognise(image: Image.Image, scale: float, lang: str, timeout: float) -> OcrResult:
    tsv = _tesseract(image, ["-l", lang, "--psm", "3", "tsv"], scale, timeout)
    return _parse_tsv(tsv, image.height / scale, 1.0 / scale, image.width / scale)


def _orientation(image: Image.Image, scale: float, timeout: float) -> int:
    """Clockwise degrees that turn the page upright, per tesseract's orientation detection (0 if unsure)."""
    if "osd" not in installed_languages():
        return 0
    try:
        report = _tesseract(image, ["--psm", "0"], scale, timeout)
    except OcrError:
        return 0  # too little text to tell
    found = dict(re.findall(r"^([A-Za-z ]+):\s*([\d.]+)", report, flags=re.MULTILINE))
    if float(found.get("Orientation confidence", 0)) < MIN_ORIENTATION_CONFIDENCE:
        return 0
    return int(float(found.get("Rotate", 0))) % 360


def _parse_tsv(tsv: str, page_height: float, points_per_pixel: float, page_width: float) -> OcrResult:
    """Group tesseract's word rows into lines (block, paragraph, line) with boxes in points."""
    scale = points_per_pixel
    words: dict[tuple[str, str, str], list[dict[str, str]]] = {}
    confidences: list[float] = []
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        if row.get("level") != "5" or not (row.get("text") or "").strip():
            continue
        words.setdefault((row["block_num"], row["par_num"], row["line_num"]), []).append(row)
        if float(row["conf"]) >= 0:
            confidences.append(float(row["conf"]))
    lines = []
    for rows in words.values():
        left = min(int(r["left"]) for r in rows)
        top = min(int(r["top"]) for r in rows)
        right = max(int(r["left"]) + int(r["width"]) for r in rows)
        bottom = max(int(r["top"]) + int(r["height"]) for r in rows)
        text = " ".join(r["text"].strip() for r in rows)
        lines.append(
            Line(left * scale, page_height - bottom * scale, right * scale, page_height - top * scale, text)
        )
    confidence = round(sum(confidences) / len(confidences), 1) if confidences else None
    return OcrResult(attach_markers(lines), confidence, page_width, page_height)
