"""Bulk ingest: parallel, incremental, resumable, with failures journaled; on the bundled PDFs and damaged
files made here. Every run names the model version folder, so a model retrained meanwhile cannot make two
runs differ."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.classify import resolve_model_dir
from pipeline.cli import app
from pipeline.errors import E_LOCKED, BlamineError
from pipeline.ingest import _store_lock, ingest
from pipeline.manifest import FAILURES_FILE, MANIFEST_FILE
from tests.conftest import CORPUS_PDFS, ROOT, corpus_pdf
from tests.test_extract import _encrypted_pdf

runner = CliRunner()
MODEL_DIR = str(resolve_model_dir())
SMALL = ("nl_tr_werving_1967", "ma_be_main_doeuvre_1969")


def run_ingest(*args: str | Path) -> tuple[int, dict]:
    """``blamine ingest ARGS --json`` in this process: exit code and the JSON summary."""
    result = runner.invoke(app, ["ingest", *map(str, args), "--models", MODEL_DIR, "--json"])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, json.loads(result.stdout)


def manifest_rows(store: Path) -> dict[str, dict]:
    with contextlib.closing(sqlite3.connect(store / MANIFEST_FILE)) as conn:
        conn.row_factory = sqlite3.Row
        return {row["path"]: dict(row) for row in conn.execute("SELECT * FROM files")}


def snapshot(store: Path) -> dict:
    """What must be equal between two runs: the JSON documents and PDF copies, index row counts, the
    journal and failures.csv without their timestamps and timings."""
    with contextlib.closing(sqlite3.connect(store / "index.sqlite")) as conn:
        tables = ("documents", "document_countries", "clauses", "clause_labels", "clauses_fts")
        counts = {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in tables}
    with open(store / FAILURES_FILE, encoding="utf-8") as handle:
        failures = [{k: v for k, v in row.items() if k != "recorded_at"} for row in csv.DictReader(handle)]
    volatile = {"seconds", "recorded_at"}
    return {
        "documents": {p.name: p.read_text(encoding="utf-8") for p in (store / "documents").iterdir()},
        "pdfs": sorted(p.name for p in (store / "pdfs").iterdir()),
        "index": counts,
        "manifest": {
            path: {k: v for k, v in row.items() if k not in volatile}
            for path, row in manifest_rows(store).items()
        },
        "failures": failures,
    }


def copy_pdfs(folder: Path, stems: tuple[str, ...]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for stem in stems:
        shutil.copy(corpus_pdf(stem), folder / f"{stem}.pdf")
    return folder


def add_damaged_pdfs(folder: Path) -> dict[str, str]:
    """Damaged files beside good ones, with the code each must fail with."""
    original = corpus_pdf("de_pl_saisonarbeit_1993").read_bytes()
    (folder / "random.pdf").write_bytes(random.Random(0).randbytes(4000))
    (folder / "truncated.pdf").write_bytes(original[: len(original) // 3])
    (folder / "garbled.pdf").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 20)
    _encrypted_pdf(folder / "locked.pdf")
    return {
        "random.pdf": "E_NOT_PDF",
        "truncated.pdf": "E_NO_TEXT",
        "garbled.pdf": "E_DAMAGED",
        "locked.pdf": "E_ENCRYPTED",
    }


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    """The bundled PDFs and one damaged file, in a folder of their own."""
    folder = copy_pdfs(
        tmp_path_factory.mktemp("batch"), tuple(p.stem for p in sorted(CORPUS_PDFS.glob("*.pdf")))
    )
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 20)
    return folder


@pytest.fixture(scope="module")
def reference(batch, tmp_path_factory) -> dict:
    """The batch ingested sequentially, uninterrupted: the store every other run must reproduce."""
    store = tmp_path_factory.mktemp("reference") / "store"
    code, summary = run_ingest(batch, "--store", store, "--jobs", "1")
    assert code == 1 and (summary["stored"], summary["failed"]) == (7, 1), summary
    return snapshot(store)


def test_two_workers_build_the_same_store_as_one(batch, reference, tmp_path):
    code, summary = run_ingest(batch, "--store", tmp_path / "store", "--jobs", "2")
    assert code == 1 and (summary["stored"], summary["failed"]) == (7, 1), summary
    assert snapshot(tmp_path / "store") == reference


def test_dask_cluster_of_worker_processes_builds_the_same_store_as_one_worker(batch, reference, tmp_path):
    """A real scheduler and two worker processes, reached by address as a remote cluster would be."""
    pytest.importorskip("distributed")
    import dask
    from dask.distributed import LocalCluster

    with (
        dask.config.set({"distributed.worker.daemon": False}),  # as the README tells cluster workers
        LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster,
    ):
        # --jobs 0: as many as the cluster has worker threads
        args = ("--backend", "dask", "--scheduler", cluster.scheduler_address, "--jobs", "0")
        code, summary = run_ingest(batch, "--store", tmp_path / "store", *args)
    assert code == 1 and (summary["stored"], summary["failed"]) == (7, 1), summary
    assert snapshot(tmp_path / "store") == reference


def test_ray_workers_build_the_same_store_as_one_worker(batch, reference, tmp_path):
    """A local Ray instance started for the run; joblib's Ray backend cannot stream results, so they come
    back in chunks (pipeline.ingest._outcomes)."""
    pytest.importorskip("ray")
    code, summary = run_ingest(batch, "--store", tmp_path / "store", "--backend", "ray", "--jobs", "2")
    assert code == 1 and (summary["stored"], summary["failed"]) == (7, 1), summary
    assert snapshot(tmp_path / "store") == reference


def test_ingest_killed_with_sigkill_at_random_moments_resumes_to_the_same_store(batch, reference, tmp_path):
    """Several SIGKILLs, each after a random number of journaled files plus a random delay (so they land
    in different stages: extracting, writing JSON, updating the index, journaling), a resume after each,
    and the finished store equals the uninterrupted one."""
    store = tmp_path / "store"
    rng = random.Random(20261123)
    kills = 0
    for target in sorted(rng.sample(range(7), 3)):
        if _kill_ingest_after(batch, store, target, delay=rng.uniform(0, 0.4)):
            kills += 1
    assert kills >= 2, "the kills must land in the middle of the batch"
    journaled = _journaled(store)
    code, summary = run_ingest(batch, "--store", store, "--jobs", "2")
    assert (
        code == 1
        and summary["skipped"] == journaled
        and summary["stored"] + summary["failed"] == 8 - journaled
    )
    assert snapshot(store) == reference
    assert not list(store.rglob("*.tmp")), "no half-written file is left behind"


def _kill_ingest_after(batch: Path, store: Path, journaled: int, delay: float) -> bool:
    """Run ``blamine ingest`` in a process of its own and SIGKILL it ``delay`` seconds after more than
    ``journaled`` files are journaled; whether it was killed before it finished."""
    command = [sys.executable, "-m", "pipeline", "ingest", str(batch), "--store", str(store)]
    proc = subprocess.Popen(
        [*command, "--models", MODEL_DIR, "--jobs", "2", "--quiet"],
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 240
        while _journaled(store) <= journaled and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(delay)
        killed = proc.poll() is None
        if killed:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:  # the driver is dead; end the workers it left behind in its session
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    return killed


def test_files_half_written_by_a_killed_run_are_removed_by_the_next(tmp_path):
    folder = copy_pdfs(tmp_path / "pdfs", SMALL[:1])
    store = tmp_path / "store"
    run_ingest(folder, "--store", store)
    stale = [store / "documents" / ".abc.json.k3j9.tmp", store / "pdfs" / ".abc.pdf.x1.tmp"]
    for path in stale:
        path.write_bytes(b"half")
    run_ingest(folder, "--store", store)
    assert not any(path.exists() for path in stale)


def _journaled(store: Path) -> int:
    """Files in the manifest of a running ingest (0 before it has one)."""
    try:
        return len(manifest_rows(store))
    except sqlite3.OperationalError:
        return 0


def test_second_run_skips_every_file_and_rewrites_nothing(tmp_path):
    folder = copy_pdfs(tmp_path / "pdfs", SMALL)
    store = tmp_path / "store"
    assert run_ingest(folder, "--store", store)[1]["stored"] == 2
    written = {p: p.stat().st_mtime_ns for p in (store / "documents").iterdir()}
    rows = manifest_rows(store)
    code, summary = run_ingest(folder, "--store", store)
    assert code == 0 and (summary["stored"], summary["unchanged"], summary["skipped"]) == (0, 2, 2)
    assert {p: p.stat().st_mtime_ns for p in (store / "documents").iterdir()} == written
    assert manifest_rows(store) == rows


def indexed_documents(store: Path) -> set[str]:
    with contextlib.closing(sqlite3.connect(store / "index.sqlite")) as conn:
        return {row[0] for row in conn.execute("SELECT doc_id FROM documents")} | {
            row[0] for row in conn.execute("SELECT DISTINCT doc_id FROM clauses")
        }


def stored_documents(store: Path) -> set[str]:
    return {p.stem for p in (store / "documents").glob("*.json")}


def test_changed_file_is_redone_and_the_rest_skipped(tmp_path):
    folder = copy_pdfs(tmp_path / "pdfs", SMALL)
    store = tmp_path / "store"
    run_ingest(folder, "--store", store)
    changed = folder / f"{SMALL[0]}.pdf"
    old = manifest_rows(store)[str(changed.resolve())]["doc_id"]
    shutil.copy(corpus_pdf("bd_mv_joint_committee_2011"), changed)
    code, summary = run_ingest(folder, "--store", store)
    assert code == 0 and (summary["stored"], summary["unchanged"]) == (1, 1)
    row = manifest_rows(store)[str(changed.resolve())]
    assert row["state"] == "done" and (store / "documents" / f"{row['doc_id']}.json").is_file()
    assert json.loads((store / "documents" / f"{row['doc_id']}.json").read_text())["source"]["path"] == str(
        changed.resolve()
    )
    assert old not in stored_documents(store) and not (store / "pdfs" / f"{old}.pdf").exists()
    assert (
        stored_documents(store)
        == indexed_documents(store)
        == {r["doc_id"] for r in manifest_rows(store).values()}
    )


def test_a_changed_file_that_now_fails_keeps_its_earlier_document_until_it_is_stored_again(tmp_path):
    folder = copy_pdfs(tmp_path / "pdfs", SMALL[:1])
    store = tmp_path / "store"
    run_ingest(folder, "--store", store)
    pdf = folder / f"{SMALL[0]}.pdf"
    first = manifest_rows(store)[str(pdf.resolve())]["doc_id"]
    pdf.write_bytes(b"%PDF-1.4 truncated by a bad copy")
    code, summary = run_ingest(folder, "--store", store)
    assert code == 1 and summary["failed"] == 1
    row = manifest_rows(store)[str(pdf.resolve())]
    assert row["state"] == "failed" and row["doc_id"] == first
    assert stored_documents(store) == indexed_documents(store) == {first}
    shutil.copy(corpus_pdf("bd_mv_joint_committee_2011"), pdf)
    code, summary = run_ingest(folder, "--store", store)
    assert code == 0 and summary["stored"] == 1
    fixed = manifest_rows(store)[str(pdf.resolve())]["doc_id"]
    assert fixed != first and stored_documents(store) == indexed_documents(store) == {fixed}


def test_a_changed_file_leaves_the_document_another_file_still_holds(tmp_path):
    folder = copy_pdfs(tmp_path / "pdfs", SMALL[:1])
    original, copy = folder / f"{SMALL[0]}.pdf", folder / "zz-copy.pdf"
    shutil.copy(original, copy)
    store = tmp_path / "store"
    run_ingest(folder, "--store", store)
    shared = manifest_rows(store)[str(copy.resolve())]["doc_id"]
    shutil.copy(corpus_pdf("bd_mv_joint_committee_2011"), original)
    code, summary = run_ingest(folder, "--store", store)
    assert code == 0 and (summary["stored"], summary["duplicate"]) == (1, 1)
    rows = manifest_rows(store)
    assert rows[str(copy.resolve())]["doc_id"] == shared
    assert (
        stored_documents(store)
        == indexed_documents(store)
        == {shared, rows[str(original.resolve())]["doc_id"]}
    )


def retrained_model(folder: Path) -> Path:
    """The shipped model under another version, as a retrained model would come: a store made with the
    shipped one is out of date for it."""
    shutil.copytree(MODEL_DIR, folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    (folder / "manifest.json").write_text(json.dumps({**manifest, "version": "retrained"}), encoding="utf-8")
    return folder


def test_new_model_version_relabels_the_stored_documents_without_extracting_them(tmp_path):
    retrained = retrained_model(tmp_path / "model")
    folder = copy_pdfs(tmp_path / "pdfs", SMALL[:1])
    store = tmp_path / "store"
    run_ingest(folder, "--store", store)
    result = runner.invoke(
        app, ["ingest", str(folder), "--store", str(store), "--models", str(retrained), "--json"]
    )
    summary = json.loads(result.stdout)
    assert (summary["stored"], summary["reclassified"]) == (0, 1), summary
    assert next(iter(manifest_rows(store).values()))["model_version"] == "retrained"


def test_reclassify_relabels_the_store_without_its_pdfs_as_a_full_ingest_would(tmp_path):
    """``--reclassify`` after a model change: the stored clauses are classified and scored again (their
    labels, wiped here, come back), the PDFs are not needed, duplicates follow their document, and the
    store equals a fresh full ingest with the new model."""
    retrained = retrained_model(tmp_path / "model")
    folder = copy_pdfs(tmp_path / "pdfs", SMALL)
    shutil.copy(folder / f"{SMALL[0]}.pdf", folder / "copy.pdf")
    store, fresh = tmp_path / "store", tmp_path / "fresh"
    run_ingest(folder, "--store", store)
    runner.invoke(app, ["ingest", str(folder), "--store", str(fresh), "--models", str(retrained)])
    for path in (store / "documents").iterdir():
        data = json.loads(path.read_text(encoding="utf-8"))
        for clause in data["clauses"]:
            clause["labels"], clause["strength"], clause["strength_cue"] = [], None, None
        data["scorecard"] = []
        path.write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")
    shutil.rmtree(folder)

    args = ["ingest", "--store", str(store), "--reclassify", "--models", str(retrained), "--json"]
    summary = json.loads(runner.invoke(app, args).stdout)
    assert (summary["reclassified"], summary["duplicate"], summary["stored"]) == (2, 1, 0), summary
    assert snapshot(store) == snapshot(fresh)
    again = json.loads(runner.invoke(app, args).stdout)
    assert (again["reclassified"], again["unchanged"], again["duplicate"]) == (0, 2, 1), again


def test_reclassify_leaves_documents_of_an_older_pipeline_and_says_so(tmp_path):
    folder = copy_pdfs(tmp_path / "pdfs", SMALL[:1])
    store = tmp_path / "store"
    run_ingest(folder, "--store", store)
    with contextlib.closing(sqlite3.connect(store / MANIFEST_FILE)) as conn, conn:
        conn.execute("UPDATE files SET pipeline_version = '0+schema-0'")
    before = snapshot(store)
    result = runner.invoke(
        app,
        ["ingest", "--store", str(store), "--reclassify", "--models", str(retrained_model(tmp_path / "m"))],
    )
    assert result.exit_code == 0, result.output
    assert "1 stored documents come from an older blamine pipeline" in result.stderr
    assert snapshot(store) == before


def test_reclassify_with_retry_failed_is_refused(tmp_path):
    result = runner.invoke(app, ["ingest", "--store", str(tmp_path), "--reclassify", "--retry-failed"])
    assert result.exit_code == 2 and "do not go together" in result.stderr


def test_same_bytes_under_two_names_are_stored_once_with_both_paths(tmp_path):
    folder = copy_pdfs(tmp_path / "pdfs", SMALL[:1])
    first, second = folder / f"{SMALL[0]}.pdf", folder / "copy-of-werving.pdf"
    shutil.copy(first, second)
    store = tmp_path / "store"
    code, summary = run_ingest(folder, "--store", store)
    assert code == 0 and (summary["stored"], summary["duplicate"]) == (1, 1)
    assert len(list((store / "documents").iterdir())) == 1
    rows = manifest_rows(store)
    kept, copy = sorted([str(first.resolve()), str(second.resolve())])
    assert rows[kept]["state"] == "done" and rows[copy]["state"] == "skipped"
    assert rows[copy]["duplicate_of"] == kept and rows[copy]["doc_id"] == rows[kept]["doc_id"]
    third = tmp_path / "later" / "third.pdf"
    third.parent.mkdir()
    shutil.copy(first, third)
    code, summary = run_ingest(third, "--store", store)
    assert (summary["stored"], summary["duplicate"]) == (0, 1)
    assert manifest_rows(store)[str(third.resolve())]["duplicate_of"] == kept


def test_bad_pdfs_are_journaled_and_listed_while_the_rest_are_stored(tmp_path):
    folder = copy_pdfs(tmp_path / "pdfs", SMALL[:1])
    expected = add_damaged_pdfs(folder)
    store = tmp_path / "store"
    result = runner.invoke(app, ["ingest", str(folder), "--store", str(store), "--models", MODEL_DIR])
    assert result.exit_code == 1
    assert "1 stored, 4 failed, 0 skipped" in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("ERROR")]
    assert sorted(Path(line.split(": ")[0].removeprefix("ERROR ")).name for line in errors) == sorted(
        expected
    )
    rows = manifest_rows(store)
    failed = {Path(path).name: row["code"] for path, row in rows.items() if row["state"] == "failed"}
    assert failed == expected
    with open(store / FAILURES_FILE, encoding="utf-8") as handle:
        listed = {Path(row["path"]).name: row["code"] for row in csv.DictReader(handle)}
    assert listed == expected
    assert all(
        rows[str((folder / name).resolve())]["message"].endswith(f"[{code}]")
        for name, code in expected.items()
    )


def test_retry_failed_reruns_only_the_failed_files(tmp_path):
    folder = copy_pdfs(tmp_path / "pdfs", SMALL[:1])
    add_damaged_pdfs(folder)
    store = tmp_path / "store"
    run_ingest(folder, "--store", store)
    (folder / "locked.pdf.blamine.json").write_text('{"password": "secret"}', encoding="utf-8")
    stored = {p: p.stat().st_mtime_ns for p in (store / "documents").iterdir()}
    plain = run_ingest(folder, "--store", store)
    assert plain[0] == 1 and (plain[1]["failed_before"], plain[1]["unchanged"]) == (4, 1)
    code, summary = run_ingest("--retry-failed", "--store", store)
    assert code == 1 and (summary["files"], summary["stored"], summary["failed"]) == (4, 1, 3)
    assert all(p.stat().st_mtime_ns == mtime for p, mtime in stored.items()), "the good file was not redone"
    assert manifest_rows(store)[str((folder / "locked.pdf").resolve())]["state"] == "done"
    with open(store / FAILURES_FILE, encoding="utf-8") as handle:
        assert sorted(Path(row["path"]).name for row in csv.DictReader(handle)) == [
            "garbled.pdf",
            "random.pdf",
            "truncated.pdf",
        ]


def test_second_ingest_into_a_store_being_written_is_refused_with_one_line(tmp_path):
    store = tmp_path / "store"
    with _store_lock(store), pytest.raises(BlamineError) as refused:
        ingest([corpus_pdf(SMALL[0])], store)
    assert refused.value.code == E_LOCKED and "another blamine ingest" in refused.value.one_line()


def test_unknown_backend_is_a_one_line_error(tmp_path):
    result = runner.invoke(
        app, ["ingest", str(corpus_pdf(SMALL[0])), "--store", str(tmp_path), "--backend", "spark"]
    )
    assert result.exit_code == 1
    assert result.output.startswith("ERROR --backend spark: unknown backend")
    assert result.output.strip().endswith("[E_BACKEND]") and len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize("stream", [True, False])
def test_a_slow_driver_never_holds_more_than_a_chunk_of_finished_documents(stream):
    """Regression: joblib dispatches on completion, so with one long call the finished documents piled up
    in the driver whenever it wrote more slowly than the workers worked (721 MB in --reclassify)."""
    from joblib import delayed, parallel_config

    from pipeline.ingest import CHUNK_PER_JOB, _outcomes

    done: list[int] = []

    def work(number: int) -> int:
        done.append(number)
        return number

    n_jobs, total, most_ahead = 2, 5 * CHUNK_PER_JOB * 2, 0
    with parallel_config(backend="threading"):
        for consumed, _ in enumerate(_outcomes((delayed(work)(n) for n in range(total)), n_jobs, stream), 1):
            time.sleep(0.005)  # the driver writing the store
            most_ahead = max(most_ahead, len(done) - consumed)
    assert len(done) == total
    assert most_ahead < CHUNK_PER_JOB * n_jobs


def test_each_chunk_of_jobs_starts_with_its_largest_files():
    """A chunk ends when its slowest file does: largest first, so workers do not idle behind a big file
    started last. Every job is kept, and chunks keep their members (the order across chunks is the plan's)."""
    from pipeline.extract import ExtractOptions
    from pipeline.ingest import Job, largest_first_in_chunks

    sizes = [5, 40, 7, 12, 30, 1, 9]
    jobs = [Job(f"/{n}.pdf", None, size, "s", ExtractOptions()) for n, size in enumerate(sizes)]
    ordered = [job.size for job in largest_first_in_chunks(jobs, 3)]
    assert ordered == [40, 7, 5, 30, 12, 1, 9]
