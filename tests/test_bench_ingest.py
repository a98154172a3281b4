"""bench/bench_ingest.py end to end on a tiny corpus: it runs, prints its tables and one JSON line last.

The figures of so small a run mean nothing (process start and model loading dominate); this only checks
that the benchmark works, so that it still does when someone runs it at full size. Each of its five
``blamine ingest`` runs is a fresh process that imports the pipeline and loads the model (~10 s), so the
test takes a minute or more, not seconds.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

EXPECTED_KEYS = {
    "docs",
    "corpus_pages",
    "born_digital",
    "scans",
    "damaged",
    "generation_seconds",
    "baseline",
    "born_digital_jobs1",
    "born_digital_all_jobs2",
    "vs_pdfplumber_jobs2",
    "jobs1",
    "jobs2",
    "rerun",
    "subset",
    "reclassify",
    "speedup",
    "vs_pdfplumber",
    "rss_growth",
    "rerun_percent",
    "targets",
}


def test_bench_ingest_tiny_run(tmp_path: Path) -> None:
    command = [
        sys.executable,
        str(ROOT / "bench" / "bench_ingest.py"),
        "--docs",
        "4",
        "--min-pages",
        "1",
        "--max-pages",
        "2",
        "--baseline-docs",
        "1",
        "--subset-docs",
        "4",
        "--corpus",
        str(tmp_path / "corpus"),
        "--work",
        str(tmp_path / "work"),
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for heading in (
        "blamine --jobs 1 on one core, all",
        "blamine --jobs 2, all",
        "no-change re-run",
        "peak RSS",
        "target",
    ):
        assert heading in out
    result = json.loads(out.strip().splitlines()[-1])
    assert EXPECTED_KEYS <= set(result)
    assert result["docs"] == 4 and result["scans"] == 1 and result["damaged"] == 1
    assert result["jobs2"]["error"] is None and result["jobs2"]["stored"] >= 2
    assert result["rerun"]["stored"] == 0  # nothing changed, nothing redone
    assert result["speedup"] is not None and result["rerun_percent"] is not None
    assert result["vs_pdfplumber"] is not None and result["vs_pdfplumber_jobs2"] is not None
    assert result["jobs2"]["peak_rss_mb"]["driver"] > 0
    assert (tmp_path / "corpus" / "corpus.json").is_file()
