"""The CLI through Typer's runner on the bundled PDFs, and once as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from pipeline import store as store_module
from pipeline.cli import app, main
from pipeline.errors import HINTS
from tests.conftest import CORPUS_PDFS, ROOT, corpus_index, corpus_pdf

runner = CliRunner()


def test_ingest_folder_stores_valid_json_and_prints_the_table(store):
    result = runner.invoke(app, ["ingest", str(CORPUS_PDFS), "--store", str(store)])
    assert result.exit_code == 0, result.output
    files = sorted((store / "documents").glob("*.json"))
    assert len(files) == len(corpus_index())
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        store_module.validate(data)
        assert data["model"]["version"]
        assert any(c["labels"] for c in data["clauses"])
        assert any(c["article"] for c in data["clauses"])
    assert f"{len(files)} stored, 0 failed" in result.output
    assert str((store / "documents").resolve()) in result.output


def test_ingested_metadata_matches_what_we_wrote(store):
    runner.invoke(app, ["ingest", str(CORPUS_PDFS), "--store", str(store)])
    docs = {d.source.filename: d for d in store_module.iter_documents(store)}
    for entry in corpus_index():
        meta = docs[entry["file"].replace(".txt", ".pdf")].metadata
        assert meta.language == entry["language"]
        assert meta.year == entry["year"]
        assert set(entry["countries"]) <= set(meta.countries)


def test_bad_file_fails_with_one_line_and_nonzero_exit_but_others_are_stored(store, tmp_path):
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"not a pdf at all")
    good = corpus_pdf("nl_tr_werving_1967")
    result = runner.invoke(app, ["ingest", str(bad), str(good), "--store", str(store)])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("ERROR")]
    assert errors == [f"ERROR {bad}: not a PDF (no %PDF header); {HINTS['E_NOT_PDF']} [E_NOT_PDF]"]
    assert "Traceback" not in result.output
    assert len(list((store / "documents").glob("*.json"))) == 1


def test_show_prints_clauses_labels_and_scorecard(store):
    runner.invoke(app, ["ingest", str(corpus_pdf("ph_kw_domestic_workers_2016")), "--store", str(store)])
    doc_id = next(store_module.iter_documents(store)).doc_id
    result = runner.invoke(app, ["show", doc_id[:8], "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert "art-5" in result.output and "scorecard:" in result.output and "domestic_workers" in result.output
    as_json = runner.invoke(app, ["show", doc_id, "--store", str(store), "--json"])
    store_module.validate(json.loads(as_json.output))


def test_show_unknown_document_is_one_line_error(store):
    result = runner.invoke(app, ["show", "deadbeef", "--store", str(store)])
    assert result.exit_code == 1
    assert result.output.startswith("ERROR ") and "no such document" in result.output


def test_extract_prints_text_or_json():
    pdf = corpus_pdf("de_pl_saisonarbeit_1993")
    text = runner.invoke(app, ["extract", str(pdf)])
    assert text.exit_code == 0 and "Artikel 1" in text.output
    as_json = runner.invoke(app, ["extract", str(pdf), "--format", "json"])
    data = json.loads(as_json.output)
    assert data["pages"][0]["method"] == "text" and data["text"].startswith(text.output.strip()[:40])


def test_every_command_has_help():
    for command in ([], ["ingest"], ["extract"], ["show"], ["train"]):
        result = runner.invoke(app, [*command, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output


def test_module_entry_point_runs_as_a_subprocess(tmp_path):
    pdf = corpus_pdf("bd_mv_joint_committee_2011")
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "ingest", str(pdf), "--store", str(tmp_path / "s")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "1 stored, 0 failed" in proc.stdout
    missing = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "ingest",
            str(tmp_path / "nothing.pdf"),
            "--store",
            str(tmp_path / "s"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert missing.returncode == 1
    assert missing.stderr.strip().splitlines() == [
        f"ERROR {tmp_path / 'nothing.pdf'}: no such file or folder; check the path [E_NOT_FOUND]"
    ]


def test_a_bug_is_one_line_with_what_to_do_and_the_traceback_only_with_verbose(monkeypatch, capsys, store):
    def broken(*args: object) -> None:
        raise RuntimeError("the clause tree is upside down")

    monkeypatch.setattr("pipeline.cli.store_module.load", broken)
    monkeypatch.delenv("BLAMINE_VERBOSE", raising=False)
    for argv, shows_traceback in (
        (["blamine", "show", "abc", "--store", str(store)], False),
        (["blamine", "--verbose", "show", "abc", "--store", str(store)], True),
    ):
        monkeypatch.setattr("sys.argv", argv)
        with pytest.raises(SystemExit) as stopped:
            main()
        assert stopped.value.code == 2
        lines = capsys.readouterr().err.strip().splitlines()
        assert lines[0] == (
            "ERROR show: internal error RuntimeError: the clause tree is upside down; "
            f"{HINTS['E_INTERNAL']} [E_INTERNAL]"
        )
        assert ("Traceback (most recent call last):" in lines) is shows_traceback
        assert (len(lines) == 1) is not shows_traceback


def test_version_names_the_package_and_the_default_model_without_a_command():
    from importlib.metadata import version

    from pipeline.classify import read_manifest, resolve_model_dir

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    shipped = read_manifest(resolve_model_dir(None))["version"]
    assert result.output.startswith(f"blamine {version('blamine')}, model {shipped} (")
