"""``blamine doctor``'s checks on a store the real ingest command built from two bundled PDFs, on a copy of
the shipped model, and on the PATH the doctor runs with (fake tesseract and chromium programs stand in
for other installations)."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import stat
import tomllib
from contextlib import closing
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline import doctor
from pipeline import store as store_module
from pipeline.classify import resolve_model_dir
from pipeline.cli import app as cli_app
from pipeline.doctor import Check, check_chromium, check_model, check_store, check_tesseract, run_checks
from pipeline.index import connect, index_path, remove_document
from pipeline.ocr import TESSERACT_LANGS
from tests.conftest import ROOT, corpus_pdf

runner = CliRunner()


@pytest.fixture(scope="module")
def healthy_store(tmp_path_factory) -> Path:
    """Two bundled agreements ingested by the real command with the shipped model."""
    store = tmp_path_factory.mktemp("doctor") / "store"
    pdfs = [str(corpus_pdf("de_pl_saisonarbeit_1993")), str(corpus_pdf("nl_tr_werving_1967"))]
    result = runner.invoke(cli_app, ["ingest", *pdfs, "--store", str(store), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    return store


@pytest.fixture
def store_copy(healthy_store, tmp_path) -> Path:
    """A copy of the healthy store that a test may damage."""
    return Path(shutil.copytree(healthy_store, tmp_path / "store"))


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


def doc_ids(store: Path) -> list[str]:
    return sorted(path.stem for path in store_module.documents_dir(store).glob("*.json"))


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` with its size and modification time."""
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


def fake_program(folder: Path, name: str, script: str) -> None:
    """A shell script standing in for a system program on a PATH made of ``folder`` alone."""
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


# --- the healthy case ---------------------------------------------------------------------------------


def test_a_healthy_install_and_store_pass_and_the_store_is_left_untouched(healthy_store):
    if shutil.which("tesseract") is None:
        pytest.skip("tesseract is not installed (scripts/install-system-deps.sh): not a healthy install")
    before = snapshot(healthy_store)
    checks = run_checks(healthy_store, None)
    assert [c for c in checks if c.status == "fail"] == []
    assert doctor.exit_code(checks) == 0
    found = by_name(checks)
    store_checks = [c for c in checks if c.name.startswith("store")]
    assert len(store_checks) == 5 and all(c.status == "ok" for c in store_checks), store_checks
    assert found["store documents"].detail == "2 documents valid"
    assert found["model files"].status == "ok" and found["model load"].status == "ok"
    assert re.search(r"^OK   tesseract +\d+\.\d+.*\beng\b", doctor.render(checks), flags=re.MULTILINE)
    assert json.loads(doctor.render_json(checks))["ok"] is True
    assert snapshot(healthy_store) == before


# --- the model ----------------------------------------------------------------------------------------


def test_a_tampered_model_file_fails_with_a_fix_and_is_not_loaded(tmp_path):
    version_dir = Path(shutil.copytree(resolve_model_dir(), tmp_path / "model"))
    model_file = version_dir / "model.skops"
    data = bytearray(model_file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model_file.write_bytes(bytes(data))

    checks = run_checks(None, version_dir)
    found = by_name(checks)
    assert found["model files"].status == "fail"
    assert "SHA-256" in found["model files"].detail
    assert "blamine train --out DIR" in (found["model files"].fix or "")
    assert "model load" not in found
    assert doctor.exit_code(checks) == 1
    line = next(line for line in doctor.render(checks).splitlines() if line.startswith("FAIL"))
    assert line.startswith("FAIL model files") and " → fix: " in line


def test_a_models_folder_without_a_current_version_fails(tmp_path):
    (check,) = check_model(tmp_path)
    assert check.name == "model" and check.status == "fail" and "current" in check.detail


# --- the store ----------------------------------------------------------------------------------------


def test_corrupt_and_invalid_document_json_are_named(store_copy):
    truncated, invalid = (store_module.document_path(store_copy, d) for d in doc_ids(store_copy))
    truncated.write_text(truncated.read_text(encoding="utf-8")[:100], encoding="utf-8")
    data = json.loads(invalid.read_text(encoding="utf-8"))
    del data["clauses"]
    invalid.write_text(json.dumps(data), encoding="utf-8")

    documents = by_name(check_store(store_copy))["store documents"]
    assert documents.status == "fail"
    assert documents.detail.startswith("2 of 2 unreadable or invalid")
    assert truncated.name in documents.detail and invalid.name in documents.detail
    assert "clauses" in documents.detail
    assert "blamine ingest" in (documents.fix or "")


def test_an_index_missing_a_document_fails_until_the_named_reindex_runs(store_copy):
    dropped = doc_ids(store_copy)[0]
    with closing(connect(index_path(store_copy))) as conn:
        remove_document(conn, dropped)

    index = by_name(check_store(store_copy))["store index"]
    assert index.status == "fail"
    assert f"1 documents not in the index ({dropped})" in index.detail
    assert index.fix == f"`blamine reindex --store {store_copy}`"

    result = runner.invoke(cli_app, ["reindex", "--store", str(store_copy)])
    assert result.exit_code == 0, result.output
    assert by_name(check_store(store_copy))["store index"].status == "ok"


def test_an_index_row_whose_document_is_gone_is_an_orphan(store_copy):
    gone = doc_ids(store_copy)[0]
    store_module.document_path(store_copy, gone).unlink()
    index = by_name(check_store(store_copy))["store index"]
    assert index.status == "fail"
    assert f"1 index rows without a valid document ({gone})" in index.detail
    assert "blamine reindex" in (index.fix or "")


def test_an_index_from_a_newer_blamine_fails(store_copy):
    with closing(sqlite3.connect(index_path(store_copy))) as conn:
        conn.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
        conn.commit()
    index = by_name(check_store(store_copy))["store index"]
    assert index.status == "fail" and "newer" in index.detail and "upgrade blamine" in (index.fix or "")


def test_stale_temporary_files_and_missing_pdf_copies_are_warnings_and_nothing_is_deleted(store_copy):
    first = doc_ids(store_copy)[0]
    leftover = store_module.documents_dir(store_copy) / f".{first}.json.abc123.tmp"
    leftover.write_text("{", encoding="utf-8")
    store_module.pdf_path(store_copy, first).unlink()

    checks = check_store(store_copy)
    found = by_name(checks)
    assert found["store temporary files"].status == "warn"
    assert leftover.name in found["store temporary files"].detail
    assert found["store PDF copies"].status == "warn" and first in found["store PDF copies"].detail
    assert leftover.is_file()
    assert doctor.exit_code(checks) == 0


def test_failed_files_in_the_journal_are_a_warning_pointing_at_failures_csv(store_copy):
    not_a_pdf = store_copy.parent / "broken.pdf"
    not_a_pdf.write_text("not a PDF", encoding="utf-8")
    result = runner.invoke(cli_app, ["ingest", str(not_a_pdf), "--store", str(store_copy), "--jobs", "1"])
    assert result.exit_code != 0
    journal = by_name(check_store(store_copy))["store journal"]
    assert journal.status == "warn" and journal.detail.endswith("1 failed")
    assert "failures.csv" in (journal.fix or "") and "--retry-failed" in (journal.fix or "")


def test_a_folder_without_documents_is_not_a_store(tmp_path):
    (check,) = check_store(tmp_path)
    assert check.status == "fail" and "not a store" in check.detail


# --- system programs ----------------------------------------------------------------------------------


def test_a_missing_tesseract_fails_with_the_install_fix(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    (check,) = check_tesseract()
    assert check.status == "fail" and "not found" in check.detail
    assert check.fix == "run `bash scripts/install-system-deps.sh`"


def test_a_missing_ocr_language_is_a_warning_naming_its_package(monkeypatch, tmp_path):
    fake_program(
        tmp_path / "bin",
        "tesseract",
        'case "$1" in\n'
        '  --version) echo "tesseract 5.3.0" ;;\n'
        "  --list-langs) printf 'List of available languages in \"/x/\" (2):\\neng\\nosd\\n' ;;\n"
        "esac\n",
    )
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    tesseract, languages = check_tesseract()
    assert (tesseract.status, tesseract.detail) == ("ok", "5.3.0 (eng, osd)")
    assert languages.status == "warn"
    wanted = sorted(set(TESSERACT_LANGS.values()) - {"eng"})
    assert "fra" in wanted and "ara" in wanted
    assert languages.fix == f"`sudo apt-get install {' '.join(f'tesseract-ocr-{lang}' for lang in wanted)}`"
    assert doctor.exit_code([tesseract, languages]) == 0


@pytest.mark.parametrize(("driver_version", "status"), [("120.0.6099.1", "ok"), ("119.0.6045.2", "warn")])
def test_chromedriver_must_have_the_major_version_of_chromium(monkeypatch, tmp_path, driver_version, status):
    fake_program(tmp_path / "bin", "chromium", 'echo "Chromium 120.0.6099.5 built on Debian"\n')
    fake_program(tmp_path / "bin", "chromedriver", f'echo "ChromeDriver {driver_version} (abc)"\n')
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    (check,) = check_chromium()
    assert check.status == status


def test_missing_chromium_is_only_a_warning(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    (check,) = check_chromium()
    assert check.status == "warn" and "web tests" in check.detail


# --- output and bookkeeping ---------------------------------------------------------------------------


def test_warnings_do_not_fail_and_both_forms_carry_every_check():
    checks = [Check("a", "ok", "fine"), Check("longer name", "warn", "degraded", "do this")]
    assert doctor.exit_code(checks) == 0
    text = doctor.render(checks).splitlines()
    assert text[:2] == ["OK   a            fine", "WARN longer name  degraded → fix: do this"]
    failing = [*checks, Check("b", "fail", "broken", "run that")]
    assert doctor.exit_code(failing) == 1
    data = json.loads(doctor.render_json(failing))
    assert data["ok"] is False
    assert data["checks"][2] == {"name": "b", "status": "fail", "detail": "broken", "fix": "run that"}


def test_the_doctor_checks_what_pyproject_declares():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {re.split(r"[<>=\[ ]", spec)[0].lower() for spec in project["dependencies"]}
    assert declared == {distribution for _, distribution in doctor.REQUIRED_PACKAGES}
    installs = " ".join(install for *_, install in doctor.OPTIONAL_PACKAGES)
    for extra in project["optional-dependencies"]:
        if extra != "dev":
            assert f"blamine[{extra}]" in installs
    assert project["requires-python"] == ">=" + ".".join(map(str, doctor.MIN_PYTHON))
