"""The robustness suite: every hard PDF of ../shared/robustness ends as its index says it should.

Each file goes through the real isolated extraction (worker process, time and memory limits). The
``expect`` sentence of each entry is mapped to an outcome class by :func:`expected_outcome`; the mapping is
printed by ``pytest -k robustness_outcome_classes -s`` for review.
"""

from __future__ import annotations

import json
import re

import pytest

from pipeline import ocr
from pipeline.errors import BlamineError
from pipeline.extract import ExtractOptions, unreadable_share
from pipeline.isolation import Limits, extract_isolated
from tests.conftest import SHARED

INDEX = SHARED / "robustness" / "index.jsonl"
LIMITS = Limits(timeout=180, max_memory_mb=2048)
OPTIONS = ExtractOptions(ocr_jobs=1, max_ocr_pages=2)
KNOWN_CODES = {"E_EMPTY", "E_NOT_PDF", "E_ENCRYPTED", "E_DAMAGED", "E_NO_PAGES", "E_NO_TEXT"}
OVERRIDES = {
    # The sentence only says pdfminer fails; neither PDFium, qpdf nor pdfminer recovers any text from it.
    "malformed__qpdf-bad-content-stream.pdf": "text_or_error",
    # "page-level error" in pdfminer; nothing readable is left in the stream.
    "malformed__qpdf-broken-lzw-stream.pdf": "text_or_error",
    # No field has a /V value (checked with qpdf) and the page renders as empty boxes: nothing to extract.
    "forms_annotations__pdfjs-textfields.pdf": "empty",
}


def entries() -> list[dict]:
    if not INDEX.is_file():
        return []
    return [json.loads(line) for line in INDEX.read_text(encoding="utf-8").splitlines() if line.strip()]


def expected_outcome(entry: dict) -> str:
    """``text``, ``ocr``, ``text_or_ocr``, ``empty``, ``error``, ``text_or_error`` or ``password``."""
    expect = entry["expect"].lower()
    if entry["file"] in OVERRIDES:
        return OVERRIDES[entry["file"]]
    if "password" in entry:
        return "password"
    if re.search(r"needs ocr|ocr must|rasterise\+ocr|then ocr|fall back \(ocr|needs per-page ocr", expect):
        return "ocr"
    if re.search(r"garbage text|detect garbage|unmapped|or flag|else flag|mojibake", expect):
        return "text_or_ocr"
    if re.search(
        r"recover|must terminate|within memory|partial text|per-page error|or report|or skip|report/skip",
        expect,
    ):
        return "text_or_error"
    if re.search(r"\b0 chars(,|$)|flag as empty|flagged 'no text'|no static page content", expect):
        return "empty"
    if re.search(
        r"report|not a valid pdf|flag as unreadable|flagged, not silently|- flag$|'no pages'", expect
    ):
        return "error"
    return "text"


def test_robustness_outcome_classes(shared):
    """Every entry maps to a class (printed with -s for review); the suite holds all 148 files."""
    rows = entries()
    assert len(rows) >= 148
    for entry in rows:
        print(f"{expected_outcome(entry):14} {entry['file'][:60]:60} {entry['expect'][:70]}")


@pytest.mark.parametrize("entry", entries(), ids=lambda e: e["file"][:70])
def test_robustness_file_ends_as_expected(shared, entry):
    path = shared / "robustness" / entry["file"]
    outcome = expected_outcome(entry)
    if outcome in ("ocr", "text_or_ocr") and not ocr.available():
        pytest.skip("tesseract not installed")
    if outcome == "password":
        with pytest.raises(BlamineError) as refused:
            extract_isolated(path, OPTIONS, LIMITS)
        assert refused.value.code == "E_ENCRYPTED"
        assert "\n" not in refused.value.one_line()
        doc = extract_isolated(path, ExtractOptions(password=entry["password"], max_ocr_pages=2), LIMITS)
        assert doc.text.strip(), "opened with the right password but gave nothing"
        return
    try:
        doc = extract_isolated(path, OPTIONS, LIMITS)
    except BlamineError as exc:
        line = exc.one_line()
        assert "\n" not in line and entry["file"] in line
        assert exc.code in KNOWN_CODES, line
        if outcome == "ocr":
            assert exc.code == "E_NO_TEXT" and "needed OCR" in line, line
        elif outcome == "empty":
            assert exc.code == "E_NO_TEXT", line
        else:
            assert outcome in ("error", "text_or_error"), f"unexpected error: {line}"
        return
    assert outcome not in ("error", "empty"), f"expected a clear error, got {len(doc.text)} characters"
    assert doc.text.strip(), doc.warnings
    assert unreadable_share(doc.text) <= 0.3, doc.text[:200]
