"""Per-file isolation: limits end in one-line errors, and results come back whole."""

from __future__ import annotations

import json

import pytest
from reportlab.pdfgen import canvas

from pipeline.errors import HINTS, BlamineError
from pipeline.extract import ExtractOptions, extract
from pipeline.ingest import file_options
from pipeline.isolation import Limits, extract_isolated
from tests.conftest import corpus_pdf


def test_isolated_extraction_returns_the_same_document_as_in_process():
    path = corpus_pdf("ma_be_main_doeuvre_1969")
    assert extract_isolated(path) == extract(path)


def test_time_limit_ends_in_a_timeout_error():
    path = corpus_pdf("lk_jo_recruitment_costs_2014")  # has a page to OCR: slow enough
    with pytest.raises(BlamineError) as stopped:
        extract_isolated(path, limits=Limits(timeout=0.05, max_memory_mb=None))
    assert stopped.value.code == "E_TIMEOUT"
    assert stopped.value.one_line().endswith(
        f"took longer than the limit of 0.05 s; {HINTS['E_TIMEOUT']} [E_TIMEOUT]"
    )


def test_memory_limit_ends_in_a_memory_or_crash_error_not_a_traceback():
    with pytest.raises(BlamineError) as stopped:
        extract_isolated(
            corpus_pdf("lk_jo_recruitment_costs_2014"), limits=Limits(timeout=60, max_memory_mb=1)
        )
    assert stopped.value.code in ("E_MEMORY", "E_CRASH")
    assert "\n" not in stopped.value.one_line()


def test_refusals_cross_the_process_boundary_with_their_code(tmp_path):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4 nothing else")
    with pytest.raises(BlamineError) as refused:
        extract_isolated(bad)
    assert refused.value.code == "E_DAMAGED" and refused.value.path == str(bad)


def test_sidecar_supplies_the_password_of_one_file(tmp_path):
    locked = tmp_path / "locked.pdf"
    pdf = canvas.Canvas(str(locked), encrypt="s3cret")
    pdf.drawString(72, 720, "Article 1 The Parties shall meet once a year.")
    pdf.save()
    with pytest.raises(BlamineError):
        extract_isolated(locked, file_options(locked))
    (tmp_path / "locked.pdf.blamine.json").write_text(json.dumps({"password": "s3cret"}), encoding="utf-8")
    options = file_options(locked, ExtractOptions(ocr_jobs=2))
    assert options.password == "s3cret" and options.ocr_jobs == 2
    assert "Article 1" in extract_isolated(locked, options).text


def test_bad_sidecar_is_a_clear_error(tmp_path):
    pdf = tmp_path / "a.pdf"
    (tmp_path / "a.pdf.blamine.json").write_text(json.dumps({"pasword": "x"}), encoding="utf-8")
    with pytest.raises(BlamineError, match="unknown sidecar settings"):
        file_options(pdf)


def test_parallel_ocr_in_the_worker_ends_with_it(tmp_path):
    """Pages OCRed by a process pool inside the isolated worker: the result comes back and no pool process
    outlives the worker (they would hold the caller's output pipe open)."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = (
        "import sys\n"
        "from pipeline.extract import ExtractOptions\n"
        "from pipeline.isolation import extract_isolated\n"
        "doc = extract_isolated(sys.argv[1], ExtractOptions(ocr_jobs=2, ocr_languages=('en',)))\n"
        "print(sum(p.method == 'ocr' for p in doc.pages))\n"
    )
    pdf = tmp_path / "two-scans.pdf"
    _two_scanned_pages(pdf)
    proc = subprocess.run(
        [sys.executable, "-c", code, str(pdf)], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "2"
    assert "leaked" not in proc.stderr


def _two_scanned_pages(path) -> None:
    """A PDF of two image-only pages, made from the bundled corpus's scanned page."""
    import pypdfium2 as pdfium

    source = pdfium.PdfDocument(str(corpus_pdf("lk_jo_recruitment_costs_2014")))
    out = pdfium.PdfDocument.new()
    out.import_pages(source, [1, 1])
    out.save(str(path))


def test_extraction_workers_do_not_rerun_the_main_script(tmp_path):
    """Regression: forkserver children re-imported ``__main__`` — for the ``blamine`` script, the whole
    CLI, about 2 s per file at ``--jobs 1``. A main script that counts its own runs must run once."""
    import subprocess
    import sys

    from tests.conftest import ROOT, corpus_pdf

    runs = tmp_path / "runs.txt"
    script = tmp_path / "main_script.py"
    script.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        f"open({str(runs)!r}, 'a').write('run\\n')\n"
        "if __name__ == '__main__':\n"
        "    from pipeline.isolation import extract_isolated\n"
        f"    for _ in range(2):\n"
        f"        extract_isolated({str(corpus_pdf('nl_tr_werving_1967'))!r})\n",
        encoding="utf-8",
    )
    subprocess.run([sys.executable, str(script)], check=True, timeout=300)
    assert runs.read_text().count("run") == 1
