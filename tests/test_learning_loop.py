"""The retraining loop through the CLI, on our own data: export tasks, annotators' edits, import, train,
compare, promote, reclassify, and the changed labels found by search; plus the registry's rules."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.compare import Comparison, Delta
from pipeline.errors import BlamineError
from pipeline.registry import current_version, history, promote, rollback, set_current
from tests.conftest import ROOT, corpus_pdf

runner = CliRunner()
TAUGHT = "remittances_savings_transfer"
"""The label the simulated annotators put on clauses about wages: a lesson the base model cannot know."""
WAGE_WORDS = ("wage", "salaire", "loon", "lonen", "rémunération")


def blamine(*args: str | Path) -> str:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def loop(tmp_path_factory) -> dict[str, Path]:
    """A store of two bundled agreements ingested with a base model trained on a slice of our annotations."""
    root = tmp_path_factory.mktemp("loop")
    annotations = root / "annotations"
    annotations.mkdir()
    lines = (ROOT / "annotations" / "clauses.jsonl").read_text(encoding="utf-8").splitlines()
    (annotations / "clauses.jsonl").write_text("\n".join(lines[:300]) + "\n", encoding="utf-8")
    models, pdfs = root / "models", root / "pdfs"
    pdfs.mkdir()
    for stem in ("nl_tr_werving_1967", "ma_be_main_doeuvre_1969"):
        shutil.copy(corpus_pdf(stem), pdfs / f"{stem}.pdf")
    no_shared = ("--shared", root / "no-shared")
    blamine("train", "--from", annotations, *no_shared, "--out", models, "--folds", "2", "--promote")
    store = root / "store"
    blamine("ingest", pdfs, "--store", store, "--models", models, "--jobs", "1", "--quiet")
    return {"root": root, "annotations": annotations, "models": models, "store": store}


def test_annotate_retrain_promote_reclassify_and_search_the_new_labels(loop):
    root, annotations, models, store = loop["root"], loop["annotations"], loop["models"], loop["store"]
    no_shared = ("--shared", root / "no-shared")
    base = current_version(models)
    before = json.loads(
        blamine("search", "--store", store, "--label", TAUGHT, "--format", "json", "--limit", "200")
    )["total"]

    tasks_file = root / "tasks.json"
    blamine("annotations", "export", tasks_file, "--store", store, "--with-predictions")
    assert (root / "tasks.json.config.xml").is_file()
    tasks = json.loads(tasks_file.read_text(encoding="utf-8"))
    assert all(t["predictions"][0]["model_version"] == base for t in tasks if "predictions" in t)
    wage_tasks = [t for t in tasks if any(w in t["data"]["text"].lower() for w in WAGE_WORDS)]
    assert len({t["data"]["meta"]["doc_id"] for t in wage_tasks}) == 2 and len(wage_tasks) >= 6
    for number, task in enumerate(wage_tasks):  # two annotators agree; a third dissents now and then
        judged = {"ana": [TAUGHT], "ben": [TAUGHT], "cleo": [] if number % 3 == 0 else [TAUGHT]}
        task["annotations"] = [
            {"completed_by": who, "result": _choices(labels)} for who, labels in judged.items()
        ]
    tasks_file.write_text(json.dumps(tasks), encoding="utf-8")

    imported = blamine("annotations", "import", tasks_file, "--store", store, "--into", annotations)
    assert f"{3 * len(wage_tasks)} judgements read (labelstudio)" in imported
    assert "annotators ana, ben, cleo" in imported and "conflicts" in imported

    trained = blamine("train", "--from", annotations, *no_shared, "--out", models, "--folds", "2")
    candidate = trained.split("candidate model saved to ")[1].split()[0]
    candidate = Path(candidate).name
    comparison = json.loads(
        blamine(
            "compare",
            candidate,
            "--models",
            models,
            "--from",
            annotations,
            *no_shared,
            "--folds",
            "2",
            "--json",
        )
    )
    assert comparison["against"] == base and comparison["support"][TAUGHT] >= len(wage_tasks)
    assert comparison["labels"][TAUGHT]["delta"] > 0

    blamine("promote", candidate, "--models", models, "--from", annotations, *no_shared, "--folds", "2")
    assert current_version(models) == candidate
    summary = json.loads(blamine("ingest", "--store", store, "--reclassify", "--models", models, "--json"))
    assert summary["reclassified"] == 2

    hits = json.loads(
        blamine("search", "--store", store, "--label", TAUGHT, "--format", "json", "--limit", "200")
    )
    taught = {(t["data"]["meta"]["doc_id"], t["data"]["meta"]["clause_id"]) for t in wage_tasks}
    found = {(h["doc_id"], h["clause_id"]) for h in hits["hits"]}
    assert hits["total"] > before and found & taught

    blamine("models", "rollback", "--models", models)
    assert current_version(models) == base
    assert "* " + base in blamine("models", "list", "--models", models)


def _choices(labels: list[str]) -> list[dict]:
    if not labels:
        return []
    return [{"from_name": "provision", "to_name": "text", "type": "choices", "value": {"choices": labels}}]


def _fake_versions(models: Path, *names: str) -> None:
    for name in names:
        (models / name).mkdir(parents=True)
        (models / name / "manifest.json").write_text(json.dumps({"version": name}), encoding="utf-8")


def _comparison(blocking: list[str]) -> Comparison:
    zero = Delta(0.7, 0.6, -0.1, -0.15, -0.05)
    return Comparison("b", "a", 5, 100, 10, zero, {}, {}, "worse", blocking)


def test_promotion_worse_beyond_noise_is_refused_unless_forced_and_then_logged(tmp_path):
    _fake_versions(tmp_path, "a", "b")
    set_current(tmp_path, "a", action="promote", forced=False, reason="first", verdict=None)
    with pytest.raises(BlamineError, match="worse than the current model beyond noise: micro-F1"):
        promote(tmp_path, "b", _comparison(["micro-F1 -0.100 [-0.150, -0.050]"]))
    assert current_version(tmp_path) == "a"
    promote(tmp_path, "b", _comparison(["micro-F1 -0.100 [-0.150, -0.050]"]), force=True, reason="needed")
    assert current_version(tmp_path) == "b"
    last = history(tmp_path)[-1]
    assert (last["from"], last["to"], last["forced"], last["reason"]) == ("a", "b", True, "needed")


def test_rolling_back_twice_goes_back_two_promotions(tmp_path):
    _fake_versions(tmp_path, "a", "b", "c")
    for name in ("a", "b", "c"):
        set_current(tmp_path, name, action="promote", forced=False, reason="", verdict=None)
    rollback(tmp_path)
    assert current_version(tmp_path) == "b"
    rollback(tmp_path)
    assert current_version(tmp_path) == "a"
    with pytest.raises(BlamineError, match="no earlier default"):
        rollback(tmp_path)


def test_bootstrap_interval_is_zero_for_equal_models_and_excludes_zero_for_a_better_one():
    import numpy as np

    from pipeline.compare import _bootstrap

    rng = np.random.default_rng(0)
    y = (rng.random((400, 29)) < 0.1).astype(int)
    groups = np.repeat([f"g{i}" for i in range(40)], 10)
    noisy = np.where(rng.random(y.shape) < 0.1, 1 - y, y)
    same, _ = _bootstrap(y, noisy, noisy, groups, 200, 0)
    assert (same.delta, same.low, same.high) == (0.0, 0.0, 0.0)
    better, per_label = _bootstrap(y, noisy, y, groups, 200, 0)
    assert better.candidate == 1.0 and better.low > 0
    assert all(d.delta >= 0 for d in per_label.values())
